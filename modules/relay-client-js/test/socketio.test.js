// Socket.IO v4 compatibility: the unmodified socket.io-client from npm against real relay nodes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { io } from 'socket.io-client';
import {
  awaitStableRoutes, createTopic, notifications, publisher, startRelay, testBroker, token, uniqueName, waitFor,
} from './harness.js';

/** A socket.io client as a front-end opens it, recording what it receives; closed after the test. */
function connect(t, url, options) {
  const socket = io(url, { reconnection: false, timeout: 10_000, ...options });
  const got = { notifications: [], typed: [], responses: [], errors: [] };
  socket.on('notification', (n) => got.notifications.push(n));
  for (const type of ['CONNECTION_RESPONSE', 'ISSUANCE_RESPONSE', 'VERIFICATION_RESPONSE']) {
    socket.on(type, (n) => got.typed.push({ type, n }));
  }
  socket.on('REGISTER_SOCKET_RESPONSE', (r) => got.responses.push(r));
  socket.on('connect_error', (e) => got.errors.push(e));
  t.after(() => socket.close());
  return { socket, got };
}

async function connected(socket) {
  await waitFor(() => socket.connected, { timeoutMs: 15_000, message: 'socket.io connect' });
}

async function register(socket, got, lobId) {
  const before = got.responses.length;
  socket.emit('REGISTER_SOCKET', { lob_id: lobId });
  return waitFor(() => got.responses[before], { timeoutMs: 10_000, message: 'REGISTER_SOCKET_RESPONSE' });
}

