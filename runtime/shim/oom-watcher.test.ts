import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryCgroupOf, oomKillCount } from './oom-watcher.js';

test('the oom_kill count of memory.oom_control (v1) and memory.events (v2)', () => {
  assert.equal(oomKillCount('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n'), 2);
  assert.equal(oomKillCount('low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n'), 1);
  assert.equal(oomKillCount('oom_kill_disable 0\nunder_oom 0\n'), undefined);
});

test("this process's memory cgroup is found under the cgroup root", () => {
  const root = mkdtempSync(join(tmpdir(), 'oom-'));
  try {
    const cg = memoryCgroupOf(process.pid, root);
    // a cgroup v1 memory line, or cgroup v2 only when the fake root says so (it does not)
    if (cg) {
      assert.equal(cg.version, 1);
      assert.ok(cg.dir.startsWith(join(root, 'memory')));
    }
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'cgroup.controllers'), 'memory\n');
    assert.ok(memoryCgroupOf(process.pid, root));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
