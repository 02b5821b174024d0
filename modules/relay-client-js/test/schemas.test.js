// The published JSON Schemas alone decide what is valid, for any JSON Schema 2020-12 validator: ajv in strict mode
// compiles every schema in schemas/ and gives every example in schemas/examples the verdict the relay gives
// (relay-core's NotificationExamplesTest runs the same files through the relay's validator).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';

const schemasDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schemas');
const NOTIFICATION = 'https://notify-relay.io/schemas/notification.schema.json';
const STRUCTURED = 'https://notify-relay.io/schemas/cloudevent-structured.schema.json';

function filesUnder(dir, suffix) {
  return readdirSync(dir, { recursive: true }).filter((f) => f.endsWith(suffix)).sort().map((f) => path.join(dir, f));
}

function loadAjv() {
  // format stays an annotation, as in 2020-12 and in the relay: no format is asserted on either side
  const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });
  const schemas = filesUnder(schemasDir, '.schema.json').map((file) => JSON.parse(readFileSync(file, 'utf8')));
  for (const schema of schemas) ajv.addSchema(schema);
  return { ajv, schemas };
}

/**
 * Reads an example as the relay does: exactly one JSON document (JSON.parse) whose objects have no duplicate member
 * names (I-JSON, RFC 7493: the relay refuses them, as two contactIds would make it and a front-end disagree on the
 * recipient). Returns the value, or the reason it is not such a document; schemas only see documents that are.
 */
function readDocument(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON: ${error.message}` };
  }
  const open = []; // per open bracket: the member names seen (object) or null (array)
  let previous = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const names = open.at(-1);
      if (names && (previous === '{' || previous === ',')) {
        const name = JSON.parse(text.slice(i, end + 1));
        if (names.has(name)) return { problem: `duplicate member name ${JSON.stringify(name)}` };
        names.add(name);
      }
      i = end;
    }
    if (!/\s/.test(c)) previous = c;
  }
  return { value };
}

test('every schema compiles with ajv 2020-12 in strict mode', () => {
  const { ajv, schemas } = loadAjv();
  assert.ok(schemas.length >= 16, `only ${schemas.length} schemas found in ${schemasDir}`);
  for (const schema of schemas) {
    assert.doesNotThrow(() => ajv.getSchema(schema.$id), `${schema.$id} does not compile in strict mode`);
  }
});

for (const [folder, schemaId, valid] of [
  ['valid', NOTIFICATION, true], ['invalid', NOTIFICATION, false],
  ['valid-structured', STRUCTURED, true], ['invalid-structured', STRUCTURED, false],
]) {
  test(`schemas/examples/${folder}: every file is ${valid ? 'accepted' : 'rejected'} by the schema alone`, () => {
    const validate = loadAjv().ajv.getSchema(schemaId);
    const files = filesUnder(path.join(schemasDir, 'examples', folder), '.json');
    assert.ok(files.length > 0, `no examples in ${folder}`);
    const wrong = [];
    for (const file of files) {
      const name = path.basename(file);
      const document = readDocument(readFileSync(file, 'utf8'));
      if (valid) {
        if (document.problem) wrong.push(`${name}: ${document.problem}`);
        else if (!validate(document.value)) wrong.push(`${name}: ${JSON.stringify(validate.errors)}`);
      } else if (!document.problem && validate(document.value)) {
        wrong.push(`${name}: accepted`);
      }
    }
    assert.deepEqual(wrong, [], `${folder}: ${wrong.length} of ${files.length} files get the wrong verdict`);
  });
}

test('the duplicate-name check of this test finds duplicates at any depth and nothing else', () => {
  assert.match(readDocument('{"a":{"b":1,"b":2}}').problem, /duplicate member name "b"/);
  assert.match(readDocument('{"a\\u0062":1,"ab":2}').problem, /duplicate member name "ab"/);
  assert.equal(readDocument('{"a":["a","a"],"b":{"a":"a"}}').problem, undefined);
});
