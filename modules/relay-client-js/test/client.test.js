// The JavaScript client against real relay nodes (separate Java processes) and a real Kafka broker.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import {
  NotifyRelayClient, STATES, crc32, decodeCursor, partitionOf, relayEndpoints, toNotification,
} from '../src/index.js';
import {
  PARTITIONS, awaitStableRoutes, contactsOnPartitions, createTopic, getJson, notifications, partitionsOf, publisher,
  startRelay, testBroker, token, uniqueName, waitFor,
} from './harness.js';

/** A client wired for tests: Node 20 has no global WebSocket, so the `ws` package is passed in. */
function client(t, options) {
  const relay = new NotifyRelayClient({ WebSocket, backoff: { initialMs: 200, maxMs: 2_000 }, ...options });
  const seen = { notifications: [], statuses: [], gaps: [], errors: [] };
  relay.on('notification', (n) => seen.notifications.push(n));
  relay.on('status', (s) => seen.statuses.push(s.status));
  relay.on('gap', (g) => seen.gaps.push(g));
  relay.on('error', (e) => seen.errors.push(e));
  t.after(() => relay.close());
  return { relay, seen };
}

function idsOf(list) {
  return list.map((n) => n.id);
}

describe('without a relay', () => {
  test('partitions like the producers: murmur2 (Java client, kafkajs) and crc32 (librdkafka)', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(partitionOf('contact-42', 12), 5); // where kafkajs and the Java client put it
    assert.equal(partitionOf('x', 12, 'some_future_partitioner'), undefined);
  });

  test('reads the partition out of a cursor and states out of every payload shape', () => {
    const cursor = Buffer.from('c1:AbC-9:7:42').toString('base64url');
    assert.deepEqual(decodeCursor(cursor), { epoch: 'AbC-9', partition: 7, offset: 42n });
    assert.equal(decodeCursor('not a cursor'), null);

    const frame = (data) => ({ type: 'event', id: 'e', cursor, lobId: 'l', contactId: 'c', data });
    const issuance = toNotification(frame({ payloadType: 'ISSUANCE_RESPONSE', payload: { credOfferId: 'o',
      credentialStatus: 'stored-in-wallet', contactDetail: '{"contactId":"c","givenName":"Alice"}' } }));
    assert.equal(issuance.state, 'stored-in-wallet');
    assert.equal(issuance.contact.givenName, 'Alice');
    assert.equal(issuance.verified, null);
    assert.equal(issuance.traceparent, null, 'no trace in the frame');
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    assert.equal(toNotification({ ...frame({ payloadType: 'CONNECTION_RESPONSE', payload: {} }), traceparent: tp })
      .traceparent, tp, 'the frame\'s traceparent, for a front-end span to continue');
    const holder = toNotification(frame({ payloadType: 'VERIFICATION_RESPONSE', payload: { credOfferId: 'o',
      credentialStatus: 'presentation-requested', contactDetail: { contactId: 'c' } }, verified: 'false' }));
    assert.equal(holder.state, 'presentation-requested');
    assert.equal(holder.verified, false);
    assert.ok(STATES.VERIFICATION_RESPONSE.includes(holder.state));
  });

  test('accepts any node address form', () => {
    assert.deepEqual(relayEndpoints('http://h:8080'), { http: 'http://h:8080', ws: 'ws://h:8080/v1/ws' });
    assert.deepEqual(relayEndpoints('wss://relay.example.com/v1/ws'),
      { http: 'https://relay.example.com', ws: 'wss://relay.example.com/v1/ws' });
    assert.deepEqual(relayEndpoints('https://example.com/relay/'),
      { http: 'https://example.com/relay', ws: 'wss://example.com/relay/v1/ws' });
  });

  test('goes offline when no relay answers, and keeps retrying', async (t) => {
    const { relay, seen } = client(t, { url: 'http://127.0.0.1:9', token: token({ lob: 'x' }) });
    const changes = [];
    relay.on('status', (s) => changes.push(s));
    relay.subscribe();
    await waitFor(() => seen.statuses.includes('offline'), { timeoutMs: 10_000, message: 'offline status' });
    assert.deepEqual(seen.statuses, ['connecting', 'offline']);
    assert.equal(changes.at(-1).retrying, true);
    await waitFor(() => relay.connections()[0]?.attempt >= 2, { timeoutMs: 10_000, message: 'a second attempt' });
  });
});

