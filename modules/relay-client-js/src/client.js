// NotifyRelayClient, the public client class (re-exported by index.js).

import { Connection } from './connection.js';
import {
  ANY_NODE, CLOSE_CLIENT_TIMEOUT, CLOSE_FORBIDDEN, CLOSE_GOING_AWAY, CLOSE_KAFKA_UNREACHABLE, CLOSE_TOO_BIG, CLOSE_TOO_SLOW,
  CLOSE_UNAUTHORIZED, DEFAULTS, PAYLOAD_TYPES,
} from './constants.js';
import { RecentIds, decodeCursor, jwtClaims, relayEndpoints } from './helpers.js';
import { toNotification } from './notifications.js';
import { partitionOf } from './partitioners.js';

/**
 * Receives the notifications of one LOB (or of some of its contacts) from a Notify Relay deployment.
 *
 *   const relay = new NotifyRelayClient({ url: 'https://relay.example.com', token: getToken });
 *   relay.on('notification', (n) => console.log(n.payloadType, n.state, n.contactId));
 *   relay.subscribe();
 */
export class NotifyRelayClient {
  /**
   * @param {object} options see index.d.ts (ClientOptions)
   */
  constructor(options = {}) {
    const urls = Array.isArray(options.url) ? options.url : [options.url ?? globalThis.location?.origin];
    if (urls.length === 0 || urls.some((u) => typeof u !== 'string' || u === '')) {
      throw new TypeError('NotifyRelayClient: options.url is required (a relay node or its load balancer, '
        + 'or a list of them)');
    }
    if (options.token === undefined || options.token === null || options.token === '') {
      throw new TypeError('NotifyRelayClient: options.token is required (a JWT, or a function that returns one)');
    }
    /** Where the client starts (and falls back to when no routes are known): tried in turn when one fails. */
    this._entries = urls.map((u) => relayEndpoints(u));
    this._entryIndex = 0;
    this._tokenSource = options.token;
    this._refresher = options.refreshToken ?? (typeof options.token === 'function' ? options.token : null);
    this._WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this._fetch = options.fetch ?? (globalThis.fetch ? globalThis.fetch.bind(globalThis) : null);
    if (typeof this._WebSocket !== 'function') {
      throw new TypeError('NotifyRelayClient: no WebSocket implementation: pass options.WebSocket '
        + "(on Node 20: import { WebSocket } from 'ws')");
    }
    this._backoff = { ...DEFAULTS.backoff, ...(options.backoff ?? {}) };
    this._random = options.random ?? Math.random;
    this._connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    this._subscribeTimeoutMs = options.subscribeTimeoutMs ?? DEFAULTS.subscribeTimeoutMs;
    this._requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
    this._since = options.since ?? null;
    /**
     * The last sessionId each node welcomed this client with: sent back as `previousSession` on the next connection,
     * so the node can say why it closed that session when its close frame never arrived (a 4429 queued behind the
     * data the client did not read shows as 1006). One entry per node URL.
     */
    this._lastSessionByNode = new Map();
    /** Acknowledge each notification once its listeners ran: the relay turns it into an `acknowledged` receipt. */
    this._ack = options.ack === true;
    /**
     * Since when each partition (LOB-wide, key `p:<n>`) or contact (`c:<id>`) has been served: where a resume
     * must start for those the client has no cursor for.
     */
    this._servedSince = new Map();
    this._seen = new RecentIds(options.dedupeSize ?? DEFAULTS.dedupeSize);
    this._listeners = new Map();
    this._conns = new Map();
    this._cursors = new Map();
    this._contactPartitions = new Map();
    this._want = { lobWide: false, contacts: new Set() };
    this._routes = null;
    this._routesFetch = null;
    this._routesAttempt = 0;
    this._timers = {};
    this._token = typeof options.token === 'string' ? options.token : null;
    this._claims = jwtClaims(this._token);
    this._authFailures = 0;
    this._refreshing = null;
    this._tokenSetAt = this._token === null ? undefined : Date.now();
    this._failuresSinceLive = 0;
    this._everLive = false;
    this._started = false;
    this._closed = false;
    this._fatal = null;
    this._status = 'offline';
    this._statusReason = 'not subscribed yet';
    this._stats = { received: 0, duplicates: 0, reconnects: 0, gaps: 0 };
    for (const cursor of options.cursors ?? []) {
      this._trackCursor(cursor, null, null);
    }
    this._onOnline = () => this._retryNow();
    if (typeof globalThis.addEventListener === 'function' && typeof globalThis.navigator === 'object') {
      globalThis.addEventListener('online', this._onOnline);
    }
  }

  // ------------------------------------------------------------------------------------ public API

  /**
   * Subscribes to the whole LOB of the token (no argument), or adds contacts (`{ contacts: [...] }`).
   * Connects on the first call. Returns the client, for chaining.
   */
  subscribe(options = {}) {
    this._assertOpen();
    if (options.contacts === undefined) {
      this._want.lobWide = true;
    } else {
      if (!Array.isArray(options.contacts) || options.contacts.some((c) => typeof c !== 'string' || c === '')) {
        throw new TypeError('subscribe({ contacts }): contacts must be an array of non-empty strings');
      }
      this._checkAllowed(options.contacts);
      options.contacts.forEach((c) => this._want.contacts.add(c));
    }
    this._start();
    return this;
  }

  /** Stops receiving some contacts (`{ contacts: [...] }`), or everything (no argument). */
  unsubscribe(options = {}) {
    this._assertOpen();
    if (options.contacts === undefined) {
      this._want.lobWide = false;
      this._want.contacts.clear();
      this._servedSince.clear();
    } else {
      options.contacts.forEach((c) => {
        this._want.contacts.delete(c);
        this._servedSince.delete(`c:${c}`);
      });
    }
    if (this._started) {
      this._reconcile();
    }
    return this;
  }

