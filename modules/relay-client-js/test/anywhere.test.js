// Serve anywhere (issue 13), the relay's default mode: three relay processes with shipped defaults on a topic with
// fewer partitions than nodes. Every node serves every session it holds: raw WebSocket, the unmodified
// socket.io-client and @notify-relay/client, LOB-wide or per contact, whatever its group member owns; bad records
// are dead-lettered once for the cluster; added partitions are served; a SIGKILL or SIGTERM of one node leaves the
// others' sessions without a gap while its own clients reconnect elsewhere and resume. The recovery times are
// printed (README, Operations).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { NotifyRelayClient, partitionOf } from '../src/index.js';
import {
  createTopic, getJson, kafka as kafkaClient, publisher, startRelay, testBroker, token, uniqueName, waitFor,
} from './harness.js';

const NODES = 3;
const PARTITIONS = 2;

/** One receiver's view: when each event id arrived, and any event it must not have got. */
class Seen {
  constructor(name) {
    this.name = name;
    this.at = new Map();
    this.duplicates = 0;
    this.foreign = [];
  }

  add(id, lobId, wantedLob, contactId, wantedContact) {
    if ((wantedLob && lobId !== undefined && lobId !== wantedLob) || (wantedContact && contactId !== wantedContact)) {
      this.foreign.push(id);
    }
    if (this.at.has(id)) {
      this.duplicates++;
    } else {
      this.at.set(id, Date.now());
    }
  }

  missing(ids) {
    return ids.filter((id) => !this.at.has(id));
  }
}

/** A raw /v1/ws session: auth, subscribe (LOB-wide or some contacts), record every event. */
async function rawSession(t, node, lob, contacts) {
  const seen = new Seen(`raw ${contacts ? 'contact' : 'LOB-wide'} @${node.nodeId}`);
  const ws = new WebSocket(node.wsUrl);
  let subscribed = false;
  ws.on('message', (raw) => {
    const frame = JSON.parse(raw.toString());
    if (frame.type === 'welcome') {
      ws.send(JSON.stringify(contacts ? { type: 'subscribe', contacts } : { type: 'subscribe' }));
    } else if (frame.type === 'subscribed') {
      subscribed = true;
    } else if (frame.type === 'moved') {
      seen.foreign.push(`moved ${JSON.stringify(frame)}`); // never in anywhere mode
    } else if (frame.type === 'event') {
      seen.add(frame.id, frame.lobId, lob, frame.contactId, contacts ? contacts[0] : null);
    }
  });
  ws.on('error', () => {}); // a killed node's sessions end; the test only reads what they got before
  ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: token({ lob }) })));
  t.after(() => ws.terminate());
  await waitFor(() => subscribed, { timeoutMs: 15_000, message: `${seen.name} subscribed` });
  return seen;
}

/** The unmodified socket.io-client, registered for a LOB; notifications carry their event id in payload.message. */
async function socketIoSession(t, node, lob) {
  const seen = new Seen(`socket.io @${node.nodeId}`);
  const socket = io(node.httpUrl, { reconnection: false, transports: ['websocket'], auth: { token: token({ lob }) } });
  let registered = false;
  socket.on('REGISTER_SOCKET_RESPONSE', (r) => { registered = r.success === true; });
  socket.on('notification', (n) => seen.add(n.payload.message, undefined, null, null, null));
  socket.on('connect', () => socket.emit('REGISTER_SOCKET', { lob_id: lob }));
  t.after(() => socket.close());
  await waitFor(() => registered, { timeoutMs: 15_000, message: `${seen.name} registered` });
  return seen;
}

/** @notify-relay/client, given its node first and the others after (as a page would get a list of URLs). */
async function clientSession(t, node, others, lob) {
  const seen = new Seen(`@notify-relay/client @${node.nodeId}`);
  const client = new NotifyRelayClient({ WebSocket, url: [node.httpUrl, ...others.map((o) => o.httpUrl)],
    token: token({ lob }) });
  client.on('notification', (n) => seen.add(n.id, n.lobId, lob, null, null));
  client.on('gap', (g) => seen.foreign.push(`gap ${JSON.stringify(g)}`));
  client.subscribe();
  t.after(() => client.close());
  await client.whenLive(30_000);
  assert.deepEqual(client.connections().map((c) => c.url), [node.wsUrl], 'one socket, to its own node');
  seen.client = client;
  return seen;
}

/** Contacts that land on each partition of `count`, murmur2 as kafkajs places them. */
function contactsOn(count) {
  const found = new Map();
  while (found.size < count) {
    const contact = randomUUID();
    const partition = partitionOf(contact, count);
    if (!found.has(partition)) {
      found.set(partition, contact);
    }
  }
  return [...found.values()];
}