describe('socket.io endpoint, broadcast mode', () => {
  let broker;
  let relay;
  let kafka;

  before(async () => {
    broker = await testBroker();
    const topic = uniqueName('sio');
    await createTopic(broker.bootstrap, topic);
    // pings every second, so a few Engine.IO heartbeats happen within a test
    relay = await startRelay({ bootstrap: broker.bootstrap, topic, group: uniqueName('group'), mode: 'broadcast',
      env: { RELAY_HEARTBEAT_INTERVAL: '1s' } });
    kafka = await publisher(broker.bootstrap, topic);
  });

  after(async () => {
    await kafka?.close();
    await relay?.stop();
  });

  test('REGISTER_SOCKET, then every notification of the LOB as produced, and nothing of other LOBs', async (t) => {
    const lob = uniqueName('lob');
    const { socket, got } = connect(t, relay.httpUrl, { auth: { token: token({ lob }) }, transports: ['websocket'] });
    await connected(socket);
    const response = await register(socket, got, lob);
    assert.deepEqual(Object.keys(response).sort(), ['lobId', 'message', 'socketId', 'success']);
    assert.equal(response.success, true);
    assert.equal(response.lobId, lob);
    assert.equal(response.socketId, socket.id);
    assert.doesNotMatch(response.message, /RELAY_MODE/); // broadcast: every partition is served here

    const alice = randomUUID();
    const published = [
      notifications.connection(alice, 'received-invitation'),
      notifications.issuance(alice, 'offer-received'),
      notifications.verification(alice, 'presentation-requested', 'null'),
    ];
    await kafka.publish(uniqueName('other-lob'), alice, notifications.connection(alice));
    for (const notification of published) {
      await kafka.publish(lob, alice, notification);
    }
    await waitFor(() => got.notifications.length >= 3 && got.typed.length >= 3,
      { timeoutMs: 15_000, message: 'three notifications' });
    assert.deepEqual(got.notifications, published, 'each notification exactly as produced: {payloadType, payload, verified}');
    assert.deepEqual(got.typed.map((x) => x.type), ['CONNECTION_RESPONSE', 'ISSUANCE_RESPONSE', 'VERIFICATION_RESPONSE']);
    assert.deepEqual(got.typed.map((x) => x.n), published);
    // the other LOB's event went to alice's partition first: a marker after it on that partition proves it was skipped
    const marker = notifications.connection(alice, 'marker');
    await kafka.publish(lob, alice, marker);
    await waitFor(() => got.notifications.length >= 4, { timeoutMs: 15_000, message: 'the marker' });
    assert.deepEqual(got.notifications, [...published, marker]);
  });

  test('default transports: starts with HTTP long-polling, upgrades to WebSocket, keeps receiving', async (t) => {
    const lob = uniqueName('lob');
    const { socket, got } = connect(t, relay.httpUrl, { auth: { token: token({ lob }) } });
    let upgraded = false;
    socket.io.on('open', () => {
      assert.equal(socket.io.engine.transport.name, 'polling');
      socket.io.engine.on('upgrade', (transport) => { upgraded = transport.name === 'websocket'; });
    });
    await connected(socket);
    assert.equal((await register(socket, got, lob)).success, true);
    await waitFor(() => upgraded, { timeoutMs: 10_000, message: 'the upgrade to WebSocket' });
    const contact = randomUUID();
    await kafka.publish(lob, contact, notifications.connection(contact));
    await waitFor(() => got.notifications.length === 1, { timeoutMs: 15_000, message: 'a notification after the upgrade' });
    assert.equal(got.notifications[0].payload.contactId, contact);
  });

  test('long-polling only: notifications arrive in poll responses', async (t) => {
    const lob = uniqueName('lob');
    const { socket, got } = connect(t, relay.httpUrl, { auth: { token: token({ lob }) }, transports: ['polling'],
      upgrade: false });
    await connected(socket);
    assert.equal(socket.io.engine.transport.name, 'polling');
    assert.equal((await register(socket, got, lob)).success, true);
    const contact = randomUUID();
    for (const state of ['received-invitation', 'accepted-invitation']) {
      await kafka.publish(lob, contact, notifications.connection(contact, state));
    }
    await waitFor(() => got.notifications.length === 2, { timeoutMs: 15_000, message: 'two notifications' });
    assert.deepEqual(got.notifications.map((n) => n.payload.state), ['received-invitation', 'accepted-invitation']);
  });

  test('an acknowledgement callback gets the response too; auth.events picks the event names', async (t) => {
    const lob = uniqueName('lob');
    const { socket, got } = connect(t, relay.httpUrl, { auth: { token: token({ lob }), events: 'notification' },
      transports: ['websocket'] });
    await connected(socket);
    const acked = await socket.timeout(10_000).emitWithAck('REGISTER_SOCKET', { lob_id: lob });
    assert.equal(acked.success, true);
    assert.equal(acked.socketId, socket.id);
    const contact = randomUUID();
    await kafka.publish(lob, contact, notifications.issuance(contact, 'done'));
    await waitFor(() => got.notifications.length === 1, { timeoutMs: 15_000, message: 'a notification' });
    assert.equal(got.typed.length, 0, 'auth.events = notification: no per-type events');
  });

  test('a lob_id that is not the token\'s is refused, and its events never arrive', async (t) => {
    const mine = uniqueName('lob');
    const theirs = uniqueName('lob');
    const { socket, got } = connect(t, relay.httpUrl, { auth: { token: token({ lob: mine }) }, transports: ['websocket'] });
    await connected(socket);
    const refused = await register(socket, got, theirs);
    assert.equal(refused.success, false);
    assert.equal(refused.lobId, theirs);
    assert.match(refused.message, /not the LOB of the token/);
    const missing = await register(socket, got, undefined);
    assert.equal(missing.success, false);
    const contact = randomUUID();
    await kafka.publish(theirs, contact, notifications.connection(contact));
    const registered = await register(socket, got, mine);
    assert.equal(registered.success, true);
    const after = await kafka.publish(mine, contact, notifications.connection(contact, 'declined-invitation'));
    await waitFor(() => got.notifications.length >= 1, { timeoutMs: 15_000, message: 'the registered LOB\'s event' });
    assert.equal(got.notifications.length, 1);
    assert.equal(got.notifications[0].payload.state, 'declined-invitation', `event ${after.id}`);
  });

  for (const transports of [['websocket'], ['polling']]) {
    test(`Engine.IO heartbeats keep a ${transports[0]} session alive`, async (t) => {
      const lob = uniqueName('lob');
      const { socket, got } = connect(t, relay.httpUrl, { auth: { token: token({ lob }) }, transports, upgrade: false });
      let pings = 0;
      socket.io.on('ping', () => pings++);
      const disconnects = [];
      socket.on('disconnect', (reason) => disconnects.push(reason));
      await connected(socket);
      assert.equal((await register(socket, got, lob)).success, true);
      await waitFor(() => pings >= 3, { timeoutMs: 10_000, message: 'three pings answered' });
      const contact = randomUUID();
      await kafka.publish(lob, contact, notifications.verification(contact, 'proof-received', 'null'));
      await waitFor(() => got.notifications.length === 1, { timeoutMs: 15_000, message: 'a notification' });
      assert.deepEqual(disconnects, []);
      assert.equal(socket.id, (await register(socket, got, lob)).socketId, 'the same socket.io session throughout');
    });
  }

  test('at token expiry the transport closes; socket.io-client reconnects with a fresh token and registers again',
    async (t) => {
      const lob = uniqueName('lob');
      let tokens = 0;
      const { socket, got } = connect(t, relay.httpUrl, {
        auth: (cb) => { tokens++; cb({ token: token({ lob, ttlSeconds: tokens === 1 ? 2 : 3600 }) }); },
        transports: ['websocket'], reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 500,
      });
      const disconnects = [];
      const warnings = [];
      socket.on('disconnect', (reason) => disconnects.push(reason));
      socket.on('TOKEN_EXPIRING', (warning) => warnings.push({ ...warning, connected: socket.connected }));
      socket.on('connect', () => socket.emit('REGISTER_SOCKET', { lob_id: lob })); // as front-ends do
      await waitFor(() => disconnects.length >= 1 && socket.connected && got.responses.length >= 2,
        { timeoutMs: 15_000, message: 'an expiry, a reconnect and a second registration' });
      assert.equal(disconnects[0], 'transport close');
      assert.ok(tokens >= 2, 'auth was asked again for the reconnect');
      // shipped RELAY_TOKEN_EXPIRY_WARNING (60 s) is longer than the token's 2 s: warned at once, before the close
      assert.equal(warnings.length, 1);
      assert.ok(warnings[0].refreshWithin <= 2_000 && warnings[0].connected, JSON.stringify(warnings[0]));
      assert.ok(Date.parse(warnings[0].expiresAt) > 0);
      assert.equal(socket.recovered, true, 'the reconnect with the fresh token recovered the session');
      assert.ok(got.responses.every((r) => r.success));
      const contact = randomUUID();
      await kafka.publish(lob, contact, notifications.connection(contact, 'received-invitation'));
      await waitFor(() => got.notifications.length >= 1, { timeoutMs: 15_000, message: 'a notification after it' });
    });

  test('a bad or missing token is refused at connect with connect_error', async (t) => {
    const bad = connect(t, relay.httpUrl, { auth: { token: token({ lob: 'x', secret: 'wrong-secret-0123456789-0123456789-abc' }) },
      transports: ['websocket'] });
    const none = connect(t, relay.httpUrl, { transports: ['websocket'] });
    await waitFor(() => bad.got.errors.length > 0 && none.got.errors.length > 0,
      { timeoutMs: 15_000, message: 'connect_error for both' });
    assert.match(bad.got.errors[0].message, /token/);
    assert.match(none.got.errors[0].message, /token is missing/);
    assert.equal(bad.socket.connected, false);
  });
});

describe('socket.io endpoint, group mode', () => {
  test('on a node that owns only some partitions, the response says to use broadcast mode', async (t) => {
    const broker = await testBroker();
    const topic = uniqueName('sio-group');
    const group = uniqueName('group');
    await createTopic(broker.bootstrap, topic);
    const nodes = await Promise.all([0, 1].map(() => startRelay({ bootstrap: broker.bootstrap, topic, group })));
    t.after(() => Promise.all(nodes.map((n) => n.kill())));
    await awaitStableRoutes(nodes);
    const lob = uniqueName('lob');
    const { socket, got } = connect(t, nodes[0].httpUrl, { auth: { token: token({ lob }) }, transports: ['websocket'] });
    await connected(socket);
    const response = await register(socket, got, lob);
    assert.equal(response.success, true);
    assert.match(response.message, /serves 3 of 6 partitions/);
    assert.match(response.message, /RELAY_MODE=broadcast/);
  });
});
