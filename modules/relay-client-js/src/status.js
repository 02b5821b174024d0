// Status and events: the listeners, and the status the client derives from its connections.
// A part of NotifyRelayClient (see mixin() in client.js): its methods run on the client and use its state.

/** Emits events to listeners, and works out `status` (connecting | live | stalled | recovering | offline). */
export class StatusPart {
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
