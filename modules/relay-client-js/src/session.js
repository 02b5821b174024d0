// One node session: the WebSocket, auth, heartbeat, close codes and reconnecting with backoff.
// A part of NotifyRelayClient (see mixin() in client.js): its methods run on the client and use its state.

import {
  CLOSE_CLIENT_TIMEOUT, CLOSE_FORBIDDEN, CLOSE_GOING_AWAY, CLOSE_KAFKA_UNREACHABLE, CLOSE_TOO_BIG, CLOSE_TOO_SLOW,
  CLOSE_UNAUTHORIZED, DEFAULTS,
} from './constants.js';

/** Opens, watches and reopens the WebSocket of a Connection. */
export class SessionPart {
  /**
   * Exponential backoff with "equal jitter": a random delay between half and all of the bound, so clients cut off
   * together (a node restart) do not come back together, yet none retries at once.
   */
  _backoffDelay(attempt) {
    const { initialMs, maxMs, factor } = this._backoff;
    const bound = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt));
    return Math.round(bound / 2 + (this._random() * bound) / 2);
  }

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
    this._armConnectTimeout(conn, this._connectTimeoutMs, 'no answer');
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

  /** Abandons the connection's current socket unless it is live within `ms` (`what` did not happen in time). */
  _armConnectTimeout(conn, ms, what) {
    conn.clearTimer('connect');
    const ws = conn.ws;
    conn.timers.connect = setTimeout(() => {
      if (conn.ws === ws && conn.phase !== 'live') {
        this._abandon(conn, ws, `${what} within ${ms} ms`);
      }
    }, ms);
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
    this._armConnectTimeout(conn, this._subscribeTimeoutMs, 'not subscribed');
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
}
