import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, throughout } from './eventually.js';

test('eventually returns the first truthy look and names what it waited for when it gives up', async () => {
  let n = 0;
  assert.equal(await eventually('three looks', () => (++n >= 3 ? n : false), 2000, 5), 3);
  await assert.rejects(eventually('never', () => false, 50, 5), /gave up after 50 ms waiting for never/);
});

test('throughout looks for the whole time and fails at the first look that does not hold', async () => {
  let looks = 0;
  const t0 = Date.now();
  assert.equal(await throughout(() => ++looks, 120, 20), looks);
  assert.ok(Date.now() - t0 >= 120 && looks >= 3, `held for ${Date.now() - t0} ms in ${looks} looks`);
  let n = 0;
  const start = Date.now();
  await assert.rejects(throughout(() => { if (++n === 2) throw new Error('changed at look 2'); }, 5000, 10), /changed at look 2/);
  assert.ok(Date.now() - start < 1000, 'fails at once, not at the end');
});
