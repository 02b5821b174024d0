// Real parts for the tests: a Kafka broker (the repo's embedded KRaft broker), relay nodes as separate Java
// processes configured like an operator would (RELAY_* variables), tokens signed like the relay expects, and a
// kafkajs producer that writes the envelope exactly as schemas/README.md describes.
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

const { Kafka, logLevel, Partitioners } = kafkajs;

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SECRET = 'js-client-test-secret-0123456789abcdefghij';
export const PARTITIONS = 6;
const VERSION = '0.1.0-SNAPSHOT';
const JVM_FLAGS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xss512k', '-XX:-UsePerfData'];

const children = new Set();
process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

function classpath(module) {
  const target = path.join(REPO_ROOT, 'modules', module, 'target');
  const jar = path.join(target, `${module}-${VERSION}.jar`);
  if (!existsSync(jar)) {
    throw new Error(`${jar} is missing: build first with (cd ${REPO_ROOT} && mvn -q -B -DskipTests install)`);
  }
  return `${jar}${path.delimiter}${path.join(target, 'lib', '*')}`;
}

/** Polls `condition` until it returns a truthy value (returned) or the deadline passes (throws). */
export async function waitFor(condition, { timeoutMs = 30_000, intervalMs = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await condition();
      if (value) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}${lastError ? ` (last error: ${lastError.message})` : ''}`);
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A child JVM whose output is kept (shown when a test fails) and that dies with the test process. */
class JavaProcess {
  constructor(name, args, env) {
    this.name = name;
    this.output = [];
    const childEnv = { ...process.env, ...env };
    Object.keys(childEnv).filter((key) => childEnv[key] === undefined).forEach((key) => delete childEnv[key]);
    this.proc = spawn('java', [...JVM_FLAGS, ...args], {
      cwd: REPO_ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(this.proc);
    // a test process must be able to end while a child still runs: the exit hook above kills it then
    this.proc.unref();
    this.proc.stdout.unref();
    this.proc.stderr.unref();
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        children.delete(this.proc);
        this.exitCode = code ?? signal;
        resolve(this.exitCode);
      });
    });
    const keep = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() !== '') {
          this.output.push(line);
        }
      }
      if (this.output.length > 2000) {
        this.output.splice(0, this.output.length - 2000);
      }
    };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
  }

  get alive() {
    return this.exitCode === undefined;
  }

  log(lines = 40) {
    return `--- last output of ${this.name} ---\n${this.output.slice(-lines).join('\n')}`;
  }

  async waitForLine(pattern, timeoutMs) {
    return waitFor(() => {
      if (!this.alive) {
        throw new Error(`${this.name} exited (${this.exitCode})\n${this.log()}`);
      }
      return this.output.find((line) => pattern.test(line));
    }, { timeoutMs, message: `${this.name} to print ${pattern}` }).catch((error) => {
      throw new Error(`${error.message}\n${this.log()}`);
    });
  }

  /** SIGTERM (graceful: the relay hands its sessions over), then SIGKILL if it does not exit in time. */
  async stop(timeoutMs = 20_000) {
    if (!this.alive) {
      return this.exitCode;
    }
    this.proc.ref(); // keep the test process alive until the exit is seen
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: the node dies without a word, as in a crash. */
  async kill() {
    if (this.alive) {
      this.proc.ref();
      this.proc.kill('SIGKILL');
    }
    return this.exited;
  }
}

/** The repo's single-node KRaft broker (io.notifyrelay.testkit.DevKafkaBroker) on a free port. */
export async function startBroker() {
  const port = await freePort();
  const broker = new JavaProcess('kafka broker', ['-cp', classpath('relay-dev'),
    'io.notifyrelay.testkit.DevKafkaBroker', '--port', String(port)], {});
  await broker.waitForLine(/Kafka backend:/, 90_000);
  broker.bootstrap = `127.0.0.1:${port}`;
  return broker;
}

/**
 * The broker of this test run (test/run.js starts one for all files), or else one of this file's own, started
 * once and stopped when the file's tests are done (or the process exits).
 */
let ownBroker = null;
export async function testBroker() {
  if (process.env.NOTIFY_RELAY_TEST_BOOTSTRAP) {
    return { bootstrap: process.env.NOTIFY_RELAY_TEST_BOOTSTRAP };
  }
  ownBroker ??= startBroker();
  return ownBroker;
}

export function uniqueName(prefix) {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * A relay node as a separate process: io.notifyrelay.app.Main with RELAY_* variables, on a free port;
 * resolves once GET /health/ready says UP.
 */
export async function startRelay({ bootstrap, topic, group, mode = 'group', env = {}, main = 'io.notifyrelay.app.Main',
  module = 'relay-app', port: fixedPort, readyTimeoutMs = 90_000, shippedDefaults = false }) {
  const port = fixedPort ?? await freePort();
  const nodeId = uniqueName('node');
  // shippedDefaults: only what a node cannot run without (where Kafka is, its port, its secret), nothing tuned
  const tuned = shippedDefaults ? {} : {
    RELAY_MODE: mode,
    // each test has its own topic: start from its beginning, so a partition that changes hands is never skipped
    RELAY_KAFKA_PROPERTY_AUTO_OFFSET_RESET: 'earliest',
    // a killed node is noticed in seconds (6 s is the relay's default too; the heartbeat is shorter)
    RELAY_KAFKA_PROPERTY_SESSION_TIMEOUT_MS: '6000',
    RELAY_KAFKA_PROPERTY_HEARTBEAT_INTERVAL_MS: '1000',
  };
  const relay = new JavaProcess(`relay ${nodeId}`, ['-cp', classpath(module), main], {
    RELAY_KAFKA_BOOTSTRAP_SERVERS: bootstrap,
    RELAY_TOPIC: topic,
    RELAY_GROUP_ID: group,
    RELAY_HTTP_HOST: '127.0.0.1',
    RELAY_HTTP_PORT: String(port),
    RELAY_JWT_SECRET: SECRET,
    RELAY_NODE_ID: nodeId,
    ...tuned,
    ...env,
  });
  relay.nodeId = nodeId;
  relay.port = port;
  relay.httpUrl = `http://127.0.0.1:${port}`;
  relay.wsUrl = `ws://127.0.0.1:${port}/v1/ws`;
  try {
    await waitFor(async () => {
      if (!relay.alive) {
        throw new Error(`exited with ${relay.exitCode}`);
      }
      const response = await fetch(`${relay.httpUrl}/health/ready`);
      return response.status === 200;
    }, { timeoutMs: readyTimeoutMs, intervalMs: 100, message: `${relay.name} to be ready` });
  } catch (error) {
    await relay.kill();
    throw new Error(`${error.message}\n${relay.log()}`);
  }
  return relay;
}

