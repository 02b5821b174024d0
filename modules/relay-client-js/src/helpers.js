// Small helpers: cursors, tokens, node URLs, recent ids.

import { WEBSOCKET_PATH } from './constants.js';

function base64UrlBytes(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '==='.slice(0, (4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}

/**
 * Cursors are opaque to applications. Internally the client reads the partition and offset out of them
 * (base64url of `c1:<epoch>:<partition>:<offset>`) to keep exactly one cursor per partition; a cursor it
 * cannot read is kept per node instead.
 */
export function decodeCursor(cursor) {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 200) {
    return null;
  }
  try {
    const parts = new TextDecoder().decode(base64UrlBytes(cursor)).split(':');
    if (parts.length !== 4 || parts[0] !== 'c1' || !/^\d+$/.test(parts[2]) || !/^\d+$/.test(parts[3])) {
      return null;
    }
    return { epoch: parts[1], partition: Number(parts[2]), offset: BigInt(parts[3]) };
  } catch {
    return null;
  }
}

/** The claims of a JWT, read without verifying it (the relay verifies); null when it is not a JWT. */
export function jwtClaims(token) {
  if (typeof token !== 'string') {
    return null;
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    return null;
  }
  try {
    const claims = JSON.parse(new TextDecoder().decode(base64UrlBytes(parts[1])));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

/** The HTTP base and WebSocket URL of a node from any of: http(s)://host[/prefix], ws(s)://host[/prefix]/v1/ws. */
export function relayEndpoints(url) {
  const base = typeof globalThis.location === 'object' && globalThis.location ? globalThis.location.href : undefined;
  const parsed = new URL(url, base);
  let path = parsed.pathname.replace(/\/+$/, '');
  if (path.endsWith(WEBSOCKET_PATH)) {
    path = path.slice(0, -WEBSOCKET_PATH.length);
  }
  const secure = parsed.protocol === 'https:' || parsed.protocol === 'wss:';
  return {
    http: `${secure ? 'https' : 'http'}://${parsed.host}${path}`,
    ws: `${secure ? 'wss' : 'ws'}://${parsed.host}${path}${WEBSOCKET_PATH}`,
  };
}

/** Remembers the last `size` ids it was shown. */
export class RecentIds {
  constructor(size) {
    this.size = Math.max(1, size);
    this.set = new Set();
    this.order = [];
    this.next = 0;
  }

  /** True when the id was new (and is now remembered). */
  add(id) {
    if (this.set.has(id)) {
      return false;
    }
    if (this.order.length < this.size) {
      this.order.push(id);
    } else {
      this.set.delete(this.order[this.next]);
      this.order[this.next] = id;
      this.next = (this.next + 1) % this.size;
    }
    this.set.add(id);
    return true;
  }
}