/**
 * A stand-in relay node on a real socket that speaks only what a test scripts: for what a real node does
 * rarely (losing Kafka), checked against the client alone. Broadcast routes, so one session serves all.
 */
async function stubRelay(t, onSession, welcomeExtra = () => ({})) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `ws://127.0.0.1:${server.address().port}/v1/ws`;
  const sessions = [];
  server.on('connection', (ws) => {
    const session = { ws, frames: [] };
    sessions.push(session);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      session.frames.push(frame);
      if (frame.type === 'auth') {
        ws.send(JSON.stringify({ type: 'welcome', sessionId: `s${sessions.length}`, node: 'stub', heartbeatMs: 25_000,
          ...welcomeExtra(frame, sessions.length) }));
      } else if (frame.type === 'subscribe') {
        onSession(session, frame, sessions.length);
      }
    });
  });
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const routes = { topic: 't', partitionCount: 4, partitioner: 'murmur2', mode: 'broadcast', node: url,
    partitions: [0, 1, 2, 3].map((partition) => ({ partition, owner: 'any' })) };
  const fetch = async () => ({ ok: true, json: async () => routes });
  return { url, sessions, fetch };
}

describe('a node that loses Kafka (stand-in node)', () => {
  test('status unreachable shows as stalled, ok as live again; 4503 reconnects at once', async (t) => {
    const stub = await stubRelay(t, (session) => {
      session.ws.send(JSON.stringify({ type: 'subscribed', lobWide: true, partitions: [0, 1, 2, 3] }));
    });
    const { relay, seen } = client(t, { url: stub.url, token: token({ lob: 'l' }), fetch: stub.fetch,
      backoff: { initialMs: 5_000, maxMs: 10_000 } });
    relay.subscribe();
    await waitFor(() => relay.status === 'live', { timeoutMs: 10_000, message: 'live' });
    stub.sessions[0].ws.send(JSON.stringify({ type: 'status', kafka: 'unreachable' }));
    await waitFor(() => relay.status === 'stalled', { timeoutMs: 5_000, message: 'stalled' });
    stub.sessions[0].ws.send(JSON.stringify({ type: 'status', kafka: 'ok' }));
    await waitFor(() => relay.status === 'live', { timeoutMs: 5_000, message: 'live again' });
    const closedAt = Date.now();
    stub.sessions[0].ws.close(4503, 'this node cannot reach Kafka; reconnect to another node');
    // not after the 5 s backoff of an ordinary failure: 4503 means another node is ready now
    await waitFor(() => stub.sessions.length === 2 && relay.status === 'live', { timeoutMs: 4_000,
      message: 'reconnected at once' });
    assert.ok(Date.now() - closedAt < 4_000);
    assert.deepEqual(seen.statuses.filter((s, i, all) => s !== all[i - 1]).slice(0, 4),
      ['connecting', 'live', 'stalled', 'live']);
  });

  test('a resume that is not recovered reports a gap on the partitions the node names only', async (t) => {
    const cursor = Buffer.from('c1:ep:2:41').toString('base64url');
    const stub = await stubRelay(t, (session, frame, n) => {
      if (n === 1) {
        session.ws.send(JSON.stringify({ type: 'subscribed', lobWide: true, partitions: [0, 1, 2, 3] }));
        session.ws.send(JSON.stringify({ type: 'event', id: 'e1', cursor, lobId: 'l', contactId: 'c',
          data: { payloadType: 'CONNECTION_RESPONSE', payload: { contactId: 'c', state: 'accepted-invitation' } } }));
        setTimeout(() => session.ws.close(4429, 'too slow'), 200);
      } else {
        session.ws.send(JSON.stringify({ type: 'subscribed', lobWide: true, partitions: [0, 1, 2, 3],
          recovered: false, reason: 'no_cursor', unrecovered: [0, 1, 3] }));
      }
    });
    const { relay, seen } = client(t, { url: stub.url, token: token({ lob: 'l' }), fetch: stub.fetch });
    relay.subscribe();
    await waitFor(() => seen.gaps.length === 1, { timeoutMs: 10_000, message: 'a gap' });
    assert.deepEqual(seen.gaps[0].partitions, [0, 1, 3]);
    assert.equal(seen.gaps[0].reason, 'no_cursor');
  });
});

