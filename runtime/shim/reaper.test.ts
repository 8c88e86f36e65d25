// The reaper against the kernel: as a child subreaper, this test process adopts orphans the way the
// shim adopts a container's PID 1 after runc exits, while child_process keeps its own children.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { eventually } from '../../lib/eventually.js';
import { readProcess } from '../../lib/proc.js';
import { Reaper } from './reaper.js';
import { exitStatusOf, setChildSubreaper } from '../../lib/libc.js';

test('wait statuses decode to exit codes and 128+signal', () => {
  assert.equal(exitStatusOf(3 << 8), 3);
  assert.equal(exitStatusOf(9), 137);
  assert.equal(exitStatusOf(15), 143);
  assert.equal(exitStatusOf(0), 0);
});

/** Start `sh -c '<cmd> & echo $!'`: the shell exits, its background job is orphaned to us. */
function orphan(cmd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', `${cmd} >/dev/null 2>&1 & echo $!`], (err, out) => (err ? reject(err) : resolve(Number(out.trim()))));
  });
}

test('adopted orphans are reaped with their status; child_process keeps its exit events', { skip: process.platform !== 'linux' }, async () => {
  setChildSubreaper();
  const reaper = new Reaper();
  try {
    const exits = new Map<number, number>();
    // as the shim does around `runc create`: no stray reaping until the pids are adopted
    const release = reaper.hold();
    // Exits before we adopt it. Not `true`: it could exit while its shell still runs, and the shell
    // may reap a finished background job itself; `sleep 0.05` outlives the shell, so its zombie is ours.
    const quick = await orphan('sleep 0.05');
    await eventually(`pid ${quick} to exit`, () => readProcess(quick)?.state === 'Z', 5000, 10);
    const coded = await orphan("sh -c 'sleep 0.2; exit 7'");
    const killed = await orphan('sleep 30');
    const done = Promise.all(
      [quick, coded, killed].map((pid) => new Promise<void>((resolve) => reaper.adopt(pid, (s) => (exits.set(pid, s), resolve())))),
    );
    release();
    // a child of libuv's, running while the reaper works, must still get its 'exit'
    const own = spawn('sh', ['-c', 'sleep 0.3; exit 5']);
    const ownExit = new Promise<number | null>((resolve) => own.on('exit', resolve));
    process.kill(killed, 'SIGKILL');
    await done;
    assert.equal(exits.get(quick), 0);
    assert.equal(exits.get(coded), 7);
    assert.equal(exits.get(killed), 137);
    assert.equal(await ownExit, 5);
  } finally {
    reaper.close();
  }
});

test('pids that would make waitpid wait for a process group are refused', () => {
  const reaper = new Reaper();
  try {
    assert.throws(() => reaper.adopt(0, () => {}), /cannot adopt pid 0/);
    assert.throws(() => reaper.adopt(-1, () => {}), /cannot adopt/);
  } finally {
    reaper.close();
  }
});
