// Node 20 with the `ws` package (compiled by types.test.js with @types/ws, no DOM lib): the README's usage.
import { NotifyRelayClient } from '@notify-relay/client';
import WebSocketDefault, { WebSocket } from 'ws';

new NotifyRelayClient({ url: 'ws://relay:8080/v1/ws', token: 'jwt', WebSocket });
new NotifyRelayClient({ url: 'ws://relay:8080/v1/ws', token: 'jwt', WebSocket: WebSocketDefault });
// @ts-expect-error the module namespace is not a constructor
new NotifyRelayClient({ url: 'ws://relay:8080/v1/ws', token: 'jwt', WebSocket: { WebSocket } });
