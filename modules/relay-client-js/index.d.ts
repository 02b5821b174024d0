// Types of @notify-relay/client. The notification shapes mirror schemas/notification.schema.json.

export type PayloadType = 'CONNECTION_RESPONSE' | 'ISSUANCE_RESPONSE' | 'VERIFICATION_RESPONSE';

/** CONNECTION_RESPONSE `payload.state`: accepted/declined go to the Inviter, received to the Invited. */
export type ConnectionState = 'accepted-invitation' | 'declined-invitation' | 'received-invitation';

/** ISSUANCE_RESPONSE `payload.credentialStatus`: the first three go to the Issuer, the others to the Holder. */
export type IssuanceState =
  | 'credential-issued' | 'credential-accepted' | 'stored-in-wallet'
  | 'offer-received' | 'credential-revoked' | 'done';

/**
 * VERIFICATION_RESPONSE `payload.proofRequestStatus` (Verifier) or, in the Holder's shape,
 * `payload.credentialStatus` (presentation-requested).
 */
export type VerificationState =
  | 'request-sent' | 'generated' | 'proof-received' | 'success' | 'revoked' | 'presentation-requested';

export type NotificationState = ConnectionState | IssuanceState | VerificationState;

export declare const PAYLOAD_TYPES: readonly PayloadType[];
export declare const STATES: {
  readonly CONNECTION_RESPONSE: readonly ConnectionState[];
  readonly ISSUANCE_RESPONSE: readonly IssuanceState[];
  readonly VERIFICATION_RESPONSE: readonly VerificationState[];
};

/** The contact a notification is about; producers may send it as an object or as a JSON string. */
export interface ContactDetail {
  contactId: string;
  givenName?: string | null;
  email?: string | null;
  phone?: string | null;
  logo?: string | null;
  /** State of the contact itself (e.g. active), not of the interaction. */
  state?: string | null;
  createdAt?: string | null;
  updatedAt?: string | null;
  [member: string]: unknown;
}

export interface ConnectionPayload {
  contactId: string;
  state: ConnectionState;
  message?: string | null;
  [member: string]: unknown;
}

export interface IssuancePayload {
  credOfferId: string;
  credentialStatus: IssuanceState;
  contactDetail: ContactDetail | string;
  ledgerName?: string | null;
  [member: string]: unknown;
}

export interface VerificationPayload {
  /** Verifier's shape. */
  credProofId?: string;
  proofRequestStatus?: VerificationState;
  /** Holder's shape (issuance field names carrying a verification state). */
  credOfferId?: string;
  credentialStatus?: VerificationState;
  contactDetail: ContactDetail | string;
  ledgerName?: string | null;
  [member: string]: unknown;
}

/** `verified` as producers send it: the strings "true", "false", "null" (or JSON booleans / null). */
export type VerifiedValue = 'true' | 'false' | 'null' | boolean | null;

/** The notification exactly as the Notify API produced it (the `data` of an `event` frame). */
export type NotificationData =
  | { payloadType: 'CONNECTION_RESPONSE'; payload: ConnectionPayload; verified?: VerifiedValue; [member: string]: unknown }
  | { payloadType: 'ISSUANCE_RESPONSE'; payload: IssuancePayload; verified?: VerifiedValue; [member: string]: unknown }
  | { payloadType: 'VERIFICATION_RESPONSE'; payload: VerificationPayload; verified?: VerifiedValue; [member: string]: unknown };

interface NotificationBase {
  /** The event id (`ce_id`): stable across redelivery; the client drops repeats. */
  id: string;
  /** Opaque position of the event; the client keeps the last one of each partition to resume. */
  cursor: string;
  lobId: string;
  contactId: string;
  /** W3C `traceparent` of the notification's trace (the `event` frame's), to parent a front-end span; or null. */
  traceparent: string | null;
  /** `verified` normalised: true, false, or null (absent, "null", not verified yet). */
  verified: boolean | null;
  /** `payload.contactDetail` as an object (parsed when it was sent as a string); null when there is none. */
  contact: ContactDetail | null;
  /** The WebSocket URL of the relay node it came from. */
  node: string | null;
  receivedAt: Date;
}