  /** Adds a listener; returns a function that removes it. */
  on(event, listener) {
    if (!this._listeners.has(event)) {
      this._listeners.set(event, new Set());
    }
    this._listeners.get(event).add(listener);
    return () => this.off(event, listener);
  }

  off(event, listener) {
    this._listeners.get(event)?.delete(listener);
    return this;
  }

  /** connecting | live | recovering | offline */
  get status() {
    return this._status;
  }

  /**
   * Resolves when the client is live (every subscribed contact or partition is being served);
   * rejects after `timeoutMs` or when the client goes offline for good.
   */
  whenLive(timeoutMs = 30_000) {
    if (this._status === 'live') {
      return Promise.resolve(this);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`not live within ${timeoutMs} ms (status ${this._status}: ${this._statusReason})`));
      }, timeoutMs);
      const stop = this.on('status', (s) => {
        if (s.status === 'live') {
          clearTimeout(timer);
          stop();
          resolve(this);
        } else if (s.status === 'offline' && !s.retrying) {
          clearTimeout(timer);
          stop();
          reject(new Error(`offline: ${s.reason}`));
        }
      });
    });
  }

  /**
   * The last cursor of every partition the client has seen events on. Opaque strings: store them (e.g. in
   * sessionStorage) and pass them back as `options.cursors` to resume after a page reload.
   */
  cursors() {
    return [...this._cursors.values()].map((entry) => entry.cursor);
  }

  /** The WebSockets the client holds right now, for diagnostics. */
  connections() {
    return [...this._conns.values()].map((conn) => conn.describe());
  }

  /** Counters: received (delivered to listeners), duplicates (dropped), reconnects, gaps. */
  stats() {
    return { ...this._stats };
  }

  /** Closes every connection; the client cannot be used afterwards. */
  close() {
    if (this._closed) {
      return;
    }
    this._closed = true;
    Object.keys(this._timers).forEach((name) => this._clearTimer(name));
    for (const conn of [...this._conns.values()]) {
      this._dropConn(conn, 1000, 'client closed');
    }
    if (typeof globalThis.removeEventListener === 'function') {
      globalThis.removeEventListener('online', this._onOnline);
    }
    this._setStatus('offline', 'closed', { retrying: false });
  }

  get _entry() {
    return this._entries[this._entryIndex];
  }

  // ------------------------------------------------------------------------------------ lifecycle

  _assertOpen() {
    if (this._closed) {
      throw new Error('NotifyRelayClient is closed');
    }
  }

  _start() {
    if (this._started) {
      this._reconcile();
      return;
    }
    this._started = true;
    this._setStatus('connecting', 'starting');
    (async () => {
      try {
        if (this._token === null || this._tokenExpiresSoon()) {
          await this._obtainToken();
        }
      } catch (error) {
        this._fail('token_unavailable', `could not obtain a token: ${error?.message ?? error}`);
        return;
      }
      if (this._closed) {
        return;
      }
      if (this._timers.tokenRefresh === undefined) {
        this._scheduleTokenRefresh();
      }
      await this._refreshRoutes();
      this._reconcile();
    })();
  }

  _emit(event, value) {
    const listeners = this._listeners.get(event);
    if (!listeners) {
      return;
    }
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        // a listener's bug must not break delivery to the others
        if (event !== 'error') {
          this._emit('error', { code: 'listener_failed', message: String(error?.stack ?? error), fatal: false });
        }
      }
    }
  }

  _setTimer(name, delayMs, fn) {
    this._clearTimer(name);
    this._timers[name] = setTimeout(() => {
      delete this._timers[name];
      fn();
    }, Math.max(0, delayMs));
  }

  _clearTimer(name) {
    if (this._timers[name] !== undefined) {
      clearTimeout(this._timers[name]);
      delete this._timers[name];
    }
  }

  /**
   * Exponential backoff with "equal jitter": a random delay between half and all of the bound, so clients cut off
   * together (a node restart) do not come back together, yet none retries at once.
   */
  _backoffDelay(attempt) {
    const { initialMs, maxMs, factor } = this._backoff;
    const bound = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt));
    return Math.round(bound / 2 + (this._random() * bound) / 2);
  }

  _fail(code, message) {
    if (this._closed || this._fatal) {
      return;
    }
    this._fatal = { code, message };
    this._emit('error', { code, message, fatal: true });
    Object.keys(this._timers).forEach((name) => this._clearTimer(name));
    for (const conn of [...this._conns.values()]) {
      this._dropConn(conn, 1000, code);
    }
    this._setStatus('offline', message, { retrying: false, error: { code, message } });
  }

  _retryNow() {
    for (const conn of this._conns.values()) {
      if (conn.phase === 'backoff') {
        conn.clearTimer('retry');
        this._scheduleReconnect(conn, 0);
      }
    }
  }

  // ------------------------------------------------------------------------------------ tokens

  _tokenExpiresSoon() {
    const exp = this._claims?.exp;
    return typeof exp === 'number' && exp * 1000 - Date.now() < 5_000;
  }

  async _obtainToken() {
    const source = this._token === null && typeof this._tokenSource === 'function' ? this._tokenSource : this._refresher;
    if (typeof source !== 'function') {
      if (this._token === null) {
        this._token = String(this._tokenSource);
        this._claims = jwtClaims(this._token);
      }
      return this._token;
    }
    const token = await source();
    if (typeof token !== 'string' || token === '') {
      throw new Error('the token function returned no token');
    }
    this._setToken(token);
    return token;
  }

  /**
   * A token received in the first half of its life is not refreshed on the relay's warning: tokens shorter
   * than the warning window would otherwise be refreshed in a loop (the scheduled refresh still runs).
   */
  _tokenIsFresh() {
    const exp = this._claims?.exp;
    if (typeof exp !== 'number' || this._tokenSetAt === undefined) {
      return false;
    }
    const lifetime = exp * 1000 - this._tokenSetAt;
    return Date.now() - this._tokenSetAt < Math.max(1_000, lifetime / 2);
  }

  _setToken(token) {
    const previous = this._token;
    this._tokenSetAt = Date.now();
    this._token = token;
    this._claims = jwtClaims(token);
    this._scheduleTokenRefresh();
    if (previous !== null && previous !== token) {
      // the relay accepts a fresh token for the same LOB on an open session and extends it
      for (const conn of this._conns.values()) {
        if (conn.isOpen()) {
          conn.send({ type: 'auth', token });
        }
      }
    }
  }

  /** Refreshes the token a little before it expires, so sessions are extended instead of closed. */
  _scheduleTokenRefresh() {
    this._clearTimer('tokenRefresh');
    const exp = this._claims?.exp;
    if (typeof this._refresher !== 'function' || typeof exp !== 'number' || this._closed) {
      return;
    }
    const left = exp * 1000 - Date.now();
    const delay = Math.max(1_000, left - Math.min(60_000, left / 5));
    this._setTimer('tokenRefresh', Math.min(delay, 2 ** 31 - 1), () => this._refreshNow());
  }

  /** Fetches a fresh token (one request at a time) and gives it to every open session. */
  _refreshNow() {
    if (typeof this._refresher !== 'function' || this._closed) {
      return Promise.resolve();
    }
    this._refreshing ??= (async () => {
      try {
        const token = await this._refresher();
        if (typeof token === 'string' && token !== '' && !this._closed) {
          this._setToken(token);
        }
      } catch (error) {
        this._emit('error', { code: 'token_refresh_failed', message: String(error?.message ?? error), fatal: false });
        this._setTimer('tokenRefresh', this._backoffDelay(2), () => this._refreshNow());
      } finally {
        this._refreshing = null;
      }
    })();
    return this._refreshing;
  }

  _checkAllowed(contacts) {
    const allowed = this._allowedContacts();
    if (allowed) {
      const outside = contacts.filter((c) => !allowed.has(c));
      if (outside.length > 0) {
        throw new Error(`the token does not allow contacts ${outside.join(', ')} (its contacts claim)`);
      }
    }
  }

  _allowedContacts() {
    const claim = this._claims?.contacts;
    return Array.isArray(claim) ? new Set(claim.filter((c) => typeof c === 'string')) : null;
  }

  /** What must be served: a token limited to some contacts turns "the whole LOB" into "all my contacts". */
  _effectiveWant() {
    const allowed = this._allowedContacts();
    if (this._want.lobWide && allowed) {
      return { lobWide: false, contacts: new Set([...allowed, ...this._want.contacts]) };
    }
    return { lobWide: this._want.lobWide, contacts: this._want.lobWide ? new Set() : new Set(this._want.contacts) };
  }

  // ------------------------------------------------------------------------------------ routes

  /** Fetches GET /v1/routes from a node that answers (live nodes first, then the entry URL). Coalesced. */
  _refreshRoutes() {
    if (this._routesFetch) {
      return this._routesFetch;
    }
    this._routesFetch = (async () => {
      try {
        if (!this._fetch) {
          return;
        }
        const candidates = [];
        for (const conn of this._conns.values()) {
          if (conn.phase === 'live') {
            candidates.push(conn.http);
          }
        }
        this._entries.forEach((entry) => candidates.push(entry.http));
        for (const conn of this._conns.values()) {
          candidates.push(conn.http);
        }
        for (const http of [...new Set(candidates)]) {
          const body = await this._getJson(`${http}/v1/routes`);
          if (body && Array.isArray(body.partitions)) {
            this._routes = this._readRoutes(body);
            await this._lookUpContactPartitions(http);
            return;
          }
        }
        if (this._routes === null && !this._routesWarned && this._conns.size > 0) {
          // e.g. a page on another origin and no CORS on /v1/routes: contacts still follow `moved`, but a
          // LOB-wide subscription in group mode only gets the partitions of the node it reached
          this._routesWarned = true;
          this._emit('error', { code: 'routes_unavailable', fatal: false, message: 'GET /v1/routes failed on every '
            + 'known node (not reachable, or blocked by CORS): without routes the client uses the URL it was given, '
            + 'so in group mode a LOB-wide subscription receives only the partitions of that node' });
        }
      } finally {
        this._routesFetch = null;
      }
    })();
    return this._routesFetch;
  }

  async _getJson(url) {
    const controller = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = setTimeout(() => controller?.abort(), this._requestTimeoutMs);
    try {
      const response = await this._fetch(url, { signal: controller?.signal, headers: { accept: 'application/json' } });
      return response.ok ? await response.json() : null;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  _readRoutes(body) {
    const owners = new Map();
    for (const entry of body.partitions) {
      const owner = entry.owner;
      owners.set(entry.partition, owner === ANY_NODE ? ANY_NODE : owner ? relayEndpoints(owner).ws : null);
    }
    return {
      // 'anywhere' (the relay's default) and its old name 'broadcast': any node serves everything, one socket
      mode: body.mode === 'anywhere' || body.mode === 'broadcast' ? 'broadcast' : 'group',
      partitionCount: body.partitionCount ?? owners.size,
      partitioner: body.partitioner,
      owners,
    };
  }

  /** For a partitioner the client cannot compute, asks the relay where each contact lives. */
  async _lookUpContactPartitions(http) {
    const routes = this._routes;
    if (!routes || partitionOf('x', 1, routes.partitioner) !== undefined) {
      return;
    }
    const missing = [...this._effectiveWant().contacts].filter((c) => !this._contactPartitions.has(c));
    for (let i = 0; i < missing.length; i += 8) {
      await Promise.all(missing.slice(i, i + 8).map(async (contactId) => {
        const body = await this._getJson(`${http}/v1/routes?contactId=${encodeURIComponent(contactId)}`);
        if (body && Number.isInteger(body.partition)) {
          this._contactPartitions.set(contactId, body.partition);
        }
      }));
    }
  }

  _partitionOfContact(contactId) {
    const known = this._contactPartitions.get(contactId);
    if (known !== undefined) {
      return known;
    }
    const routes = this._routes;
    if (!routes || !routes.partitionCount) {
      return undefined;
    }
    const partition = partitionOf(contactId, routes.partitionCount, routes.partitioner);
    if (partition !== undefined) {
      this._contactPartitions.set(contactId, partition);
    }
    return partition;
  }

  /** In broadcast mode any node serves everything: keep a live one, else go through the entry URL. */
  _anyNodeUrl() {
    for (const conn of this._conns.values()) {
      if (conn.phase === 'live' || conn.phase === 'subscribing') {
        return conn.url;
      }
    }
    return this._entry.ws;
  }

  _scheduleRoutesRetry() {
    if (this._timers.routesRetry !== undefined || this._closed || this._fatal) {
      return;
    }
    const delay = Math.min(5_000, this._backoffDelay(this._routesAttempt++));
    this._setTimer('routesRetry', delay, async () => {
      await this._refreshRoutes();
      this._reconcile();
    });
  }

  // ------------------------------------------------------------------------------------ planning

  /**
   * Works out which node must serve what (from the routes, or the entry node when they are unknown) and
   * brings the connections in line: opens the missing ones, moves contacts, drops what is not needed.
   */
  _reconcile() {
    if (this._closed || this._fatal || !this._started || this._token === null) {
      return;
    }
    const routes = this._routes;
    const want = this._effectiveWant();
    const desired = new Map();
    const need = (url) => {
      if (!desired.has(url)) {
        desired.set(url, { lobWide: false, contacts: new Set(), partitions: new Set() });
      }
      return desired.get(url);
    };
    let uncovered = false;

    if (want.lobWide) {
      if (!routes) {
        need(this._anyNodeUrl()).lobWide = true;
      } else if (routes.mode === 'broadcast') {
        const plan = need(this._anyNodeUrl());
        plan.lobWide = true;
        for (let p = 0; p < routes.partitionCount; p++) {
          plan.partitions.add(p);
        }
      } else {
        for (const [partition, owner] of routes.owners) {
          if (owner && owner !== ANY_NODE) {
            const plan = need(owner);
            plan.lobWide = true;
            plan.partitions.add(partition);
          } else {
            uncovered = true;
          }
        }
        // a live LOB-wide session stays: its node says `moved` when it loses partitions, routes may lag
        for (const conn of this._conns.values()) {
          if (conn.lobWide && conn.phase === 'live') {
            need(conn.url).lobWide = true;
          }
        }
      }
    }

    for (const contactId of want.contacts) {
      const holder = this._holderOf(contactId);
      if (holder && holder.phase === 'live') {
        need(holder.url).contacts.add(contactId);
        continue;
      }
      const partition = this._partitionOfContact(contactId);
      let owner = null;
      if (!routes || partition === undefined) {
        owner = holder?.url ?? this._entry.ws; // the node answers `moved` for contacts it does not serve
      } else if (routes.mode === 'broadcast') {
        owner = this._anyNodeUrl();
      } else {
        owner = routes.owners.get(partition) ?? null;
        if (owner === ANY_NODE) {
          owner = this._anyNodeUrl();
        }
      }
      if (!owner) {
        uncovered = true;
        if (holder) {
          need(holder.url).contacts.add(contactId); // keep trying where it was until an owner is known
        }
        continue;
      }
      const plan = need(owner);
      plan.contacts.add(contactId);
      if (partition !== undefined) {
        plan.partitions.add(partition);
      }
    }

    for (const [url, plan] of desired) {
      let conn = this._conns.get(url);
      if (conn && conn.lobWide && !plan.lobWide) {
        // the protocol has no "unsubscribe from the whole LOB": start that node's session afresh
        this._dropConn(conn, 1000, 'subscription changed');
        conn = undefined;
      }
      if (!conn) {
        conn = new Connection(url);
        this._conns.set(url, conn);
      }
      this._assign(conn, plan);
    }
    for (const conn of [...this._conns.values()]) {
      if (!desired.has(conn.url)) {
        this._dropConn(conn, 1000, 'not needed');
      }
    }
    if (uncovered) {
      this._scheduleRoutesRetry();
    } else {
      this._routesAttempt = 0;
    }
    this._updateStatus();
  }

  _holderOf(contactId) {
    for (const conn of this._conns.values()) {
      if (conn.contacts.has(contactId)) {
        return conn;
      }
    }
    return null;
  }

  /** Gives a connection its (new) share of the work and tells its node, resuming from cursors. */
  _assign(conn, plan) {
    const added = [...plan.contacts].filter((c) => !conn.contacts.has(c));
    const removed = [...conn.contacts].filter((c) => !plan.contacts.has(c));
    const newPartitions = [...plan.partitions].filter((p) => !conn.partitions.has(p));
    const lobWideAdded = plan.lobWide && !conn.lobWide;
    conn.lobWide = plan.lobWide;
    conn.contacts = new Set(plan.contacts);
    newPartitions.forEach((p) => conn.partitions.add(p));
    // contacts leaving this node: their partitions are no longer this node's business for the client
    for (const contactId of removed) {
      conn.acked.delete(contactId);
      conn.sent.delete(contactId);
    }
    if (!conn.lobWide) {
      const keep = new Set([...conn.contacts].map((c) => this._partitionOfContact(c)).filter((p) => p !== undefined));
      for (const contactId of removed) {
        const partition = this._partitionOfContact(contactId);
        if (partition !== undefined && !keep.has(partition)) {
          conn.partitions.delete(partition);
        }
      }
    }

    if (conn.phase === 'live' || conn.phase === 'subscribing') {
      if (removed.length > 0) {
        conn.send({ type: 'unsubscribe', contacts: removed });
      }
      if (conn.phase === 'live') {
        if (lobWideAdded) {
          this._sendSubscribe(conn, null, [...conn.partitions]);
        } else if (!conn.lobWide && added.length > 0) {
          this._sendSubscribe(conn, added, this._partitionsOf(added));
        } else if (conn.lobWide && newPartitions.length > 0) {
          this._resume(conn, newPartitions);
        }
      }
    } else if (conn.phase === 'idle') {
      this._connect(conn);
    }
  }

  _partitionsOf(contacts) {
    return [...new Set(contacts.map((c) => this._partitionOfContact(c)).filter((p) => p !== undefined))];
  }

  /** Partitions moved to a node that already serves the client LOB-wide: replay what was missed there. */
  _resume(conn, newPartitions) {
    const fields = this._resumeFields(null, newPartitions);
    if (fields.cursors || fields.since) {
      // every partition of the node with its cursor, so the node replays only what is new to the client
      this._sendSubscribe(conn, null, [...conn.partitions]);
    }
  }

  _cursorsFor(partitions) {
    const cursors = [];
    for (const partition of new Set(partitions)) {
      const entry = this._cursors.get(partition);
      if (entry) {
        cursors.push(entry.cursor);
      }
    }
    return cursors;
  }

  /**
   * What a subscribe must carry to resume: the cursors of the partitions concerned and, for what was already
   * being served but has no cursor (no event seen there yet), `since` the moment it started being served.
   * What was never served has nothing to resume (a new subscription starts live), except from
   * `options.cursors` / `options.since`.
   */
  _resumeFields(contacts, partitions) {
    const fields = {};
    const cursors = this._cursorsFor(partitions);
    if (cursors.length > 0) {
      fields.cursors = cursors;
    }
    const withCursor = new Set([...this._cursors.keys()]);
    let since = null;
    const consider = (key) => {
      const at = this._servedSince.get(key);
      if (at !== undefined && (since === null || at < since)) {
        since = at;
      }
    };
    if (contacts) {
      contacts.filter((c) => !withCursor.has(this._partitionOfContact(c))).forEach((c) => consider(`c:${c}`));
    } else {
      partitions.filter((p) => !withCursor.has(p)).forEach((p) => consider(`p:${p}`));
    }
    if (since !== null) {
      fields.since = new Date(since - 2_000).toISOString();
    } else if (this._since && this._servedSince.size === 0) {
      fields.since = this._since;
    }
    return fields;
  }

  /** subscribe (for `contacts`, or the whole LOB when null), resuming where needed; one at a time per node. */
  _sendSubscribe(conn, contacts, partitions) {
    const frame = this._ack ? { type: 'subscribe', ack: true } : { type: 'subscribe' };
    if (contacts) {
      if (contacts.length === 0) {
        return;
      }
      frame.contacts = contacts;
      contacts.forEach((c) => conn.sent.add(c));
    }
    Object.assign(frame, this._resumeFields(contacts, partitions));
    const resume = frame.cursors || frame.since ? { partitions } : null;
    conn.queue.push({ frame, resume });
    this._pumpSubscribes(conn);
  }

  _pumpSubscribes(conn) {
    if (conn.awaiting || conn.queue.length === 0 || !conn.ws) {
      return;
    }
    conn.awaiting = conn.queue.shift();
    if (!conn.send(conn.awaiting.frame)) {
      conn.awaiting = null;
    }
  }

  // ------------------------------------------------------------------------------------ connections

  _connect(conn) {
    if (this._closed || this._fatal) {
      return;
    }
    conn.clearTimers();
    conn.phase = 'connecting';
    conn.sent.clear();
    conn.acked.clear();
    conn.lobWideAcked = false;
    conn.kafkaUnreachable = false;
    conn.queue = [];
    conn.awaiting = null;
    let ws;
    try {
      ws = new this._WebSocket(conn.url);
    } catch (error) {
      this._onConnClosed(conn, 1006, String(error?.message ?? error));
      return;
    }
    conn.ws = ws;
    conn.timers.connect = setTimeout(() => {
      if (conn.ws === ws && conn.phase !== 'live') {
        this._abandon(conn, ws, 'no answer within ' + this._connectTimeoutMs + ' ms');
      }
    }, this._connectTimeoutMs);
    ws.onopen = () => {
      if (conn.ws === ws) {
        conn.lastHeard = Date.now();
        const previousSession = this._lastSessionByNode.get(conn.url);
        ws.send(JSON.stringify(previousSession === undefined ? { type: 'auth', token: this._token }
          : { type: 'auth', token: this._token, previousSession }));
      }
    };
    ws.onmessage = (message) => {
      if (conn.ws !== ws) {
        return;
      }
      conn.lastHeard = Date.now();
      let frame;
      try {
        frame = JSON.parse(typeof message.data === 'string' ? message.data : String(message.data));
      } catch {
        return;
      }
      if (frame && typeof frame.type === 'string') {
        this._onFrame(conn, frame);
      }
    };
    ws.onclose = (event) => {
      if (conn.ws === ws) {
        this._onConnClosed(conn, event.code, event.reason);
      }
    };
    ws.onerror = () => {
      // a close event follows
    };
  }

  /** Gives up on a socket that does not answer: forget it at once, the close handshake may never come. */
  _abandon(conn, ws, reason) {
    conn.ws = null;
    try {
      ws.close(CLOSE_CLIENT_TIMEOUT, reason.slice(0, 120));
    } catch {
      // already closing
    }
    this._onConnClosed(conn, CLOSE_CLIENT_TIMEOUT, reason);
  }

  _dropConn(conn, code, reason) {
    this._conns.delete(conn.url);
    conn.clearTimers();
    const ws = conn.ws;
    conn.ws = null;
    conn.phase = 'idle';
    if (ws) {
      try {
        ws.close(code, reason);
      } catch {
        // already closing
      }
    }
  }

  _onFrame(conn, frame) {
    switch (frame.type) {
      case 'welcome':
        this._onWelcome(conn, frame);
        break;
      case 'subscribed':
        this._onSubscribed(conn, frame);
        break;
      case 'event':
        this._onEvent(conn, frame);
        break;
      case 'moved':
        this._onMoved(conn, frame);
        break;
      case 'status':
        // the node cannot reach Kafka (events are delayed, not lost) or can again
        conn.kafkaUnreachable = frame.kafka === 'unreachable';
        this._updateStatus();
        break;
      case 'token_expiring':
        // the relay warns before it closes the session (4401); the same token would only be refused
        if (frame.expiresAt && this._claims?.exp && Date.parse(frame.expiresAt) < this._claims.exp * 1000) {
          conn.send({ type: 'auth', token: this._token }); // this session has an older token than the client
        } else if (!this._tokenIsFresh()) {
          this._refreshNow();
        }
        break;
      case 'unsubscribed':
        (frame.contacts ?? []).forEach((c) => conn.acked.delete(c));
        break;
      case 'error':
        this._onServerError(conn, frame);
        break;
      default:
        break; // pong, and frames of newer relays
    }
  }

  _onWelcome(conn, frame) {
    conn.welcome = frame;
    if (typeof frame.sessionId === 'string') {
      this._lastSessionByNode.set(conn.url, frame.sessionId);
    }
    const previous = frame.previousClose;
    if (previous && typeof previous === 'object') {
      // the close the client never saw: it resumes from its cursors like after any close, but says why
      this._emit('error', { code: 'closed_too_slow', node: conn.url, fatal: false, message: 'the relay closed the '
        + `previous session (${previous.code} ${previous.reason ?? ''}) at ${previous.at}: it read too slowly; `
        + 'resumed from its cursors' });
    }
    conn.phase = 'subscribing';
    // the node answered; from here a resume may replay for a while before `subscribed`
    conn.clearTimer('connect');
    const ws = conn.ws;
    conn.timers.connect = setTimeout(() => {
      if (conn.ws === ws && conn.phase !== 'live') {
        this._abandon(conn, ws, 'not subscribed within ' + this._subscribeTimeoutMs + ' ms');
      }
    }, this._subscribeTimeoutMs);
    this._authFailures = 0;
    const heartbeatMs = Number(frame.heartbeatMs) > 0 ? Number(frame.heartbeatMs) : 25_000;
    const pingEvery = Math.max(1_000, Math.min(heartbeatMs / 2, 15_000));
    conn.timers.heartbeat = setInterval(() => {
      if (conn.ws && Date.now() - conn.lastHeard > pingEvery * 2 + 5_000) {
        this._abandon(conn, conn.ws, 'relay silent for ' + (Date.now() - conn.lastHeard) + ' ms');
      } else {
        conn.send({ type: 'ping' });
      }
    }, pingEvery);
    if (conn.lobWide) {
      this._sendSubscribe(conn, null, [...conn.partitions]);
    } else if (conn.contacts.size > 0) {
      this._sendSubscribe(conn, [...conn.contacts], this._partitionsOf([...conn.contacts]));
    } else {
      this._dropConn(conn, 1000, 'not needed');
    }
  }

  _onSubscribed(conn, frame) {
    const resume = conn.awaiting?.resume ?? null;
    conn.awaiting = null;
    const partitions = Array.isArray(frame.partitions) ? frame.partitions.filter(Number.isInteger) : [];
    const now = Date.now();
    if (frame.lobWide) {
      conn.lobWideAcked = true;
      partitions.forEach((p) => conn.partitions.add(p));
      conn.partitions.forEach((p) => {
        if (!this._servedSince.has(`p:${p}`)) {
          this._servedSince.set(`p:${p}`, now);
        }
      });
    } else {
      (frame.contacts ?? []).forEach((c) => {
        if (conn.contacts.has(c)) {
          conn.acked.add(c);
          if (!this._servedSince.has(`c:${c}`)) {
            this._servedSince.set(`c:${c}`, now);
          }
        }
      });
      partitions.forEach((p) => conn.partitions.add(p));
      this._finishHandOvers(conn, frame.contacts ?? []);
    }
    if (resume && frame.recovered === false) {
      // the node names the partitions that may have a gap; older nodes do not: then all of them
      const gaps = Array.isArray(frame.unrecovered) ? frame.unrecovered.filter(Number.isInteger) : resume.partitions;
      this._gap(conn, gaps, frame.reason ?? 'the relay could not replay from the cursors');
    }
    const first = conn.phase !== 'live';
    conn.phase = 'live';
    conn.clearTimer('connect');
    if (first) {
      if (this._everLive) {
        this._stats.reconnects++; // a connection (re)opened after the client was live: a reconnect or a move
      }
      conn.everLive = true;
      conn.attempt = 0;
      this._failuresSinceLive = 0;
      // contacts given to this connection while it was subscribing
      const unsent = [...conn.contacts].filter((c) => !conn.sent.has(c));
      if (!conn.lobWide && unsent.length > 0) {
        this._sendSubscribe(conn, unsent, this._partitionsOf(unsent));
      }
    }
    this._pumpSubscribes(conn);
    this._updateStatus();
  }

  _onServerError(conn, frame) {
    if (frame.code === 'resume_unavailable') {
      // the relay serves live events only: whatever was missed while away is not replayed (`subscribed` follows)
      const resume = conn.awaiting?.resume;
      if (resume) {
        conn.awaiting.resume = null;
        this._gap(conn, resume.partitions, frame.message ?? 'resume unavailable');
      }
      return;
    }
    if (conn.awaiting && (frame.code === 'too_many_subscriptions' || frame.code === 'bad_frame')) {
      conn.awaiting = null; // that subscribe is not answered with `subscribed`
      this._pumpSubscribes(conn);
    }
    this._emit('error', { code: frame.code, message: frame.message, node: conn.url, fatal: false });
  }

  _gap(conn, partitions, reason) {
    this._stats.gaps++;
    this._emit('gap', { node: conn.url, partitions: [...new Set(partitions)].sort((a, b) => a - b), reason });
  }

  _onEvent(conn, frame) {
    const notification = toNotification(frame, conn.url);
    this._trackCursor(frame.cursor, frame.contactId, conn.url);
    const want = this._effectiveWant();
    if (!want.lobWide && !want.contacts.has(frame.contactId)) {
      return; // in flight when the contact was unsubscribed
    }
    if (typeof frame.id === 'string' && !this._seen.add(frame.id)) {
      this._stats.duplicates++;
      return;
    }
    this._stats.received++;
    this._emit('notification', notification);
    if (PAYLOAD_TYPES.includes(notification.payloadType)) {
      this._emit(notification.payloadType, notification);
    }
    if (this._ack && typeof frame.id === 'string') {
      conn.send({ type: 'ack', ids: [frame.id] });
    }
  }

  _trackCursor(cursor, contactId, nodeUrl) {
    if (typeof cursor !== 'string') {
      return;
    }
    const decoded = decodeCursor(cursor);
    if (decoded) {
      const current = this._cursors.get(decoded.partition);
      if (!current || !current.decoded || current.decoded.epoch !== decoded.epoch
          || current.decoded.offset < decoded.offset) {
        this._cursors.set(decoded.partition, { cursor, decoded });
      }
      return;
    }
    // a cursor this version cannot read: one per partition still, found from the contact
    const partition = contactId ? this._partitionOfContact(contactId) : undefined;
    this._cursors.set(partition ?? `node:${nodeUrl}`, { cursor, decoded: null });
  }

  _onMoved(conn, frame) {
    const contacts = Array.isArray(frame.contacts) ? frame.contacts : [];
    const partitions = Array.isArray(frame.partitions) ? frame.partitions.filter(Number.isInteger) : [];
    const target = frame.url ? relayEndpoints(frame.url).ws : null;
    for (const contactId of contacts) {
      if (target && target !== conn.url && conn.acked.has(contactId)) {
        // the node keeps serving it (e.g. what producers with old metadata still write to the old partition):
        // stay subscribed here until the new node has said `subscribed`
        conn.handingOver.set(contactId, target);
        continue;
      }
      conn.contacts.delete(contactId);
      conn.acked.delete(contactId);
      conn.sent.delete(contactId);
    }
    partitions.forEach((p) => conn.partitions.delete(p));
    if (!target || target === conn.url) {
      this._scheduleRoutesRetry(); // the new owner is not known yet
    } else {
      let next = this._conns.get(target);
      if (!next) {
        next = new Connection(target);
        this._conns.set(target, next);
      }
      const plan = { lobWide: next.lobWide, contacts: new Set(next.contacts), partitions: new Set(partitions) };
      const want = this._effectiveWant();
      contacts.filter((c) => want.contacts.has(c)).forEach((c) => plan.contacts.add(c));
      if (conn.lobWide && contacts.length === 0 && want.lobWide) {
        plan.lobWide = true;
      }
      this._assign(next, plan);
    }
    if (!conn.lobWide && conn.contacts.size === 0) {
      this._dropConn(conn, 1000, 'everything moved');
    }
    this._updateStatus();
  }

  /** The node at `conn` serves these contacts now: the nodes that moved them here let them go. */
  _finishHandOvers(conn, contacts) {
    for (const old of [...this._conns.values()]) {
      if (old === conn || old.handingOver.size === 0) {
        continue;
      }
      const done = contacts.filter((c) => old.handingOver.get(c) === conn.url);
      if (done.length === 0) {
        continue;
      }
      for (const contactId of done) {
        old.handingOver.delete(contactId);
        old.contacts.delete(contactId);
        old.acked.delete(contactId);
        old.sent.delete(contactId);
      }
      if (!old.lobWide && old.contacts.size === 0) {
        this._dropConn(old, 1000, 'everything moved');
      } else if (old.phase === 'live') {
        old.send({ type: 'unsubscribe', contacts: done });
      }
    }
  }

  _onConnClosed(conn, code, reason) {
    const wasLive = conn.phase === 'live';
    conn.clearTimers();
    conn.ws = null;
    conn.phase = 'backoff';
    conn.lobWideAcked = false;
    conn.acked.clear();
    conn.sent.clear();
    if (this._closed || this._fatal || this._conns.get(conn.url) !== conn) {
      return;
    }
    if (!wasLive) {
      this._failuresSinceLive++;
    }
    if (code === CLOSE_FORBIDDEN) {
      this._fail('forbidden', reason || 'subscription not allowed by the token');
      return;
    }
    if (code === CLOSE_UNAUTHORIZED) {
      this._onUnauthorized(conn, reason);
      return;
    }
    if (code === CLOSE_TOO_BIG) {
      this._emit('error', { code: 'frame_too_big', message: reason, node: conn.url, fatal: false });
    }
    conn.attempt++;
    if (conn.url === this._entry.ws && this._entries.length > 1) {
      this._entryIndex = (this._entryIndex + 1) % this._entries.length; // the next try goes to another entry
    }
    let delay;
    if (code === CLOSE_TOO_SLOW || ((code === CLOSE_GOING_AWAY || code === CLOSE_KAFKA_UNREACHABLE)
        && conn.attempt === 1)) {
      delay = Math.round(this._random() * 300); // resume (too slow) or find the new owner (going away) soon
    } else {
      // the streak counts across connections, so hopping between dead nodes still backs off
      delay = this._backoffDelay(Math.max(conn.attempt, this._failuresSinceLive) - 1);
    }
    this._updateStatus(code === CLOSE_GOING_AWAY ? 'node going away' : `connection lost (${code}${reason ? ': ' + reason : ''})`);
    this._scheduleReconnect(conn, delay);
  }

  async _onUnauthorized(conn, reason) {
    this._authFailures++;
    if (typeof this._refresher !== 'function' || this._authFailures > DEFAULTS.maxAuthFailures) {
      this._fail('unauthorized', reason || 'token rejected');
      return;
    }
    this._updateStatus('token rejected; refreshing');
    try {
      this._setToken(await this._refresher());
    } catch (error) {
      this._fail('unauthorized', `token rejected (${reason}) and refresh failed: ${error?.message ?? error}`);
      return;
    }
    this._scheduleReconnect(conn, this._backoffDelay(this._authFailures - 1));
  }

  _scheduleReconnect(conn, delay) {
    conn.clearTimer('retry');
    conn.timers.retry = setTimeout(async () => {
      delete conn.timers.retry;
      if (this._closed || this._fatal || this._conns.get(conn.url) !== conn) {
        return;
      }
      // the routes say whether this node still owns what it served; if not, reconcile moves it elsewhere
      await this._refreshRoutes();
      if (this._conns.get(conn.url) !== conn || conn.phase !== 'backoff') {
        return;
      }
      conn.phase = 'idle';
      this._reconcile();
      if (this._conns.get(conn.url) === conn && conn.phase === 'idle') {
        this._connect(conn);
      }
    }, delay);
  }

  // ------------------------------------------------------------------------------------ status

  /** Live when every wanted contact and partition is served by a live connection. */
  _covered() {
    const want = this._effectiveWant();
    if (!want.lobWide && want.contacts.size === 0) {
      return false;
    }
    if (want.lobWide) {
      const lobConns = [...this._conns.values()].filter((c) => c.phase === 'live' && c.lobWideAcked);
      if (lobConns.length === 0) {
        return false;
      }
      const routes = this._routes;
      if (routes && routes.mode === 'group') {
        for (let p = 0; p < routes.partitionCount; p++) {
          if (!lobConns.some((c) => c.partitions.has(p))) {
            return false;
          }
        }
      }
    }
    for (const contactId of want.contacts) {
      if (![...this._conns.values()].some((c) => c.phase === 'live' && c.acked.has(contactId))) {
        return false;
      }
    }
    return true;
  }

  _updateStatus(reason) {
    if (this._closed || this._fatal || !this._started) {
      return;
    }
    const want = this._effectiveWant();
    if (!want.lobWide && want.contacts.size === 0) {
      this._setStatus('offline', 'nothing subscribed', { retrying: false });
      return;
    }
    const conns = [...this._conns.values()];
    const anyLive = conns.some((c) => c.phase === 'live');
    const retryIn = conns.filter((c) => c.phase === 'backoff').length;
    if (this._covered() && conns.some((c) => c.phase === 'live' && c.kafkaUnreachable)) {
      this._everLive = true;
      this._setStatus('stalled', reason ?? 'a relay node cannot reach Kafka: events are delayed');
    } else if (this._covered()) {
      this._everLive = true;
      this._setStatus('live', reason ?? `${conns.filter((c) => c.phase === 'live').length} node(s)`);
    } else if (!anyLive && this._failuresSinceLive > 0) {
      this._setStatus('offline', reason ?? 'no relay node reachable', { retrying: true, reconnecting: retryIn });
    } else {
      this._setStatus(this._everLive ? 'recovering' : 'connecting', reason ?? 'waiting for the owner nodes');
    }
  }

  /** Emits `status` when the status changes; `reason` only describes it. */
  _setStatus(status, reason, extra = {}) {
    const previous = this._status;
    this._statusReason = reason;
    if (status === previous) {
      return;
    }
    this._status = status;
    this._emit('status', { status, previous, reason, retrying: extra.retrying !== false, ...extra, at: new Date() });
  }
}
