// Receipts from the JavaScript side: @notify-relay/client with `ack: true` acknowledges what its listeners
// handled, and the relay turns each acknowledgement into an `acknowledged` receipt on <topic>.receipts, read
// here with kafkajs as the Notify API would (schemas/README.md#receipts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { NotifyRelayClient } from '../src/index.js';
import {
  createTopic, kafka, notifications, publisher, startRelay, testBroker, token, uniqueName, waitFor,
} from './harness.js';

let broker;
let relay;
let topic;
let producer;
let consumer;
const receipts = [];

before(async () => {
  broker = await testBroker();
  topic = uniqueName('receipts');
  await createTopic(broker.bootstrap, topic);
  relay = await startRelay({ bootstrap: broker.bootstrap, topic, group: uniqueName('group') });
  producer = await publisher(broker.bootstrap, topic);
  consumer = kafka(broker.bootstrap).consumer({ groupId: uniqueName('notify-api') });
  await consumer.connect();
  await consumer.subscribe({ topic: `${topic}.receipts`, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      assert.equal(message.headers.ce_type.toString(), 'notify.relay.receipt');
      receipts.push(JSON.parse(message.value.toString()));
    },
  });
});

after(async () => {
  await consumer?.disconnect();
  await producer?.close();
  await relay?.kill();
});

/** A LOB-wide client, live: its subscription is in place before anything is published. */
async function liveClient(t, lob, options = {}) {
  const client = new NotifyRelayClient({ url: relay.httpUrl, token: token({ lob }), WebSocket, ...options });
  t.after(() => client.close());
  const handled = [];
  let live = false;
  client.on('notification', (n) => handled.push(n.id));
  client.on('status', (s) => { live ||= s.status === 'live'; });
  client.subscribe();
  await waitFor(() => live, { message: 'the client to be live' });
  return handled;
}

function receiptsOf(eventId, outcome) {
  return receipts.filter((r) => r.eventId === eventId && r.outcome === outcome);
}

test('with ack: true the client acknowledges each notification after its listeners ran', async (t) => {
  const handled = await liveClient(t, 'lob-ack-js', { ack: true });
  const contactId = `contact-${randomUUID()}`;

  const sent = await producer.publish('lob-ack-js', contactId, notifications.connection(contactId));

  await waitFor(() => handled.includes(sent.id), { message: 'the notification' });
  await waitFor(() => receiptsOf(sent.id, 'acknowledged').length > 0, { message: 'the acknowledged receipt' });
  const [ack] = receiptsOf(sent.id, 'acknowledged');
  assert.equal(ack.contactId, contactId);
  assert.equal(ack.lobId, 'lob-ack-js');
  assert.equal(ack.offset, sent.offset);
  assert.equal(ack.sessions, 1);
  await waitFor(() => receiptsOf(sent.id, 'delivered').length === 1, { message: 'the delivered receipt' });
});

test('without ack the client acknowledges nothing', async (t) => {
  const handled = await liveClient(t, 'lob-quiet-js');
  const contactId = `contact-${randomUUID()}`;

  const sent = await producer.publish('lob-quiet-js', contactId, notifications.connection(contactId));
  await waitFor(() => handled.includes(sent.id), { message: 'the notification' });
  // a negative proven by a following positive: the delivered receipt comes after any ack would have
  await waitFor(() => receiptsOf(sent.id, 'delivered').length === 1, { message: 'the delivered receipt' });
  const marker = await producer.publish('lob-quiet-js', contactId, notifications.connection(contactId));
  await waitFor(() => receiptsOf(marker.id, 'delivered').length === 1, { message: 'the marker\'s receipt' });
  assert.equal(receiptsOf(sent.id, 'acknowledged').length, 0);
});

test('a socket.io client connected with auth.ack acknowledges with the standard callback', async (t) => {
  const socket = io(relay.httpUrl, { reconnection: false, auth: { token: token({ lob: 'lob-ack-sio' }), ack: true } });
  t.after(() => socket.close());
  const handled = [];
  // socket.io-client hands the acknowledgement callback as the last argument, after the recovery offset
  socket.on('notification', (notification, ...rest) => {
    handled.push(notification.payload.contactId);
    const acknowledge = rest[rest.length - 1];
    assert.equal(typeof acknowledge, 'function');
    acknowledge();
  });
  let registered = null;
  socket.on('REGISTER_SOCKET_RESPONSE', (response) => { registered = response; });
  await waitFor(() => socket.connected, { message: 'socket.io connect' });
  socket.emit('REGISTER_SOCKET', { lob_id: 'lob-ack-sio' });
  await waitFor(() => registered?.success === true, { message: 'REGISTER_SOCKET_RESPONSE' });
  const contactId = `contact-${randomUUID()}`;

  const sent = await producer.publish('lob-ack-sio', contactId, notifications.connection(contactId));

  await waitFor(() => handled.includes(contactId), { message: 'the notification' });
  await waitFor(() => receiptsOf(sent.id, 'acknowledged').length > 0, { message: 'the acknowledged receipt' });
  assert.equal(receiptsOf(sent.id, 'acknowledged')[0].contactId, contactId);
});
