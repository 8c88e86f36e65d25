import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pollUntil, pollUntilSync } from './poll.js';

test('pollUntil: true once the check holds, false after the deadline, and a throw stops it', async () => {
  let calls = 0;
  assert.equal(await pollUntil(() => ++calls === 3, { timeoutMs: 1000, intervalMs: 1 }), true);
  assert.equal(calls, 3);
  const t0 = Date.now();
  assert.equal(await pollUntil(() => false, { timeoutMs: 50, intervalMs: 5 }), false);
  assert.ok(Date.now() - t0 >= 50, 'it waited the whole deadline');
  await assert.rejects(pollUntil(() => { throw new Error('gone'); }, { timeoutMs: 1000, intervalMs: 1 }), /gone/);
});

test('pollUntilSync: the same answers, sleeping with the given sleep', () => {
  const slept: number[] = [];
  let calls = 0;
  assert.equal(pollUntilSync(() => ++calls === 3, { timeoutMs: 1000, intervalMs: 7, sleep: (ms) => slept.push(ms) }), true);
  assert.deepEqual(slept, [7, 7]);
  const t0 = Date.now();
  assert.equal(pollUntilSync(() => false, { timeoutMs: 30, intervalMs: 2 }), false);
  assert.ok(Date.now() - t0 >= 30);
});
