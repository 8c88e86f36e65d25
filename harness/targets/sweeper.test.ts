// Directories all engines share (/run/containerd/s) go only when nothing of another engine is in them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { threadId } from 'node:worker_threads';
import { cgroupParentDirs, orphaned, removeIfEmpty } from './sweeper.js';
import { cgroupMounts } from '../../lib/cgroup-dirs.js';

test('shared directories are removed when empty, deepest first, and kept while another engine uses them', () => {
  const root = mkdtempSync(join(tmpdir(), 'dsp-shared-'));
  try {
    const s = join(root, 'containerd', 's');
    const plugins = join(root, 'docker', 'plugins');
    mkdirSync(s, { recursive: true });
    mkdirSync(plugins, { recursive: true });
    writeFileSync(join(s, 'another-engines-shim'), '');
    removeIfEmpty([s, join(root, 'containerd'), plugins, join(root, 'docker'), join(root, 'not-there')]);
    assert.ok(existsSync(join(s, 'another-engines-shim')), 'a busy directory stays');
    assert.ok(!existsSync(join(root, 'docker')), 'empty ones go, parents after children');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an engine is orphaned when its owner process is gone or is this worker, not when a sibling worker thread of this process owns it', () => {
  const gone = spawnSync('true').pid!;
  assert.equal(orphaned({ ownerPid: gone }), true);
  assert.equal(orphaned({ ownerPid: process.pid, ownerThread: threadId }), true);
  assert.equal(orphaned({ ownerPid: process.pid, ownerThread: threadId + 1 }), false);
  // a record written before owners named their thread
  assert.equal(orphaned({ ownerPid: process.pid }), true);
  assert.equal(orphaned({ ownerPid: process.ppid, ownerThread: threadId }), false);
});

test('a cgroup parent is looked for where mountinfo says each hierarchy is mounted, not at /sys/fs/cgroup/<controllers>', () => {
  // A host that mounts v1 hierarchies elsewhere and joins cpu with cpuacct; memory nested under a daemon's cgroup.
  const mounts = cgroupMounts([
    '30 25 0:26 / /run/cg/mem rw - cgroup cgroup rw,memory',
    '31 25 0:27 / /run/cg/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
    '32 25 0:28 / /run/cg/systemd rw - cgroup cgroup rw,xattr,name=systemd',
    '33 25 0:29 / /run/cg/unified rw - cgroup2 cgroup2 rw',
  ].join('\n'));
  const self = ['4:memory:/daemon', '3:cpu,cpuacct:/', '2:name=systemd:/', '0::/'].join('\n');
  assert.deepEqual(cgroupParentDirs('dsp-p', self, mounts).sort(), [
    '/run/cg/cpu,cpuacct/dsp-p',
    '/run/cg/mem/daemon/dsp-p',
    '/run/cg/mem/dsp-p',
    '/run/cg/systemd/dsp-p',
    '/run/cg/unified/dsp-p',
  ]);
  // cgroup v2 alone: below our cgroup, at the root, and below our cgroup's parent (where runc puts a relative path)
  const v2 = cgroupMounts('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate');
  assert.deepEqual(cgroupParentDirs('dsp-p', '0::/user.slice/s.scope', v2).sort(), [
    '/sys/fs/cgroup/dsp-p',
    '/sys/fs/cgroup/user.slice/dsp-p',
    '/sys/fs/cgroup/user.slice/s.scope/dsp-p',
  ]);
  assert.deepEqual(cgroupParentDirs('dsp-p', '0::/', v2), ['/sys/fs/cgroup/dsp-p']);
});
