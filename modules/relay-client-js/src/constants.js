// Constants of the relay's protocol and the client's defaults.

export const PAYLOAD_TYPES = Object.freeze(['CONNECTION_RESPONSE', 'ISSUANCE_RESPONSE', 'VERIFICATION_RESPONSE']);

/** Every state a notification can carry, per payload type (the contract in schemas/notification.schema.json). */
export const STATES = Object.freeze({
  CONNECTION_RESPONSE: Object.freeze(['accepted-invitation', 'declined-invitation', 'received-invitation']),
  ISSUANCE_RESPONSE: Object.freeze(['credential-issued', 'credential-accepted', 'stored-in-wallet', 'offer-received',
    'credential-revoked', 'done']),
  VERIFICATION_RESPONSE: Object.freeze(['request-sent', 'generated', 'proof-received', 'success', 'revoked',
    'presentation-requested']),
});

export const STATUSES = Object.freeze(['connecting', 'live', 'stalled', 'recovering', 'offline']);

export const WEBSOCKET_PATH = '/v1/ws';

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_SLOW = 4429;
/** The node cannot reach Kafka and another node can: reconnect elsewhere at once. */
export const CLOSE_KAFKA_UNREACHABLE = 4503;
/** Used by the client itself when it gives up on a connection (no answer in time). */
export const CLOSE_CLIENT_TIMEOUT = 4000;
export const ANY_NODE = 'any';

export const DEFAULTS = Object.freeze({
  backoff: Object.freeze({ initialMs: 500, maxMs: 30_000, factor: 2 }),
  connectTimeoutMs: 10_000,
  // a resume may read Kafka for RELAY_REPLAY_TIMEOUT (30 s by default) and wait its turn first: give up later
  subscribeTimeoutMs: 45_000,
  requestTimeoutMs: 5_000,
  dedupeSize: 10_000,
  maxAuthFailures: 3,
});
