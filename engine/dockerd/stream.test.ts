import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frame, unframe, STDERR, STDOUT } from './stream.js';

test('frames carry the stream id and a big-endian length', () => {
  const f = frame(STDOUT, Buffer.from('hello\n'));
  assert.deepEqual([...f.subarray(0, 8)], [1, 0, 0, 0, 0, 0, 0, 6]);
  const both = Buffer.concat([f, frame(STDERR, Buffer.from('oops'))]);
  const out = [...unframe(both)].map((x) => [x.stream, x.payload.toString()]);
  assert.deepEqual(out, [[1, 'hello\n'], [2, 'oops']]);
});