describe('serve anywhere: three nodes, two partitions, shipped defaults', () => {
  let broker;
  let topic;
  let dlq;
  let group;
  let nodes;
  let kafka;
  let idle;
  const lob = uniqueName('lob');
  const otherLob = uniqueName('other-lob');
  const contact = randomUUID();
  const sessions = new Map(); // node -> Seen[]
  let contactSession;
  const published = []; // { id, at } of the LOB's events
  // the sessions live through every test of the suite: closed after the last
  const cleanups = [];
  const suite = { after: (fn) => cleanups.push(fn) };
  const contactEvents = [];

  async function publish(contactId, targetLob = lob, via = kafka) {
    const id = randomUUID();
    const at = Date.now();
    await via.publish(targetLob, contactId, { payloadType: 'CONNECTION_RESPONSE',
      payload: { contactId, state: 'accepted-invitation', message: id } }, id);
    if (targetLob === lob) {
      published.push({ id, at });
      if (contactId === contact) {
        contactEvents.push(id);
      }
    }
    return id;
  }

  function receivers(alive = nodes) {
    return alive.flatMap((node) => sessions.get(node));
  }

  async function allHave(receiverList, ids, timeoutMs, what) {
    await waitFor(() => receiverList.every((r) => r.missing(ids).length === 0), { timeoutMs, intervalMs: 100,
      message: what }).catch((error) => {
      const report = receiverList.map((r) => `${r.name}: missing ${r.missing(ids).length}`).join('; ');
      throw new Error(`${error.message}: ${report}\n${nodes.map((n) => n.log(15)).join('\n')}`);
    });
  }

  function assertClean(receiverList) {
    for (const r of receiverList) {
      assert.deepEqual(r.foreign, [], `${r.name} got nothing of another LOB or contact, and no moved or gap`);
      assert.equal(r.duplicates, 0, `${r.name} got no event twice`);
    }
  }

  before(async () => {
    broker = await testBroker();
    topic = uniqueName('anywhere');
    dlq = `${topic}.dlq`;
    group = uniqueName('group');
    await createTopic(broker.bootstrap, topic, PARTITIONS);
    await createTopic(broker.bootstrap, dlq, 1);
    nodes = await Promise.all([...Array(NODES)].map(() => startRelay({ bootstrap: broker.bootstrap, topic, group,
      shippedDefaults: true, env: { RELAY_DEAD_LETTER_TOPIC: dlq } })));
    kafka = await publisher(broker.bootstrap, topic);
    // the group members share the two partitions: one of the three owns nothing in the group
    const shares = await waitFor(async () => {
      const health = await Promise.all(nodes.map((n) => getJson(`${n.httpUrl}/health/ready`).catch(() => null)));
      const owned = health.map((h) => h?.groupPartitions ?? []);
      return owned.flat().length === PARTITIONS && new Set(owned.flat()).size === PARTITIONS ? owned : null;
    }, { timeoutMs: 60_000, intervalMs: 200, message: 'the group members to share the partitions' });
    idle = nodes[shares.findIndex((owned) => owned.length === 0)];
    for (const node of nodes) {
      const routes = await getJson(`${node.httpUrl}/v1/routes`);
      assert.equal(routes.mode, 'anywhere', 'the default mode');
      assert.ok(routes.partitions.every((p) => p.owner === 'any'));
    }
  });

  after(async () => {
    cleanups.forEach((fn) => fn());
    await kafka?.close();
    await Promise.all((nodes ?? []).map((n) => n.kill()));
  });

  test('every session on every node gets every event of its LOB and nothing else; bad records are dead-lettered once',
    async (t) => {
      for (const node of nodes) {
        const others = nodes.filter((n) => n !== node);
        sessions.set(node, [await rawSession(suite, node, lob), await socketIoSession(suite, node, lob),
          await clientSession(suite, node, others, lob)]);
      }
      contactSession = await rawSession(suite, idle, lob, [contact]);
      const bad = kafkaClient(broker.bootstrap).producer();
      await bad.connect();
      t.after(() => bad.disconnect());
      const contacts = contactsOn(PARTITIONS);
      for (let i = 0; i < 40; i++) {
        await publish(contacts[i % PARTITIONS]);
        if (i % 10 === 0) {
          await publish(contact);
          await publish(contacts[i % PARTITIONS], otherLob);
          // not JSON: rejected by every node's reader, dead-lettered by the one group member that owns it
          await bad.send({ topic, acks: -1, messages: [{ key: contacts[(i / 10) % PARTITIONS], value: '{not json',
            headers: { ce_specversion: '1.0', ce_id: randomUUID(), ce_source: 'urn:t',
              ce_type: 'notify.connection-response', ce_lobid: lob, 'content-type': 'application/json' } }] });
        }
      }
      const ids = published.map((p) => p.id);
      await allHave(receivers(), ids, 30_000, 'every event at every LOB-wide session of every node');
      await allHave([contactSession], contactEvents, 10_000, 'the contact session on the node that owns nothing');
      assert.equal(contactSession.at.size, contactEvents.length, 'the contact session got its contact only');
      assertClean([...receivers(), contactSession]);

      // exactly one copy per bad record: wait until the group has committed past every record, then count
      const admin = kafkaClient(broker.bootstrap).admin();
      await admin.connect();
      t.after(() => admin.disconnect());
      const ends = await admin.fetchTopicOffsets(topic);
      await waitFor(async () => {
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return ends.every((end) => committed.partitions.some((p) => p.partition === end.partition
          && Number(p.offset) >= Number(end.high)));
      }, { timeoutMs: 30_000, intervalMs: 250, message: 'the group to commit every record' });
      const dlqEnd = (await admin.fetchTopicOffsets(dlq)).reduce((sum, p) => sum + Number(p.high), 0);
      assert.equal(dlqEnd, 4, 'four bad records, four dead letters for the whole cluster (not one per node)');
      t.diagnostic(`idle group member ${idle.nodeId}: contact session got ${contactEvents.length}/${contactEvents.length}`);
    });

  test('partitions added while running are served, from their beginning', async () => {
    const admin = kafkaClient(broker.bootstrap).admin();
    await admin.connect();
    try {
      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
    } finally {
      await admin.disconnect();
    }
    const fresh = await publisher(broker.bootstrap, topic); // its metadata knows the four partitions
    try {
      const on = contactsOn(4);
      const start = published.length;
      for (let i = 0; i < 20; i++) {
        await publish(on[i % 4], lob, fresh);
      }
      const ids = published.slice(start).map((p) => p.id);
      await allHave(receivers(), ids, 45_000, 'the events of the new partitions everywhere');
      assertClean(receivers());
    } finally {
      await fresh.close();
    }
  });

  /**
   * Streams events at ~25/s, stops `victim` after 2 s, streams on for 14 s. Returns the longest any event published
   * from the stop on waited, at the other nodes' sessions and at the clients of every node.
   */
  async function stopOneMidStream(victim, stop) {
    const contacts = contactsOn(4);
    const start = published.length;
    let stoppedAt = 0;
    let stopping;
    const streamEnd = Date.now() + 16_000;
    for (let i = 0; Date.now() < streamEnd; i++) {
      if (!stoppedAt && Date.now() > streamEnd - 14_000) {
        stoppedAt = Date.now();
        stopping = stop(victim);
      }
      await publish(contacts[i % contacts.length]);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await stopping;
    const survivors = nodes.filter((n) => n !== victim);
    const ids = published.slice(start).map((p) => p.id);
    const clients = nodes.map((n) => sessions.get(n)[2]);
    await allHave(receivers(survivors), ids, 30_000, 'every event at the other nodes\' sessions');
    await allHave(clients, ids, 60_000, 'every event at the clients of every node, the stopped one\'s included');
    const after = published.slice(start).filter((p) => p.at >= stoppedAt - 1_000);
    const longest = (list) => Math.max(...list.flatMap((r) => after.map((p) => r.at.get(p.id) - p.at)));
    const victimClient = sessions.get(victim)[2];
    assert.ok(victimClient.client.connections().every((c) => c.url !== victim.wsUrl), 'the client left the node');
    assertClean([...receivers(survivors), victimClient]);
    nodes = survivors;
    return { survivors: longest(receivers(survivors)), everyone: longest([...receivers(survivors), victimClient]),
      events: ids.length };
  }

  test('SIGKILL of one node: no gap at the others; its clients reconnect elsewhere and resume', async (t) => {
    const victim = nodes.find((n) => n !== idle);
    const result = await stopOneMidStream(victim, (n) => n.kill());
    t.diagnostic(`SIGKILL: ${result.events} events; longest wait at the other nodes' sessions ${result.survivors} ms; `
      + `until every client of every node had all events again ${result.everyone} ms`);
    console.log(`serve-anywhere failover, SIGKILL: other nodes' sessions ${result.survivors} ms, every client `
      + `${result.everyone} ms`);
    assert.ok(result.survivors < 5_000, `the other nodes' sessions saw no gap (${result.survivors} ms)`);
    assert.ok(result.everyone < 15_000, `every client had every event again within 15 s (${result.everyone} ms)`);
  });

  test('SIGTERM of one node: no gap at the others; its clients reconnect elsewhere and resume', async (t) => {
    const victim = nodes.find((n) => n !== idle);
    const result = await stopOneMidStream(victim, (n) => n.stop());
    t.diagnostic(`SIGTERM: ${result.events} events; longest wait at the other nodes' sessions ${result.survivors} ms; `
      + `until every client of every node had all events again ${result.everyone} ms`);
    console.log(`serve-anywhere failover, SIGTERM: other nodes' sessions ${result.survivors} ms, every client `
      + `${result.everyone} ms`);
    assert.ok(result.survivors < 5_000, `the other nodes' sessions saw no gap (${result.survivors} ms)`);
    assert.ok(result.everyone < 15_000, `every client had every event again within 15 s (${result.everyone} ms)`);
    // the contact session on the idle node lived through both stops
    await allHave([contactSession], contactEvents, 5_000, 'the contact session\'s events');
  });
});
