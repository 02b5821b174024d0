// Node >= 22's own global WebSocket (compiled by types.test.js with @types/node, no DOM lib).
import { NotifyRelayClient } from '@notify-relay/client';

new NotifyRelayClient({ url: 'ws://relay:8080/v1/ws', token: 'jwt', WebSocket });
new NotifyRelayClient({ url: 'ws://relay:8080/v1/ws', token: 'jwt', WebSocket: globalThis.WebSocket });
// @ts-expect-error a URL string is not a constructor
new NotifyRelayClient({ url: 'ws://relay:8080/v1/ws', token: 'jwt', WebSocket: 'ws://relay:8080/v1/ws' });