describe('a 4429 the client never read (stand-in node)', () => {
  test('the next connection names the previous session; the node\'s previousClose becomes a closed_too_slow error',
    async (t) => {
      const at = new Date().toISOString();
      const stub = await stubRelay(t, (session, frame, n) => {
        session.ws.send(JSON.stringify({ type: 'subscribed', lobWide: true, partitions: [0, 1, 2, 3] }));
        if (n === 1) {
          session.ws.terminate(); // the close frame stuck behind unread data: the client sees only 1006
        }
      }, (auth, n) => (n === 2 && auth.previousSession === 's1'
        ? { previousClose: { code: 4429, reason: 'too slow', at } } : {}));
      const { relay, seen } = client(t, { url: stub.url, token: token({ lob: 'l' }), fetch: stub.fetch,
        backoff: { initialMs: 50, maxMs: 200 } });
      relay.subscribe();
      await waitFor(() => seen.errors.some((e) => e.code === 'closed_too_slow'), { timeoutMs: 10_000,
        message: 'closed_too_slow' });
      const auths = stub.sessions.map((s) => s.frames.find((f) => f.type === 'auth'));
      assert.equal(auths[0].previousSession, undefined, 'a first connection names no previous session');
      assert.equal(auths[1].previousSession, 's1');
      const error = seen.errors.find((e) => e.code === 'closed_too_slow');
      assert.equal(error.fatal, false);
      assert.match(error.message, /4429 too slow/);
      await waitFor(() => relay.status === 'live', { timeoutMs: 5_000, message: 'live again' });
    });
});

describe('owner mode: a contact moved to another node (stand-in nodes)', () => {
  test('the client keeps the old node until the new one has said `subscribed`, then lets it go', async (t) => {
    const contact = 'contact-42'; // partition 5 of 12, like the producers place it
    let answerOnB = null;
    const b = await stubRelay(t, (session, frame) => {
      answerOnB = () => session.ws.send(JSON.stringify({ type: 'subscribed', lobWide: false, contacts: frame.contacts,
        partitions: [5] }));
    });
    const a = await stubRelay(t, (session, frame) => {
      session.ws.send(JSON.stringify({ type: 'subscribed', lobWide: false, contacts: frame.contacts, partitions: [5] }));
      session.ws.send(JSON.stringify({ type: 'moved', contacts: [contact], partitions: [5], url: b.url }));
    });
    const routes = { topic: 't', partitionCount: 12, partitioner: 'murmur2', mode: 'owner', node: a.url,
      partitions: [...Array(12).keys()].map((partition) => ({ partition, owner: a.url })) };
    const { relay, seen } = client(t, { url: a.url, token: token({ lob: 'l' }),
      fetch: async () => ({ ok: true, json: async () => routes }) });
    relay.subscribe({ contacts: [contact] });
    await waitFor(() => answerOnB !== null, { timeoutMs: 10_000, message: 'a subscribe at the new node' });
    // the new node has not answered yet: the old one still serves the contact, and the client still listens
    const event = (id, offset) => JSON.stringify({ type: 'event', id, cursor: Buffer.from(`c1:ep:5:${offset}`)
      .toString('base64url'), lobId: 'l', contactId: contact,
    data: { payloadType: 'CONNECTION_RESPONSE', payload: { contactId: contact, state: 'accepted-invitation' } } });
    a.sessions[0].ws.send(event('from-old-node', 7));
    await waitFor(() => seen.notifications.some((n) => n.id === 'from-old-node'), { timeoutMs: 5_000,
      message: 'the event the old node sent while the new one was not serving yet' });
    assert.equal(a.sessions[0].ws.readyState, WebSocket.OPEN, 'the old node\'s socket stays open meanwhile');
    answerOnB();
    await waitFor(() => a.sessions[0].ws.readyState !== WebSocket.OPEN, { timeoutMs: 5_000,
      message: 'the old node let go once the new one serves the contact' });
    b.sessions[0].ws.send(event('from-new-node', 8));
    await waitFor(() => seen.notifications.some((n) => n.id === 'from-new-node'), { timeoutMs: 5_000,
      message: 'the new node\'s event' });
    assert.deepEqual(relay.connections().map((c) => c.url), [b.url]);
  });
});