export async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`GET ${url}: ${response.status}`);
  }
  return response.json();
}

/** Partitions a node consumes right now, as its /health/ready reports them. */
export async function partitionsOf(relay) {
  const response = await fetch(`${relay.httpUrl}/health/ready`);
  return (await response.json()).partitions ?? [];
}

/** Waits until the nodes share every partition (each owned exactly once) and every node's routes agree. */
export async function awaitStableRoutes(relays, partitionCount = PARTITIONS, timeoutMs = 60_000) {
  await waitFor(async () => {
    const owners = new Map();
    for (const relay of relays) {
      for (const partition of await partitionsOf(relay)) {
        if (owners.has(partition)) {
          return false;
        }
        owners.set(partition, relay.wsUrl);
      }
    }
    if (owners.size !== partitionCount) {
      return false;
    }
    for (const relay of relays) {
      const routes = await getJson(`${relay.httpUrl}/v1/routes`);
      if (!routes.partitions.every((p) => p.owner === owners.get(p.partition))) {
        return false;
      }
    }
    return true;
  }, { timeoutMs, intervalMs: 200, message: 'the nodes to share the partitions and agree on the routes' });
}

/** An HS256 JWT as the relay verifies it: claims lob, contacts (optional), iat, exp. */
export function token({ lob, contacts, ttlSeconds = 3600, secret = SECRET }) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { lob, iat: now, exp: now + ttlSeconds };
  if (contacts) {
    claims.contacts = contacts;
  }
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export function kafka(bootstrap) {
  return new Kafka({ clientId: 'relay-client-js-tests', brokers: [bootstrap], logLevel: logLevel.ERROR,
    retry: { retries: 8, initialRetryTime: 100 } });
}

export async function createTopic(bootstrap, topic, partitions = PARTITIONS) {
  const admin = kafka(bootstrap).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

const CE_TYPES = {
  CONNECTION_RESPONSE: 'notify.connection-response',
  ISSUANCE_RESPONSE: 'notify.issuance-response',
  VERIFICATION_RESPONSE: 'notify.verification-response',
};

/**
 * A kafkajs producer writing the binary-mode envelope: key = contactId, ce_* headers, the notification as the
 * value. kafkajs' default partitioner is murmur2, like the Java client, so contacts land where the relay expects.
 */
export async function publisher(bootstrap, topic) {
  const producer = kafka(bootstrap).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    async publish(lob, contactId, notification, id = randomUUID()) {
      const [meta] = await producer.send({
        topic,
        acks: -1,
        messages: [{
          key: contactId,
          value: JSON.stringify(notification),
          headers: {
            ce_specversion: '1.0',
            ce_id: id,
            ce_source: 'urn:notify-api',
            ce_type: CE_TYPES[notification.payloadType],
            ce_time: new Date().toISOString(),
            ce_lobid: lob,
            'content-type': 'application/json',
          },
        }],
      });
      return { id, contactId, partition: meta.partition, offset: Number(meta.baseOffset) };
    },
    close: () => producer.disconnect(),
  };
}

export const notifications = {
  connection(contactId, state = 'accepted-invitation') {
    return { payloadType: 'CONNECTION_RESPONSE', payload: { contactId, state, message: `state ${state}` } };
  },
  issuance(contactId, state = 'credential-issued') {
    return {
      payloadType: 'ISSUANCE_RESPONSE',
      payload: {
        credOfferId: `offer-${randomUUID().slice(0, 8)}`,
        credentialStatus: state,
        // as the spec shows it: the contact serialized into a string
        contactDetail: JSON.stringify({ contactId, givenName: 'Alice Agent', email: null, phone: null, logo: null,
          state: 'active', createdAt: '2025-04-02T13:57:47.124Z', updatedAt: '2025-04-02T13:59:13.931Z' }),
      },
    };
  },
  verification(contactId, state = 'success', verified = 'true') {
    return {
      payloadType: 'VERIFICATION_RESPONSE',
      payload: {
        credProofId: `proof-${randomUUID().slice(0, 8)}`,
        proofRequestStatus: state,
        contactDetail: { contactId, givenName: 'Alice Agent' },
        ledgerName: 'bcCovrinTest',
      },
      verified,
    };
  },
};

/** Contact ids that land on each of the given partitions (murmur2, as the producer places them). */
export async function contactsOnPartitions(partitions, partitionCount = PARTITIONS) {
  const { partitionOf } = await import('../src/index.js');
  const wanted = new Set(partitions);
  const found = new Map();
  while (found.size < wanted.size) {
    const candidate = randomUUID();
    const partition = partitionOf(candidate, partitionCount);
    if (wanted.has(partition) && !found.has(partition)) {
      found.set(partition, candidate);
    }
  }
  return found;
}
