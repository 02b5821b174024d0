// @notify-relay/client: live Notify API notifications for LOB front-ends, in browsers and in Node.
// No runtime dependencies. Uses the global WebSocket and fetch, or the ones passed in the options.
//
// The client hides the relay's topology: it asks any node for the routes (which node owns which
// partition), opens one WebSocket per owner node it needs, follows `moved` frames, reconnects with
// jittered exponential backoff, resumes from the last cursor of every partition and drops duplicates.
//
// The public API, as index.d.ts declares it; the modules behind it are internal.

export { PAYLOAD_TYPES, STATES, STATUSES, WEBSOCKET_PATH } from './constants.js';
export { toNotification, stateOf } from './notifications.js';
export { murmur2, crc32, partitionOf } from './partitioners.js';
export { decodeCursor, relayEndpoints } from './helpers.js';
export { NotifyRelayClient } from './client.js';
export { NotifyRelayClient as default } from './client.js';
