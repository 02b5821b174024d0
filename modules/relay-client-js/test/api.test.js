// index.d.ts against the implementation: the names the package exports, the options the constructor reads and
// the client's public members are the same on both sides (the types' shapes are checked by types.test.js).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as api from '../src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const declarations = ts.createSourceFile('index.d.ts', readFileSync(path.join(root, 'index.d.ts'), 'utf8'),
  ts.ScriptTarget.Latest, true);

const exported = (node) => ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export;
const sorted = (names) => [...new Set(names)].sort();

function declaredValues() {
  const names = [];
  for (const statement of declarations.statements) {
    if (ts.isVariableStatement(statement) && exported(statement)) {
      statement.declarationList.declarations.forEach((d) => names.push(d.name.getText()));
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && exported(statement)) {
      names.push(statement.name.getText());
    } else if (ts.isExportAssignment(statement)) {
      names.push('default');
    }
  }
  return sorted(names);
}

function declared(kind, name) {
  const found = declarations.statements.find((s) => kind(s) && s.name?.getText() === name);
  assert.ok(found, `index.d.ts declares ${name}`);
  return found;
}

test('index.d.ts declares exactly the values src/index.js exports', () => {
  assert.deepEqual(declaredValues(), sorted(Object.keys(api)));
  assert.equal(api.default, api.NotifyRelayClient);
});

test('ClientOptions lists exactly the options the constructor reads', () => {
  const options = declared(ts.isInterfaceDeclaration, 'ClientOptions').members.map((m) => m.name.getText());
  const source = api.NotifyRelayClient.toString();
  const start = source.indexOf('constructor(options');
  const body = source.slice(start, source.indexOf('\n  }\n', start));
  const read = [...body.matchAll(/options\??\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]);
  assert.ok(read.length > 0, 'the constructor reads options');
  assert.deepEqual(sorted(options), sorted(read));
});

test('the declared NotifyRelayClient has the public members of the implementation', () => {
  const members = declared(ts.isClassDeclaration, 'NotifyRelayClient').members
    .filter((m) => m.name && !ts.isConstructorDeclaration(m)).map((m) => m.name.getText());
  const implemented = Object.getOwnPropertyNames(api.NotifyRelayClient.prototype)
    .filter((name) => name !== 'constructor' && !name.startsWith('_'));
  assert.deepEqual(sorted(members), sorted(implemented));
});
