import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowSize } from './terminal.js';

test('h and w are read as dockerd reads them; a missing one is 0, a bad one is a 400', () => {
  assert.deepEqual(windowSize(new URLSearchParams('h=45&w=123')), { height: 45, width: 123 });
  assert.deepEqual(windowSize(new URLSearchParams('w=80')), { height: 0, width: 80 });
  assert.throws(() => windowSize(new URLSearchParams('h=x&w=1')), { message: 'strconv.Atoi: parsing "x": invalid syntax', statusCode: 400 } as object);
});