describe('one relay node', () => {
  let broker;
  let relay;
  let topic;
  let kafka;

  before(async () => {
    broker = await testBroker();
    topic = uniqueName('js-single');
    await createTopic(broker.bootstrap, topic);
    relay = await startRelay({ bootstrap: broker.bootstrap, topic, group: uniqueName('group') });
    kafka = await publisher(broker.bootstrap, topic);
  });

  after(async () => {
    await kafka?.close();
    await relay?.stop();
  });

  test('computes the partition of a contact exactly as the relay does', async () => {
    const routes = await getJson(`${relay.httpUrl}/v1/routes`);
    assert.equal(routes.partitioner, 'murmur2');
    for (let i = 0; i < 40; i++) {
      const contactId = i % 2 ? randomUUID() : `contact-${i}-ü`;
      const answer = await getJson(`${relay.httpUrl}/v1/routes?contactId=${encodeURIComponent(contactId)}`);
      assert.equal(partitionOf(contactId, routes.partitionCount, routes.partitioner), answer.partition, contactId);
    }
  });

  test('delivers the three payload types of the whole LOB as typed events, and nothing of other LOBs', async (t) => {
    const lob = uniqueName('lob');
    const { relay: c, seen } = client(t, { url: relay.httpUrl, token: token({ lob }) });
    const connections = [];
    const issuances = [];
    c.on('CONNECTION_RESPONSE', (n) => connections.push(n));
    c.on('ISSUANCE_RESPONSE', (n) => issuances.push(n));
    assert.equal(c.status, 'offline');
    c.subscribe();
    await c.whenLive(20_000);
    assert.deepEqual(seen.statuses, ['connecting', 'live']);

    const alice = randomUUID();
    const bob = randomUUID();
    const foreign = await kafka.publish(uniqueName('other-lob'), alice, notifications.connection(alice)); // never here
    const sent = [
      await kafka.publish(lob, alice, notifications.connection(alice, 'accepted-invitation')),
      await kafka.publish(lob, bob, notifications.issuance(bob, 'credential-accepted')),
      await kafka.publish(lob, alice, notifications.verification(alice, 'success', 'true')),
    ];
    await waitFor(() => seen.notifications.length >= 3, { timeoutMs: 15_000, message: 'three notifications' });
    assert.deepEqual(idsOf(seen.notifications).sort(), sent.map((s) => s.id).sort());
    const byType = Object.fromEntries(seen.notifications.map((n) => [n.payloadType, n]));
    assert.equal(byType.CONNECTION_RESPONSE.state, 'accepted-invitation');
    assert.equal(byType.CONNECTION_RESPONSE.contactId, alice);
    assert.equal(byType.ISSUANCE_RESPONSE.state, 'credential-accepted');
    assert.equal(byType.ISSUANCE_RESPONSE.contact.contactId, bob); // contactDetail sent as a string, parsed
    assert.equal(byType.VERIFICATION_RESPONSE.state, 'success');
    assert.equal(byType.VERIFICATION_RESPONSE.verified, true);
    assert.equal(byType.VERIFICATION_RESPONSE.lobId, lob);
    assert.equal(byType.VERIFICATION_RESPONSE.data.verified, 'true'); // the notification exactly as produced
    assert.equal(connections.length, 1);
    assert.equal(issuances.length, 1);
    assert.ok(c.cursors().length >= 1);
    // the other LOB's event went to alice's partition first: a marker after it on that partition proves it was skipped
    const marker = await kafka.publish(lob, alice, notifications.connection(alice, 'marker'));
    await waitFor(() => seen.notifications.length >= 4, { timeoutMs: 15_000, message: 'the marker' });
    assert.equal(seen.notifications.length, 4);
    assert.equal(seen.notifications[3].id, marker.id);
    assert.ok(!idsOf(seen.notifications).includes(foreign.id), 'the other LOB\'s event never arrives');
  });

  test('a token limited to contacts gets only those; a repeated event id is delivered once', async (t) => {
    const lob = uniqueName('lob');
    const mine = randomUUID();
    const other = randomUUID();
    const { relay: c, seen } = client(t, { url: relay.wsUrl, token: token({ lob, contacts: [mine] }) });
    assert.throws(() => c.subscribe({ contacts: [other] }), /does not allow/);
    c.subscribe(); // the whole LOB, as far as the token allows: its contacts
    await c.whenLive(20_000);
    assert.deepEqual(c.connections().map((x) => x.contacts), [[mine]]);

    const id = randomUUID();
    await kafka.publish(lob, other, notifications.connection(other));
    await kafka.publish(lob, mine, notifications.connection(mine, 'received-invitation'), id);
    await kafka.publish(lob, mine, notifications.connection(mine, 'received-invitation'), id); // redelivered copy
    const last = await kafka.publish(lob, mine, notifications.connection(mine, 'accepted-invitation'));
    await waitFor(() => seen.notifications.some((n) => n.id === last.id), { timeoutMs: 15_000, message: 'last event' });
    assert.deepEqual(idsOf(seen.notifications), [id, last.id]);
    assert.equal(c.stats().duplicates, 1);
    assert.ok(seen.notifications.every((n) => n.contactId === mine));
  });

  test('a new client resumes from the cursors (and time) an earlier one saved, e.g. across a page reload', async (t) => {
    const lob = uniqueName('lob');
    const [x, y] = [...(await contactsOnPartitions([0, 1])).values()];
    const before = client(t, { url: relay.httpUrl, token: token({ lob }) });
    before.relay.subscribe();
    await before.relay.whenLive(20_000);
    const seenBefore = await kafka.publish(lob, x, notifications.connection(x, 'received-invitation'));
    await waitFor(() => before.seen.notifications.length === 1, { timeoutMs: 15_000, message: 'the first event' });
    const saved = { cursors: before.relay.cursors(), at: new Date().toISOString() };
    before.relay.close();
    assert.equal(saved.cursors.length, 1);

    const missed = [
      await kafka.publish(lob, x, notifications.connection(x, 'accepted-invitation')), // after the cursor
      await kafka.publish(lob, y, notifications.issuance(y, 'offer-received')), // a partition without a cursor
    ];
    const after = client(t, { url: relay.httpUrl, token: token({ lob }), cursors: saved.cursors, since: saved.at });
    after.relay.subscribe();
    await after.relay.whenLive(20_000);
    await waitFor(() => after.seen.notifications.length >= 2 || after.seen.gaps.length > 0,
      { timeoutMs: 15_000, message: 'the missed events, or a gap' });
    if (after.seen.gaps.length === 0) {
      assert.deepEqual(idsOf(after.seen.notifications).sort(), missed.map((m) => m.id).sort());
      assert.ok(!idsOf(after.seen.notifications).includes(seenBefore.id), 'nothing before the cursor');
    }
    t.diagnostic(`resume from saved cursors: ${after.seen.gaps.length ? 'gap reported' : 'complete'}`);
  });

  test('refreshes a short-lived token before it expires, keeping the session', async (t) => {
    const lob = uniqueName('lob');
    let refreshes = 0;
    const first = token({ lob, ttlSeconds: 7 });
    const firstExpiry = JSON.parse(Buffer.from(first.split('.')[1], 'base64url')).exp * 1000;
    const { relay: c, seen } = client(t, {
      url: relay.httpUrl,
      token: first,
      refreshToken: async () => {
        refreshes++;
        return token({ lob, ttlSeconds: 7 });
      },
    });
    c.subscribe();
    await c.whenLive(20_000);
    // the relay closes a session whose token expired (4401) unless the client sent a fresh one in time
    await waitFor(() => Date.now() > firstExpiry + 1_500 && refreshes >= 1,
      { timeoutMs: 20_000, message: 'the first token to be long expired' });
    const contact = randomUUID();
    const sent = await kafka.publish(lob, contact, notifications.connection(contact));
    await waitFor(() => seen.notifications.some((n) => n.id === sent.id), { timeoutMs: 15_000, message: 'event' });
    assert.equal(c.stats().reconnects, 0, 'the session was extended, never reconnected');
    assert.deepEqual(seen.statuses, ['connecting', 'live']);
  });

  test('a rejected token without a way to refresh it ends in offline, not a retry loop', async (t) => {
    const { relay: c, seen } = client(t, { url: relay.httpUrl,
      token: token({ lob: 'x', secret: 'another-secret-that-is-long-enough-0123456789' }) });
    c.subscribe();
    await assert.rejects(c.whenLive(15_000), /offline/);
    assert.equal(c.status, 'offline');
    assert.equal(seen.errors.at(-1).code, 'unauthorized');
    assert.equal(seen.errors.at(-1).fatal, true);
  });
});

