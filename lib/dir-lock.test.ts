import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { lockOwner, tryLock, unlock } from './dir-lock.js';

/** A pid that no process holds any more: a child that has exited and been reaped. */
function deadPid(): number {
  return Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$"'], { encoding: 'utf8' }).trim());
}

/** A directory of its own, removed after the test, also when it fails. */
function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'dir-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function staleLock(lock: string): void {
  mkdirSync(lock);
  writeFileSync(join(lock, 'owner'), String(deadPid()));
}

test('a free lock is taken once; a live owner keeps it; unlock frees it', (t) => {
  const dir = tempDir(t);
  const lock = join(dir, 'l');
  assert.equal(tryLock(lock), true);
  assert.equal(lockOwner(lock), process.pid);
  assert.equal(tryLock(lock), false, 'held by a live process (this one)');
  unlock(lock);
  assert.equal(tryLock(lock), true);
});

test('a lock of a dead owner is taken over; one being made (no owner yet) is not', (t) => {
  const dir = tempDir(t);
  const lock = join(dir, 'l');
  staleLock(lock);
  assert.equal(tryLock(lock), true);
  assert.equal(lockOwner(lock), process.pid);
  assert.deepEqual(readdirSync(dir), ['l'], 'no takeover guard left behind');
  const making = join(dir, 'm');
  mkdirSync(making);
  assert.equal(tryLock(making), false);
});

// Each round: a stale lock and four threads released at the same instant, all calling tryLock.
const TAKER = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.module).then(({ tryLock }) => {
  const flag = new Int32Array(workerData.flag);
  Atomics.add(flag, 1, 1);
  Atomics.wait(flag, 0, 0);
  parentPort.postMessage(tryLock(workerData.lock));
});
`;

test('two or more takers of a stale lock: exactly one wins', async (t) => {
  const dir = tempDir(t);
  const module = new URL('./dir-lock.js', import.meta.url).href;
  for (let round = 0; round < 25; round++) {
    const lock = join(dir, `l${round}`);
    staleLock(lock);
    const flag = new SharedArrayBuffer(8);
    const view = new Int32Array(flag);
    const workers = Array.from({ length: 4 }, () => new Worker(TAKER, { eval: true, workerData: { module, flag, lock } }));
    const results = workers.map((w) => new Promise<boolean>((resolve, reject) => w.once('message', resolve).once('error', reject)));
    while (Atomics.load(view, 1) < workers.length) await new Promise((r) => setTimeout(r, 1));
    Atomics.store(view, 0, 1);
    Atomics.notify(view, 0);
    const won = (await Promise.all(results)).filter(Boolean).length;
    await Promise.all(workers.map((w) => w.terminate()));
    assert.equal(won, 1, `round ${round}: ${won} takers won`);
    assert.equal(lockOwner(lock), process.pid);
  }
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.takeover')).length, 0);
});
