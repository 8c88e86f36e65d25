import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartManager, policyRestarts } from './restart-manager.js';
import { FAULTS_ENV } from '../../lib/faults.js';

const p = (Name: string, MaximumRetryCount = 0) => ({ Name, MaximumRetryCount });

test('which policy restarts after which exit', () => {
  assert.equal(policyRestarts(p('no'), 1, false, 0), false);
  assert.equal(policyRestarts(p(''), 1, false, 0), false);
  assert.equal(policyRestarts(p('always'), 0, true, 0), true);
  assert.equal(policyRestarts(p('unless-stopped'), 0, false, 0), true);
  assert.equal(policyRestarts(p('unless-stopped'), 0, true, 0), false);
  assert.equal(policyRestarts(p('on-failure'), 0, false, 0), false);
  assert.equal(policyRestarts(p('on-failure'), 137, false, 99), true);
  assert.equal(policyRestarts(p('on-failure', 2), 1, false, 1), true);
  assert.equal(policyRestarts(p('on-failure', 2), 1, false, 2), false);
});

test('the backoff: 100 ms, doubled up to a minute, back to 100 ms after a 10 s run', () => {
  const m = new RestartManager(p('always'));
  const delays: number[] = [];
  for (let i = 0; i < 12; i++) {
    const d = m.shouldRestart(0, false, 50);
    assert.ok(d !== undefined);
    delays.push(d);
  }
  assert.deepEqual(delays.slice(0, 4), [100, 200, 400, 800]);
  assert.equal(delays.at(-1), 60_000);
  assert.equal(m.shouldRestart(0, false, 10_000), 100);
});

test('on-failure:2 restarts twice; a cancelled manager never again', () => {
  const m = new RestartManager(p('on-failure', 2));
  assert.equal(m.shouldRestart(1, false, 0), 100);
  assert.equal(m.shouldRestart(1, false, 0), 200);
  assert.equal(m.shouldRestart(1, false, 0), undefined);
  const a = new RestartManager(p('always'));
  a.cancel();
  assert.equal(a.shouldRestart(1, false, 0), undefined);
});

test('a pending restart is called off by cancel, and its start never runs', async () => {
  const m = new RestartManager(p('always'));
  let started = false;
  let calledOff = false;
  m.schedule(20, () => (started = true), () => (calledOff = true));
  assert.equal(m.waiting, true);
  assert.equal(m.cancel(), true);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual({ started, calledOff }, { started: false, calledOff: true });
});

test('fault switch restart-policy-ignored: every policy is "no"', () => {
  process.env[FAULTS_ENV] = 'restart-policy-ignored';
  try {
    assert.equal(policyRestarts(p('always'), 1, false, 0), false);
  } finally {
    delete process.env[FAULTS_ENV];
  }
});