describe('a relay node restarting', () => {
  test('the client goes recovering/offline, reconnects with backoff and resumes from its cursors (or reports a gap)',
    async (t) => {
      const broker = await testBroker();
      const topic = uniqueName('js-restart');
      const group = uniqueName('group');
      await createTopic(broker.bootstrap, topic);
      let relay = await startRelay({ bootstrap: broker.bootstrap, topic, group });
      t.after(() => relay.stop());
      const kafka = await publisher(broker.bootstrap, topic);
      t.after(() => kafka.close());

      const lob = uniqueName('lob');
      const { relay: c, seen } = client(t, { url: relay.httpUrl, token: token({ lob }) });
      c.subscribe();
      await c.whenLive(20_000);
      const contacts = [...(await contactsOnPartitions([...Array(PARTITIONS).keys()])).values()];
      const first = await kafka.publish(lob, contacts[0], notifications.connection(contacts[0]));
      await waitFor(() => seen.notifications.length === 1, { timeoutMs: 15_000, message: 'first event' });

      await relay.stop();
      await waitFor(() => c.status === 'offline' || c.status === 'recovering', { message: 'not live' });
      const missed = [];
      for (const contact of contacts) {
        missed.push(await kafka.publish(lob, contact, notifications.issuance(contact, 'offer-received')));
      }
      relay = await startRelay({ bootstrap: broker.bootstrap, topic, group, port: relay.port });
      // shipped backoff: by the time the node is back the client may be in a delay of up to 30 s (maxMs), then it
      // connects, authenticates and resumes
      await c.whenLive(45_000);
      const after = await kafka.publish(lob, contacts[1], notifications.connection(contacts[1], 'declined-invitation'));
      await waitFor(() => seen.notifications.some((n) => n.id === after.id), { timeoutMs: 20_000, message: 'event after restart' });

      const got = new Set(idsOf(seen.notifications));
      const recovered = missed.every((m) => got.has(m.id));
      assert.ok(recovered || seen.gaps.length > 0,
        `events published while the node was down are either replayed or reported as a gap; got ${got.size}`);
      assert.ok(got.has(first.id));
      assert.equal(got.size, seen.notifications.length, 'no duplicates reach the application');
      assert.ok(seen.statuses.includes('recovering'), `statuses: ${seen.statuses}`);
      assert.equal(seen.statuses.at(-1), 'live');
      assert.ok(c.stats().reconnects >= 1);
      t.diagnostic(`missed while down: ${recovered ? 'replayed from the cursors' : `reported as a gap (${seen.gaps[0]?.reason})`}`);
    });
});

