// Subscriptions: what each node is asked to serve (resuming from the positions in cursors.js), and the frames that
// answer them (subscribed, event, moved, error).
// A part of NotifyRelayClient (see mixin() in client.js): its methods run on the client and use its state.

import { Connection } from './connection.js';
import { PAYLOAD_TYPES } from './constants.js';
import { relayEndpoints } from './helpers.js';
import { toNotification } from './notifications.js';

/** Subscribes each node to its share, resuming from cursors; delivers events once; follows `moved`. */
export class SubscriptionsPart {
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
    removed.forEach((contactId) => conn.forget(contactId));
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
    const fields = this._positions.resumeFields(null, newPartitions);
    if (fields.cursors || fields.since) {
      // every partition of the node with its cursor, so the node replays only what is new to the client
      this._sendSubscribe(conn, null, [...conn.partitions]);
    }
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
    Object.assign(frame, this._positions.resumeFields(contacts, partitions));
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

  _onSubscribed(conn, frame) {
    const resume = conn.awaiting?.resume ?? null;
    conn.awaiting = null;
    const partitions = Array.isArray(frame.partitions) ? frame.partitions.filter(Number.isInteger) : [];
    const now = Date.now();
    if (frame.lobWide) {
      conn.lobWideAcked = true;
      partitions.forEach((p) => conn.partitions.add(p));
      conn.partitions.forEach((p) => this._positions.partitionServed(p, now));
    } else {
      (frame.contacts ?? []).forEach((c) => {
        if (conn.contacts.has(c)) {
          conn.acked.add(c);
          this._positions.contactServed(c, now);
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
    this._positions.track(frame.cursor, frame.contactId, conn.url);
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
      conn.forget(contactId);
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
        old.forget(contactId);
      }
      if (!old.lobWide && old.contacts.size === 0) {
        this._dropConn(old, 1000, 'everything moved');
      } else if (old.phase === 'live') {
        old.send({ type: 'unsubscribe', contacts: done });
      }
    }
  }
}
