import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pauseContainer, refuseExecWhenPaused, restorePaused, thawAfterSignal, unpauseContainer } from './pause.js';
import type { Container } from './container-store.js';
import type { TaskService } from '../containerd/task-service.js';

function fixture() {
  const calls: string[] = [];
  const tasks = { pause: async (id: string) => void calls.push(`pause ${id}`), resume: async (id: string) => void calls.push(`resume ${id}`) } as unknown as TaskService;
  const c = { rec: { ID: 'c1', State: { Running: true, Paused: false, Status: 'running' } } } as unknown as Container;
  let saved = 0;
  return { c, calls, deps: { tasks: () => tasks, save: () => void saved++ }, saved: () => saved };
}

test('pause asks containerd to pause the task and records State.Paused; unpause undoes both', async () => {
  const f = fixture();
  await pauseContainer(f.deps, f.c);
  assert.deepEqual(f.calls, ['pause c1']);
  assert.equal(f.c.rec.State.Paused, true);
  assert.equal(f.c.rec.State.Status, 'paused');
  assert.equal(f.c.rec.State.Running, true);
  await unpauseContainer(f.deps, f.c);
  assert.deepEqual(f.calls, ['pause c1', 'resume c1']);
  assert.equal(f.c.rec.State.Status, 'running');
  assert.equal(f.saved(), 2);
});

test("pause and unpause refuse with dockerd's texts", async () => {
  const f = fixture();
  await assert.rejects(unpauseContainer(f.deps, f.c), { message: 'Container c1 is not paused' });
  await pauseContainer(f.deps, f.c);
  await assert.rejects(pauseContainer(f.deps, f.c), { message: 'Container c1 is already paused' });
  assert.throws(() => refuseExecWhenPaused(f.c, 'web'), { message: 'Container web is paused, unpause the container before exec' });
  f.c.rec.State = { ...f.c.rec.State, Running: false, Paused: false, Status: 'exited' };
  await assert.rejects(pauseContainer(f.deps, f.c), { message: 'Container c1 is not running' });
});

test('a signal to a paused container thaws it; a running one is left alone', async () => {
  const f = fixture();
  await thawAfterSignal(f.deps, f.c);
  assert.deepEqual(f.calls, []);
  await pauseContainer(f.deps, f.c);
  await thawAfterSignal(f.deps, f.c);
  assert.deepEqual(f.calls, ['pause c1', 'resume c1']);
  assert.equal(f.c.rec.State.Paused, false);
});

test("restore takes the paused state from containerd's task status", () => {
  const f = fixture();
  restorePaused(f.c, 'paused');
  assert.equal(f.c.rec.State.Status, 'paused');
  restorePaused(f.c, 'running');
  assert.equal(f.c.rec.State.Paused, false);
});
