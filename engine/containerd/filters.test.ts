import test from 'node:test';
import assert from 'node:assert/strict';
import { matches, parseFilter, parseFilters } from './filters.js';

const envelope = (ns: string, topic: string) => (p: string[]) => (p[0] === 'namespace' ? ns : p[0] === 'topic' ? topic : undefined);

test("dockerd's event filter: namespace and a topic regular expression between bars", () => {
  const f = parseFilters(['namespace==moby,topic~=|^/tasks/|']);
  assert.equal(matches(f, envelope('moby', '/tasks/exit')), true);
  assert.equal(matches(f, envelope('plugins.moby', '/tasks/exit')), false);
  assert.equal(matches(f, envelope('moby', '/containers/create')), false);
});

test('several filters: any may match; none matches all', () => {
  const f = parseFilters(['topic=="/a"', 'topic=="/b"']);
  assert.equal(matches(f, envelope('x', '/b')), true);
  assert.equal(matches(f, envelope('x', '/c')), false);
  assert.equal(matches(parseFilters([]), envelope('x', '/c')), true);
});

test('quoted label keys, != and bare presence', () => {
  const sel = parseFilter('labels."com.docker/engine.bundle.path"!=|/x|,id');
  assert.deepEqual(sel[0]!.path, ['labels', 'com.docker/engine.bundle.path']);
  assert.equal(sel[0]!.op, '!=');
  assert.deepEqual(sel[1], { path: ['id'] });
});

test('a broken filter is an invalid argument', () => {
  assert.throws(() => parseFilter('topic~=|^/tasks/'), /unterminated.*invalid argument/);
  assert.throws(() => parseFilter('topic==a;b==c'), /invalid argument/);
});