export interface ConnectionNotification extends NotificationBase {
  payloadType: 'CONNECTION_RESPONSE';
  state: ConnectionState;
  payload: ConnectionPayload;
  data: Extract<NotificationData, { payloadType: 'CONNECTION_RESPONSE' }>;
}

export interface IssuanceNotification extends NotificationBase {
  payloadType: 'ISSUANCE_RESPONSE';
  state: IssuanceState;
  payload: IssuancePayload;
  data: Extract<NotificationData, { payloadType: 'ISSUANCE_RESPONSE' }>;
}

export interface VerificationNotification extends NotificationBase {
  payloadType: 'VERIFICATION_RESPONSE';
  state: VerificationState;
  payload: VerificationPayload;
  data: Extract<NotificationData, { payloadType: 'VERIFICATION_RESPONSE' }>;
}

/** What `notification` listeners get: switch on `payloadType` to narrow `state` and `payload`. */
export type Notification = ConnectionNotification | IssuanceNotification | VerificationNotification;

/**
 * - `connecting`: starting; not everything subscribed is served yet.
 * - `live`: every subscribed contact / partition is served by a live connection.
 * - `recovering`: was live; part of the subscription is being reconnected or moved, and will be resumed.
 * - `offline`: no relay node reachable (still retrying, `retrying: true`), or stopped for good
 *   (`close()`, a token the relay rejects and no way to refresh it: `retrying: false`).
 */
/** `stalled`: subscribed, but a relay node serving the client cannot reach Kafka; events are delayed, not lost. */
export type Status = 'connecting' | 'live' | 'stalled' | 'recovering' | 'offline';
export declare const STATUSES: readonly Status[];

export interface StatusChange {
  status: Status;
  previous: Status;
  /** Human-readable cause, for logs and tooltips. */
  reason: string;
  /** False only when the client has stopped for good. */
  retrying: boolean;
  error?: { code: string; message: string };
  at: Date;
}

/** Events the relay may have sent while the client was away, which it could not replay. Refetch if it matters. */
export interface Gap {
  node: string;
  partitions: number[];
  reason: string;
}

export interface ClientError {
  /**
   * Fatal: unauthorized, forbidden, token_unavailable. Not fatal: token_refresh_failed, routes_unavailable (GET
   * /v1/routes failed: not reachable or blocked by CORS), listener_failed, closed_too_slow (the node had closed the
   * previous session with 4429, which the client may have seen only as 1006; it resumed), or a relay `error` frame's
   * code.
   */
  code: string;
  message: string;
  node?: string;
  /** True when the client stopped because of it (status offline, retrying false). */
  fatal: boolean;
}

export interface ClientEvents {
  notification: Notification;
  CONNECTION_RESPONSE: ConnectionNotification;
  ISSUANCE_RESPONSE: IssuanceNotification;
  VERIFICATION_RESPONSE: VerificationNotification;
  status: StatusChange;
  gap: Gap;
  error: ClientError;
}

/**
 * What the client needs of a WebSocket: the browser API's members it uses. It only assigns the `on*` handlers and
 * reads `data` / `code` / `reason` of the events, so their parameters are `any`: the DOM's, Node's (undici) and
 * `ws`'s own event types all fit (a narrower type here would reject each of them under `strictFunctionTypes`).
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

/**
 * A WebSocket constructor with the browser API, called with the URL only: the global one (browsers, Node >= 22),
 * or `WebSocket` from the `ws` package on Node 20.
 */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type TokenSource = string | (() => string | Promise<string>);

