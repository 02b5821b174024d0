// Resume positions: the last cursor of every partition, and since when each partition or contact has been served;
// a subscribe after a reconnect or a move carries them so the node replays what the client missed.

import { decodeCursor } from './helpers.js';

/** Where the client resumes from; the client asks it what a subscribe must carry. */
export class ResumePositions {
  /**
   * @param {(contactId: string) => number | undefined} partitionOfContact the partition of a contact, when known
   * @param {string | null} since `options.since`: where the first subscription replays from
   */
  constructor(partitionOfContact, since) {
    this._partitionOfContact = partitionOfContact;
    this._since = since;
    /** The last cursor per partition (or per node, for cursors this version cannot read): { cursor, decoded }. */
    this._cursors = new Map();
    /**
     * Since when each partition (LOB-wide, key `p:<n>`) or contact (`c:<id>`) has been served: where a resume
     * must start for those the client has no cursor for.
     */
    this._servedSince = new Map();
  }

  /** The last cursor of every partition seen: opaque strings, for `relay.cursors()`. */
  cursors() {
    return [...this._cursors.values()].map((entry) => entry.cursor);
  }

  track(cursor, contactId, nodeUrl) {
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

  /** A partition of a LOB-wide subscription is served from `at` on, unless it already was. */
  partitionServed(partition, at) {
    this._markServed(`p:${partition}`, at);
  }

  /** A contact is served from `at` on, unless it already was. */
  contactServed(contactId, at) {
    this._markServed(`c:${contactId}`, at);
  }

  /** The contact was unsubscribed: subscribing it again starts live. */
  forgetContact(contactId) {
    this._servedSince.delete(`c:${contactId}`);
  }

  /** Everything was unsubscribed. */
  forgetServed() {
    this._servedSince.clear();
  }

  _markServed(key, at) {
    if (!this._servedSince.has(key)) {
      this._servedSince.set(key, at);
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
  resumeFields(contacts, partitions) {
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
}
