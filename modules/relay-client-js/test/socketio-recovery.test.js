// Socket.IO connection state recovery with the unmodified socket.io-client from npm: a client whose node is
// SIGKILLed while events keep coming reconnects through a plain TCP load balancer to another node, gets
// `socket.recovered === true` and every event exactly once, in order; a gap that cannot be replayed says so.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { io } from 'socket.io-client';
import {
  contactsOnPartitions, createTopic, publisher, startRelay, testBroker, token, uniqueName, waitFor, PARTITIONS,
} from './harness.js';

/** Every node must read every partition for a LOB-wide socket.io session: the default mode, named here because
 * the harness's nodes default to owner routing for the tests that follow partitions. */
const SERVE_EVERYWHERE = { mode: 'anywhere' };

/** A plain TCP load balancer: each connection goes to `target` (a port), or is refused while there is none. */
async function loadBalancer() {
  const open = new Set();
  const lb = { target: null };
  lb.server = net.createServer((client) => {
    if (lb.target === null) {
      client.destroy();
      return;
    }
    const upstream = net.connect(lb.target, '127.0.0.1');
    open.add(client);
    const end = () => {
      open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => lb.server.listen(0, '127.0.0.1', resolve));
  lb.url = `http://127.0.0.1:${lb.server.address().port}`;
  /** Drops every connection and refuses new ones until the next `target`. */
  lb.cut = () => {
    lb.target = null;
    for (const socket of open) {
      socket.destroy();
    }
  };
  lb.close = () => new Promise((resolve) => { lb.cut(); lb.server.close(resolve); });
  return lb;
}

/** A front-end as the docs show it: registers on every connect, records notifications and RECOVERY events. */
function frontEnd(t, url, lob, auth = {}) {
  const socket = io(url, {
    auth: { token: token({ lob }), ...auth }, transports: ['websocket'], reconnectionDelay: 100,
    reconnectionDelayMax: 300, timeout: 5_000,
  });
  const got = { notifications: [], recoveries: [], connects: [], registered: [] };
  socket.on('connect', () => {
    got.connects.push({ recovered: socket.recovered });
    socket.emit('REGISTER_SOCKET', { lob_id: lob });
  });
  socket.on('notification', (n) => got.notifications.push(n));
  socket.on('RECOVERY', (r) => got.recoveries.push(r));
  socket.on('REGISTER_SOCKET_RESPONSE', (r) => got.registered.push(r)); // sent once registered at the seam
  t.after(() => socket.close());
  return { socket, got };
}

function notification(contactId, seq) {
  return { payloadType: 'CONNECTION_RESPONSE', payload: { contactId, state: 'accepted-invitation', message: `seq ${seq}` } };
}

const seqOf = (n) => Number(n.payload.message.slice(4));

describe('socket.io connection state recovery', () => {
  let broker;
  let topic;
  let kafka;
  let lb;

  before(async () => {
    broker = await testBroker();
    topic = uniqueName('sio-recovery');
    await createTopic(broker.bootstrap, topic);
    kafka = await publisher(broker.bootstrap, topic);
    lb = await loadBalancer();
  });

  after(async () => {
    await kafka?.close();
    await lb?.close();
  });

  test('kill -9 of the node while events keep coming: recovered on another node, every event exactly once, in order',
    async (t) => {
      const nodes = await Promise.all([0, 1].map(() => startRelay({ bootstrap: broker.bootstrap, topic,
        group: uniqueName('group'), ...SERVE_EVERYWHERE })));
      t.after(() => Promise.all(nodes.map((n) => n.kill())));
      const [first, second] = nodes;
      lb.target = first.port;
      const lob = uniqueName('lob');
      const contacts = [...(await contactsOnPartitions([...Array(PARTITIONS).keys()])).values()];
      const { socket, got } = frontEnd(t, lb.url, lob);
      await waitFor(() => got.registered.length === 1, { message: 'connect and REGISTER_SOCKET_RESPONSE' });

      const published = new Map(contacts.map((c) => [c, []]));
      let seq = 0;
      let publishing = true;
      const producer = (async () => {
        while (publishing) {
          const contact = contacts[seq % contacts.length];
          await kafka.publish(lob, contact, notification(contact, seq));
          published.get(contact).push(seq);
          seq++;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      t.after(() => { publishing = false; });
      await waitFor(() => got.notifications.length >= 30, { message: '30 events from the first node' });

      const killedAt = Date.now();
      lb.cut(); // nobody answers for a while: the client is away while events keep coming
      await first.kill();
      const receivedBeforeKill = got.notifications.length;
      const publishedBeforeAway = seq;
      await waitFor(() => seq >= publishedBeforeAway + 60, { message: '60 events published while away' });
      lb.target = second.port;
      await waitFor(() => got.connects.length >= 2, { message: 'the reconnect' });
      const recoveredAfterMs = Date.now() - killedAt;
      await waitFor(() => got.notifications.length > receivedBeforeKill + 60, { message: 'events after the reconnect' });
      publishing = false;
      await producer;
      const total = seq;
      await waitFor(() => got.notifications.length >= total, { timeoutMs: 20_000,
        message: `all ${total} events (have ${got.notifications.length})` });
      // a late duplicate would come before a marker on its partition: one marker per contact, then count
      for (const contact of contacts) {
        await kafka.publish(lob, contact, notification(contact, -1));
      }
      await waitFor(() => got.notifications.filter((n) => seqOf(n) === -1).length === contacts.length,
        { message: 'the markers' });
      const markers = got.notifications.filter((n) => seqOf(n) === -1);
      got.notifications = got.notifications.filter((n) => seqOf(n) !== -1);
      assert.equal(markers.length, contacts.length);

      assert.equal(got.connects[1].recovered, true, 'socket.recovered after the reconnect');
      assert.deepEqual(got.recoveries, [{ recovered: true }]);
      for (const contact of contacts) {
        const received = got.notifications.filter((n) => n.payload.contactId === contact).map(seqOf);
        assert.deepEqual(received, published.get(contact), `contact ${contact}: every event once, in order`);
      }
      assert.equal(got.notifications.length, total);
      console.log(`socket.io recovery: ${total} events, ${receivedBeforeKill} before the kill, reconnected and `
        + `recovered ${recoveredAfterMs} ms after it, 0 missing, 0 repeated`);
    });

  test('a quiet client (no event since it registered) recovers from its registration\'s offset', async (t) => {
    const nodes = await Promise.all([0, 1].map(() => startRelay({ bootstrap: broker.bootstrap, topic,
      group: uniqueName('group'), ...SERVE_EVERYWHERE })));
    t.after(() => Promise.all(nodes.map((n) => n.kill())));
    lb.target = nodes[0].port;
    const lob = uniqueName('lob');
    const { got } = frontEnd(t, lb.url, lob);
    await waitFor(() => got.registered.length === 1, { message: 'REGISTER_SOCKET_RESPONSE' });
    lb.cut();
    await nodes[0].kill();
    const contact = randomUUID();
    await kafka.publish(lob, contact, notification(contact, 1)); // while away
    lb.target = nodes[1].port;
    await waitFor(() => got.notifications.length === 1, { message: 'the event published while away' });
    assert.equal(got.connects[1].recovered, true);
    await kafka.publish(lob, contact, notification(contact, 2));
    await waitFor(() => got.notifications.length === 2, { message: 'the next live event' });
    assert.deepEqual(got.notifications.map(seqOf), [1, 2]);
  });

  test('a gap that cannot be replayed: recovered false with the reason, then live events', async (t) => {
    // a node that may read back only 5 records per partition and keeps none in memory
    const node = await startRelay({ bootstrap: broker.bootstrap, topic, group: uniqueName('group'),
      ...SERVE_EVERYWHERE, env: { RELAY_REPLAY_WINDOW: '0', RELAY_REPLAY_MAX_RECORDS: '5' } });
    t.after(() => node.kill());
    lb.target = node.port;
    const lob = uniqueName('lob');
    const contact = randomUUID();
    const { socket, got } = frontEnd(t, lb.url, lob);
    await waitFor(() => got.registered.length === 1, { message: 'connect and REGISTER_SOCKET_RESPONSE' });
    await kafka.publish(lob, contact, notification(contact, 0));
    await waitFor(() => got.notifications.length === 1, { message: 'the first event' });
    lb.cut();
    await waitFor(() => !socket.connected, { message: 'the disconnect' });
    for (let i = 1; i <= 20; i++) {
      await kafka.publish(lob, contact, notification(contact, i));
    }
    lb.target = node.port;
    await waitFor(() => got.recoveries.length === 1, { message: 'RECOVERY' });
    assert.deepEqual(got.recoveries[0], { recovered: false, reason: 'replay_limit' });
    assert.equal(got.connects[1].recovered, false);
    await kafka.publish(lob, contact, notification(contact, 21));
    await waitFor(() => got.notifications.some((n) => seqOf(n) === 21), { message: 'a live event after it' });
  });

  test('an offset that is not one of ours: recovered false, bad_offset; a pid alone: no_offset', async (t) => {
    const node = await startRelay({ bootstrap: broker.bootstrap, topic, group: uniqueName('group'),
      ...SERVE_EVERYWHERE });
    t.after(() => node.kill());
    const lob = uniqueName('lob');
    const forged = frontEnd(t, node.httpUrl, lob, { pid: 'previous', offset: 'AQhub3Qtb3Vy' });
    const noOffset = frontEnd(t, node.httpUrl, lob, { pid: 'previous' });
    await waitFor(() => forged.got.recoveries.length === 1 && noOffset.got.recoveries.length === 1,
      { message: 'two RECOVERY events' });
    assert.deepEqual(forged.got.recoveries[0], { recovered: false, reason: 'bad_offset' });
    assert.deepEqual(noOffset.got.recoveries[0], { recovered: false, reason: 'no_offset' });
    assert.equal(forged.socket.recovered, false);
    const contact = randomUUID();
    await waitFor(() => forged.got.registered.length === 1 && noOffset.got.registered.length === 1,
      { message: 'both registered' });
    await kafka.publish(lob, contact, notification(contact, 7));
    await waitFor(() => forged.got.notifications.length === 1 && noOffset.got.notifications.length === 1,
      { message: 'the event for both' });
  });
});