export interface ClientOptions {
  /**
   * Any relay node or the load balancer in front of them: `https://relay.example.com`, `ws://host:8080/v1/ws`...
   * A list is tried in turn when one does not answer. In a browser it defaults to the page's origin.
   */
  url?: string | string[];
  /** A JWT for the LOB (claims `lob`, `exp`, optional `contacts`), or a function that fetches one. */
  token: TokenSource;
  /**
   * Called a little before the token expires and when the relay rejects it (4401). Defaults to `token` when that
   * is a function. Without it, an expired or rejected token stops the client.
   */
  refreshToken?: () => string | Promise<string>;
  /** Defaults to the global WebSocket (browsers, Node >= 22). On Node 20: `import { WebSocket } from 'ws'`. */
  WebSocket?: WebSocketConstructor;
  /** Defaults to the global fetch (used for GET /v1/routes). */
  fetch?: typeof fetch;
  /** Reconnect delays: a random delay in [bound/2, bound], bound = min(maxMs, initialMs * factor^attempt). */
  backoff?: { initialMs?: number; maxMs?: number; factor?: number };
  /** Cursors saved from `cursors()` of an earlier client (e.g. before a page reload): resume from there. */
  cursors?: string[];
  /** RFC 3339 time: on the first subscription, replay events from then on (if the relay can). */
  since?: string;
  /**
   * Acknowledge each notification to the relay once its listeners ran (they run synchronously), so the Notify API
   * gets an `acknowledged` receipt for it. Default false.
   */
  ack?: boolean;
  /** How many recent event ids are remembered to drop duplicates. Default 10000. */
  dedupeSize?: number;
  /** Time for a connection to be accepted and answer; default 10000 ms. */
  connectTimeoutMs?: number;
  /** Time from `welcome` to `subscribed` (a resume replays meanwhile); default 45000 ms, above the relay's 30 s replay timeout. */
  subscribeTimeoutMs?: number;
  /** Timeout of GET /v1/routes; default 5000 ms. */
  requestTimeoutMs?: number;
  /** Random source for the backoff jitter (tests). */
  random?: () => number;
}

export interface ConnectionInfo {
  url: string;
  phase: 'idle' | 'connecting' | 'subscribing' | 'live' | 'backoff';
  lobWide: boolean;
  contacts: string[];
  partitions: number[];
  attempt: number;
}

export declare class NotifyRelayClient {
  constructor(options: ClientOptions);
  /** The whole LOB of the token (no argument), or these contacts in addition to those already subscribed. */
  subscribe(options?: { contacts?: string[] }): this;
  /** Some contacts, or everything (no argument). */
  unsubscribe(options?: { contacts?: string[] }): this;
  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof ClientEvents>(event: E, listener: (value: ClientEvents[E]) => void): () => void;
  off<E extends keyof ClientEvents>(event: E, listener: (value: ClientEvents[E]) => void): this;
  readonly status: Status;
  /** Resolves when live; rejects after `timeoutMs` or when the client stops for good. */
  whenLive(timeoutMs?: number): Promise<this>;
  /** The last cursor of each partition seen: opaque strings to store and pass back as `options.cursors`. */
  cursors(): string[];
  connections(): ConnectionInfo[];
  stats(): { received: number; duplicates: number; reconnects: number; gaps: number };
  close(): void;
}

export default NotifyRelayClient;

/** The notification handed to listeners, from a relay `event` frame. */
export declare function toNotification(frame: {
  id: string; cursor: string; lobId: string; contactId: string; traceparent?: string; data: NotificationData;
}, node?: string | null): Notification;
export declare function stateOf(payloadType: PayloadType, payload: object): NotificationState | null;
/** The partition of a contact under the relay's partitioner; undefined for an unknown partitioner. */
export declare function partitionOf(contactId: string, partitionCount: number,
  partitioner?: 'murmur2' | 'consistent_random' | string): number | undefined;
export declare function murmur2(bytes: Uint8Array): number;
export declare function crc32(bytes: Uint8Array): number;
/** Reads a cursor (internal format, may change): null when it is not one this version understands. */
export declare function decodeCursor(cursor: string): { epoch: string; partition: number; offset: bigint } | null;
export declare function relayEndpoints(url: string): { http: string; ws: string };
export declare const WEBSOCKET_PATH: '/v1/ws';
