// The TypeScript declarations (index.d.ts) compile under tsc --strict against real usage and reject wrong usage
// (@ts-expect-error): the API in general (DOM lib), and the WebSocket option with each WebSocket a user has.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function compile(tsconfig) {
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(here, 'types', tsconfig)], { encoding: 'utf8' });
  assert.equal(result.status, 0, `tsc -p ${tsconfig} failed:\n${result.stdout}${result.stderr}`);
}

test('index.d.ts types the client for TypeScript users', () => compile('tsconfig.json'));
test('the WebSocket option takes the ws package\'s WebSocket (Node 20, @types/ws, no DOM lib)', () => compile('tsconfig.ws.json'));
test('the WebSocket option takes the DOM\'s WebSocket (browsers)', () => compile('tsconfig.dom.json'));
test('the WebSocket option takes Node\'s own global WebSocket (Node >= 22, @types/node, no DOM lib)', () => compile('tsconfig.node.json'));
