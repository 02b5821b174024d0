// NotifyRelayClient, the public client class (re-exported by index.js): its options, public API and lifecycle.
// The rest of its methods live by concern in the *Part classes (routes, session, subscriptions, tokens, status),
// copied onto its prototype by mixin(): they share the fields set up in the constructor. The resume positions
// have their own object (cursors.js).

import { DEFAULTS } from './constants.js';
import { ResumePositions } from './cursors.js';
import { RecentIds, jwtClaims, relayEndpoints } from './helpers.js';
import { RoutesPart } from './routes.js';
import { SessionPart } from './session.js';
import { StatusPart } from './status.js';
import { SubscriptionsPart } from './subscriptions.js';
import { TokensPart } from './tokens.js';

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
    /**
     * The last sessionId each node welcomed this client with: sent back as `previousSession` on the next connection,
     * so the node can say why it closed that session when its close frame never arrived (a 4429 queued behind the
     * data the client did not read shows as 1006). One entry per node URL.
     */
    this._lastSessionByNode = new Map();
    /** Acknowledge each notification once its listeners ran: the relay turns it into an `acknowledged` receipt. */
    this._ack = options.ack === true;
    /** The cursors and since-times a subscribe resumes from. */
    this._positions = new ResumePositions((contactId) => this._partitionOfContact(contactId), options.since ?? null);
    this._seen = new RecentIds(options.dedupeSize ?? DEFAULTS.dedupeSize);
    this._listeners = new Map();
    this._conns = new Map();
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
      this._positions.track(cursor, null, null);
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
      this._positions.forgetServed();
    } else {
      options.contacts.forEach((c) => {
        this._want.contacts.delete(c);
        this._positions.forgetContact(c);
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
    return this._positions.cursors();
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
    this._dropEverything('client closed');
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

  _fail(code, message) {
    if (this._closed || this._fatal) {
      return;
    }
    this._fatal = { code, message };
    this._emit('error', { code, message, fatal: true });
    this._dropEverything(code);
    this._setStatus('offline', message, { retrying: false, error: { code, message } });
  }

  /** Stops every timer and closes every connection (normal closure, `reason`). */
  _dropEverything(reason) {
    Object.keys(this._timers).forEach((name) => this._clearTimer(name));
    for (const conn of [...this._conns.values()]) {
      this._dropConn(conn, 1000, reason);
    }
  }

  _retryNow() {
    for (const conn of this._conns.values()) {
      if (conn.phase === 'backoff') {
        conn.clearTimer('retry');
        this._scheduleReconnect(conn, 0);
      }
    }
  }
}

/** Copies the methods of each part onto the client's prototype (non-enumerable, like class methods). */
function mixin(target, ...parts) {
  for (const part of parts) {
    for (const name of Object.getOwnPropertyNames(part.prototype)) {
      if (name === 'constructor') {
        continue;
      }
      if (Object.prototype.hasOwnProperty.call(target.prototype, name)) {
        throw new Error(`NotifyRelayClient.${name} is defined twice`);
      }
      Object.defineProperty(target.prototype, name, Object.getOwnPropertyDescriptor(part.prototype, name));
    }
  }
}

mixin(NotifyRelayClient, StatusPart, TokensPart, RoutesPart, SubscriptionsPart, SessionPart);
