// Routes and node selection: GET /v1/routes, the partition of each contact, and which node must serve what.
// A part of NotifyRelayClient (see mixin() in client.js): its methods run on the client and use its state.

import { Connection } from './connection.js';
import { ANY_NODE } from './constants.js';
import { relayEndpoints } from './helpers.js';
import { partitionOf } from './partitioners.js';

/** Finds the nodes that serve the client's subscription and brings the connections in line with them. */
export class RoutesPart {
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
}
