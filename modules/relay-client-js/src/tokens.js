// Tokens: obtaining, refreshing before expiry and handing fresh tokens to open sessions; what the token's claims
// allow the client to subscribe to.
// A part of NotifyRelayClient (see mixin() in client.js): its methods run on the client and use its state.

import { jwtClaims } from './helpers.js';

/** The relay token of the client and what its claims allow. */
export class TokensPart {
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
}
