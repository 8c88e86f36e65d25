import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryCgroupOf, oomKillCount } from './oom-watcher.js';

test('the oom_kill count of memory.oom_control (v1) and memory.events (v2)', () => {
  assert.equal(oomKillCount('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n'), 2);
  assert.equal(oomKillCount('low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n'), 1);
  assert.equal(oomKillCount('oom_kill_disable 0\nunder_oom 0\n'), undefined);
});

test("this process's memory cgroup is the directory of its memory line (v1) or of its 0:: line (v2)", () => {
  const cg = memoryCgroupOf(process.pid);
  assert.ok(cg, 'a process on this host has a memory cgroup');
  assert.equal(cg.version, existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1);
  // the directory's own control files, not only a path that looks right
  assert.ok(existsSync(join(cg.dir, 'cgroup.procs')), `${cg.dir} is a cgroup`);
  assert.ok(readFileSync(join(cg.dir, 'cgroup.procs'), 'utf8').split('\n').includes(String(process.pid)), `${cg.dir} holds this process`);
});
