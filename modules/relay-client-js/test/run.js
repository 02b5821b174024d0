// npm test: starts one Kafka broker for every test file, runs `node --test` on the files (all of test/*.test.js
// unless some are named), then stops the broker. The test runner's summary is the last thing printed.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const files = process.argv.slice(2).length > 0
  ? process.argv.slice(2)
  : readdirSync(here).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join('test', f));

const started = Date.now();
let broker;
try {
  broker = await startBroker();
} catch (error) {
  console.error(`relay-client-js tests: could not start the Kafka broker: ${error.message}`);
  process.exit(1);
}
console.log(`relay-client-js tests: Kafka broker at ${broker.bootstrap} (started in ${Date.now() - started} ms)`);

const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  cwd: path.resolve(here, '..'),
  env: { ...process.env, NOTIFY_RELAY_TEST_BOOTSTRAP: broker.bootstrap },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code = await new Promise((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
// the broker's output is captured, not printed: the runner's summary lines stay the last output
await broker.stop();
process.exit(code);