/** Starts `count` nodes of one group and waits until they share the partitions. */
async function cluster(t, broker, count, env = {}) {
  const topic = uniqueName('js-cluster');
  const group = uniqueName('group');
  await createTopic(broker.bootstrap, topic);
  const nodes = await Promise.all([...Array(count)].map(() => startRelay({ bootstrap: broker.bootstrap, topic, group, env })));
  t.after(() => Promise.all(nodes.map((n) => n.kill())));
  await awaitStableRoutes(nodes);
  const kafka = await publisher(broker.bootstrap, topic);
  t.after(() => kafka.close());
  return { nodes, topic, group, kafka };
}

/** Publishes `count` notifications round-robin over the contacts, calling `during(i)` before each. */
async function stream(kafka, lob, contacts, count, during = async () => {}) {
  const sent = [];
  for (let i = 0; i < count; i++) {
    await during(i);
    const contact = contacts[i % contacts.length];
    sent.push(await kafka.publish(lob, contact, notifications.connection(contact, i % 2 ? 'accepted-invitation'
      : 'received-invitation')));
    await new Promise((resolve) => setTimeout(resolve, 40)); // a steady stream, not a burst
  }
  return sent;
}

describe('several relay nodes (group mode)', () => {
  test('a LOB-wide client opens one socket per owner node and receives every partition', async (t) => {
    const broker = await testBroker();
    const { nodes, kafka } = await cluster(t, broker, 2);
    const lob = uniqueName('lob');
    const { relay: c, seen } = client(t, { url: nodes[0].httpUrl, token: token({ lob }) });
    c.subscribe();
    await c.whenLive(30_000);
    assert.deepEqual(c.connections().map((x) => x.url).sort(), nodes.map((n) => n.wsUrl).sort());

    const contacts = [...(await contactsOnPartitions([...Array(PARTITIONS).keys()])).values()];
    const sent = [];
    for (const contact of contacts) {
      sent.push(await kafka.publish(lob, contact, notifications.connection(contact)));
    }
    assert.equal(new Set(sent.map((s) => s.partition)).size, PARTITIONS);
    await waitFor(() => seen.notifications.length >= PARTITIONS, { timeoutMs: 20_000, message: 'one event per partition' });
    assert.deepEqual(idsOf(seen.notifications).sort(), sent.map((s) => s.id).sort());
    assert.deepEqual(new Set(seen.notifications.map((n) => n.node)), new Set(nodes.map((n) => n.wsUrl)));
  });

  test('a node stopping mid-stream (SIGTERM): clients follow `moved` and receive every event once', async (t) => {
    const broker = await testBroker();
    const { nodes: [a, b], kafka } = await cluster(t, broker, 2);
    const lob = uniqueName('lob');
    const onB = (await partitionsOf(b))[0];
    const onA = (await partitionsOf(a))[0];
    const byPartition = await contactsOnPartitions([...Array(PARTITIONS).keys()]);
    const contacts = [...byPartition.values()];
    const { relay: wide, seen: wideSeen } = client(t, { url: a.httpUrl, token: token({ lob }) });
    const mine = [byPartition.get(onA), byPartition.get(onB)];
    const { relay: some, seen: someSeen } = client(t, { url: a.httpUrl, token: token({ lob }) });
    wide.subscribe();
    some.subscribe({ contacts: mine });
    await Promise.all([wide.whenLive(30_000), some.whenLive(30_000)]);
    assert.ok(some.connections().some((x) => x.url === b.wsUrl), 'the contact client went straight to the owner of its contact');

    let stopping;
    const sent = await stream(kafka, lob, contacts, 60, async (i) => {
      if (i === 20) {
        stopping = b.stop();
      }
    });
    assert.ok([0, 143].includes(await stopping), b.log()); // 143: the JVM's exit status after SIGTERM
    assert.ok(b.output.some((line) => line.includes('stopped')), b.log());
    const lastOfMine = await kafka.publish(lob, mine[1], notifications.connection(mine[1], 'declined-invitation'));
    sent.push(lastOfMine);

    await waitFor(() => new Set(idsOf(wideSeen.notifications)).size >= sent.length,
      { timeoutMs: 45_000, message: `all ${sent.length} events at the LOB-wide client` }).catch((error) => {
      throw new Error(`${error.message}: got ${wideSeen.notifications.length}, status ${wide.status}, `
        + `connections ${JSON.stringify(wide.connections())}\n${a.log(30)}`);
    });
    assert.deepEqual(idsOf(wideSeen.notifications).sort(), sent.map((s) => s.id).sort(), 'every event exactly once');
    await wide.whenLive(20_000);
    // the stopped node's socket is dropped once a routes refresh no longer names it
    await waitFor(() => wide.connections().every((x) => x.url === a.wsUrl), { timeoutMs: 20_000,
      message: 'only the socket to the remaining node' });

    await waitFor(() => someSeen.notifications.some((n) => n.id === lastOfMine.id),
      { timeoutMs: 30_000, message: 'the contact client to follow its contact to the new owner' });
    const mineSent = sent.filter((s) => mine.includes(s.contactId));
    const someIds = new Set(idsOf(someSeen.notifications));
    assert.equal(someIds.size, someSeen.notifications.length, 'no duplicates');
    assert.ok(someSeen.notifications.every((n) => mine.includes(n.contactId)));
    assert.ok(mineSent.every((s) => someIds.has(s.id)) || someSeen.gaps.length > 0,
      'the contact client got every event of its contacts, or was told about the gap');
  });

  test('a node killed mid-stream (SIGKILL): the LOB-wide client reconnects through the routes and misses nothing',
    async (t) => {
      const broker = await testBroker();
      const { nodes: [a, b], kafka } = await cluster(t, broker, 2);
      const lob = uniqueName('lob');
      const contacts = [...(await contactsOnPartitions([...Array(PARTITIONS).keys()])).values()];
      const { relay: c, seen } = client(t, { url: b.httpUrl, token: token({ lob }) });
      c.subscribe();
      await c.whenLive(30_000);

      const sent = await stream(kafka, lob, contacts, 60, async (i) => {
        if (i === 20) {
          await b.kill();
        }
      });
      await waitFor(() => new Set(idsOf(seen.notifications)).size >= sent.length,
        { timeoutMs: 60_000, message: `all ${sent.length} events` }).catch((error) => {
        throw new Error(`${error.message}: got ${seen.notifications.length}, status ${c.status}, `
          + `connections ${JSON.stringify(c.connections())}\n${a.log(30)}`);
      });
      assert.deepEqual(idsOf(seen.notifications).sort(), sent.map((s) => s.id).sort(), 'every event exactly once');
      await c.whenLive(30_000);
      await waitFor(() => c.connections().every((x) => x.url === a.wsUrl), { timeoutMs: 20_000,
        message: 'only the socket to the remaining node' });
      assert.ok(seen.statuses.includes('recovering'), `statuses: ${seen.statuses}`);
    });
});

