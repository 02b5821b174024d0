// ResumePositions on its own (no relay): which cursors and `since` a subscribe carries to resume.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResumePositions } from '../src/cursors.js';

const cursor = (epoch, partition, offset) => Buffer.from(`c1:${epoch}:${partition}:${offset}`).toString('base64url');
const partitions = new Map([['alice', 0], ['bob', 1]]);
const positions = (since = null) => new ResumePositions((contactId) => partitions.get(contactId), since);

test('keeps the furthest cursor of each partition; a new epoch replaces it', () => {
  const resume = positions();
  resume.track(cursor('e1', 0, 10), 'alice', 'ws://a');
  resume.track(cursor('e1', 0, 7), 'alice', 'ws://a');
  resume.track(cursor('e1', 1, 3), 'bob', 'ws://a');
  assert.deepEqual(resume.cursors(), [cursor('e1', 0, 10), cursor('e1', 1, 3)]);
  resume.track(cursor('e2', 0, 1), 'alice', 'ws://b');
  assert.deepEqual(resume.cursors(), [cursor('e2', 0, 1), cursor('e1', 1, 3)]);
  resume.track('opaque-from-a-newer-relay', 'bob', 'ws://b');
  resume.track('another-one', null, 'ws://b');
  assert.deepEqual(resume.cursors(), [cursor('e2', 0, 1), 'opaque-from-a-newer-relay', 'another-one']);
});

test('a subscribe carries the cursors of its partitions, else since it was served (2 s early), else nothing', () => {
  const resume = positions();
  assert.deepEqual(resume.resumeFields(['alice'], [0]), {}, 'never served: starts live');
  resume.contactServed('alice', Date.parse('2026-01-01T00:00:10Z'));
  resume.contactServed('alice', Date.parse('2026-01-01T00:05:00Z')); // already served: the first time counts
  assert.deepEqual(resume.resumeFields(['alice'], [0]), { since: '2026-01-01T00:00:08.000Z' });
  resume.track(cursor('e1', 0, 4), 'alice', 'ws://a');
  assert.deepEqual(resume.resumeFields(['alice'], [0]), { cursors: [cursor('e1', 0, 4)] });
  resume.partitionServed(1, Date.parse('2026-01-01T00:01:00Z'));
  assert.deepEqual(resume.resumeFields(null, [0, 1]),
    { cursors: [cursor('e1', 0, 4)], since: '2026-01-01T00:00:58.000Z' });
  resume.forgetContact('bob');
  resume.forgetServed();
  assert.deepEqual(resume.resumeFields(['bob'], [1]), {}, 'unsubscribed, then subscribed again: starts live');
});

test('options.since applies only while nothing has been served', () => {
  const resume = positions('2026-01-01T00:00:00Z');
  assert.deepEqual(resume.resumeFields(null, [0, 1]), { since: '2026-01-01T00:00:00Z' });
  resume.partitionServed(0, Date.parse('2026-01-01T00:02:00Z'));
  assert.deepEqual(resume.resumeFields(['bob'], [1]), {});
});
