// A browser (compiled by types.test.js with the DOM lib, no Node types): the DOM's WebSocket, also passed explicitly.
import { NotifyRelayClient, type WebSocketConstructor } from '@notify-relay/client';

new NotifyRelayClient({ url: 'https://relay.example.com', token: 'jwt', WebSocket });
new NotifyRelayClient({ url: 'https://relay.example.com', token: 'jwt', WebSocket: window.WebSocket });
const chosen: WebSocketConstructor = globalThis.WebSocket;
void chosen;

class NoSend {
  readonly readyState = 0;
  onopen = null; onmessage = null; onclose = null; onerror = null;
  constructor(readonly url: string) {}
  close(): void {}
}
// @ts-expect-error a WebSocket must have send
new NotifyRelayClient({ token: 'jwt', WebSocket: NoSend });

class NeedsProtocol extends WebSocket {
  constructor(url: string, protocol: string) { super(url, protocol); }
}
// @ts-expect-error the client calls the constructor with the URL only
new NotifyRelayClient({ token: 'jwt', WebSocket: NeedsProtocol });