describe('broadcast mode', () => {
  test('any node serves everything: one socket; when its node dies the client moves to the next URL', async (t) => {
    const broker = await testBroker();
    const topic = uniqueName('js-broadcast');
    await createTopic(broker.bootstrap, topic);
    const nodes = await Promise.all([0, 1].map(() => startRelay({ bootstrap: broker.bootstrap, topic,
      group: uniqueName('group'), mode: 'broadcast' })));
    t.after(() => Promise.all(nodes.map((n) => n.kill())));
    const kafka = await publisher(broker.bootstrap, topic);
    t.after(() => kafka.close());
    const lob = uniqueName('lob');
    const contacts = [...(await contactsOnPartitions([...Array(PARTITIONS).keys()])).values()];
    const { relay: c, seen } = client(t, { url: [nodes[0].httpUrl, nodes[1].httpUrl], token: token({ lob }) });
    c.subscribe();
    await c.whenLive(30_000);
    assert.deepEqual(c.connections().map((x) => x.url), [nodes[0].wsUrl]);

    const sent = await stream(kafka, lob, contacts, 30, async (i) => {
      if (i === 10) {
        await nodes[0].kill();
      }
    });
    await waitFor(() => seen.notifications.some((n) => n.id === sent.at(-1).id), { timeoutMs: 30_000,
      message: 'the last event, through the second node' });
    await c.whenLive(10_000);
    assert.deepEqual(c.connections().map((x) => x.url), [nodes[1].wsUrl]);
    const got = new Set(idsOf(seen.notifications));
    assert.equal(got.size, seen.notifications.length, 'no duplicates');
    assert.ok(sent.every((s) => got.has(s.id)) || seen.gaps.length > 0,
      `every event, or a gap reported (got ${got.size} of ${sent.length})`);
    t.diagnostic(`resume after the node died: ${seen.gaps.length ? `gap reported (${seen.gaps[0].reason})` : 'complete'}`);
  });
});
