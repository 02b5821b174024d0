// One WebSocket to one relay node, as the client tracks it.

import { relayEndpoints } from './helpers.js';

/** One WebSocket to one relay node, and what the client wants that node to serve. */
export class Connection {
  constructor(url) {
    this.url = url;
    this.http = relayEndpoints(url).http;
    this.ws = null;
    /** idle | connecting | subscribing | live | backoff */
    this.phase = 'idle';
    this.lobWide = false;
    this.lobWideAcked = false;
    this.contacts = new Set();
    this.sent = new Set();
    this.acked = new Set();
    /** Partitions this node serves for the client: from `subscribed`, the routes and `moved`. */
    this.partitions = new Set();
    /** Contacts this node said `moved` for, kept here until the new node serves them: contact -> new URL. */
    this.handingOver = new Map();
    /** subscribe frames go one at a time: the next is sent when `subscribed` answers the previous one */
    this.queue = [];
    this.awaiting = null;
    this.attempt = 0;
    this.everLive = false;
    this.lastHeard = 0;
    this.timers = {};
    this.welcome = null;
  }

  isOpen() {
    return this.ws !== null && (this.phase === 'subscribing' || this.phase === 'live');
  }

  /** The node no longer serves this contact for the client. */
  forget(contactId) {
    this.contacts.delete(contactId);
    this.acked.delete(contactId);
    this.sent.delete(contactId);
  }

  send(frame) {
    if (this.ws && this.ws.readyState === 1) {
      this.ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  clearTimer(name) {
    const timer = this.timers[name];
    if (timer !== undefined) {
      clearTimeout(timer);
      clearInterval(timer);
      delete this.timers[name];
    }
  }

  clearTimers() {
    Object.keys(this.timers).forEach((name) => this.clearTimer(name));
  }

  describe() {
    return {
      url: this.url,
      phase: this.phase,
      lobWide: this.lobWide,
      contacts: [...this.contacts],
      partitions: [...this.partitions].sort((a, b) => a - b),
      attempt: this.attempt,
    };
  }
}
