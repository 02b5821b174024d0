// Compiled (not run) by types.test.js: the declarations must accept real usage and reject mistakes.
import { NotifyRelayClient, type Notification, type Status } from '@notify-relay/client';

const relay = new NotifyRelayClient({ url: 'https://relay.example.com', token: async () => 'jwt', backoff: { maxMs: 10_000 } });
relay.on('notification', (n: Notification) => {
  switch (n.payloadType) {
    case 'CONNECTION_RESPONSE': {
      const state: 'accepted-invitation' | 'declined-invitation' | 'received-invitation' = n.state;
      const message: string | null | undefined = n.payload.message;
      void state; void message;
      break;
    }
    case 'ISSUANCE_RESPONSE': {
      const offer: string = n.payload.credOfferId;
      // @ts-expect-error an issuance never has a verification state
      const wrong: 'success' = n.state;
      void offer; void wrong;
      break;
    }
    case 'VERIFICATION_RESPONSE': {
      const verified: boolean | null = n.verified;
      void verified;
      break;
    }
    default: {
      const never: never = n;
      void never;
    }
  }
});
relay.on('ISSUANCE_RESPONSE', (n) => {
  const name: string | null | undefined = n.contact?.givenName;
  void name;
});
relay.on('status', ({ status, retrying }) => {
  const s: Status = status;
  const r: boolean = retrying;
  void s; void r;
});
const off: () => void = relay.on('gap', (gap) => console.log(gap.partitions.length, gap.reason));
off();
relay.subscribe();
relay.subscribe({ contacts: ['843adb07-c0f3-4ad2-b08a-7680fe7eed8f'] });
// @ts-expect-error contacts are strings
relay.subscribe({ contacts: [42] });
// @ts-expect-error not an event of the client
relay.on('message', () => {});
const saved: string[] = relay.cursors();
new NotifyRelayClient({ url: ['http://a:8080', 'http://b:8080'], token: 'jwt', cursors: saved });
// @ts-expect-error a token is required
new NotifyRelayClient({ url: 'http://a:8080' });
void relay.whenLive(5_000).then((client) => client.close());
