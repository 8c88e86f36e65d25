import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupDirsFrom, cgroupLines, cgroupMounts, removeCgroupTree } from './cgroup-dirs.js';

// A hybrid host as the suite's machine has it, seen from inside a cgroup namespace whose memory
// hierarchy is mounted from /docker/abc: paths in /proc/<pid>/cgroup are relative to that root.
const MOUNTINFO = [
  '25 22 0:23 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
  '26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate',
  '30 25 0:26 /docker/abc /sys/fs/cgroup/memory rw,nosuid shared:14 - cgroup cgroup rw,memory',
  '31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
  '32 25 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd',
].join('\n');

test('cgroup mounts and /proc/<pid>/cgroup lines give each controller its directory; v2 under ""', () => {
  const mounts = cgroupMounts(MOUNTINFO);
  assert.deepEqual(mounts.map((m) => [m.mountPoint, m.version]), [
    ['/sys/fs/cgroup/unified', 2], ['/sys/fs/cgroup/memory', 1], ['/sys/fs/cgroup/cpu,cpuacct', 1], ['/sys/fs/cgroup/systemd', 1],
  ]);
  const own = '12:memory:/docker/abc/p/c1\n3:cpu,cpuacct:/p/c1\n1:name=systemd:/\n0::/p/c1\n';
  assert.deepEqual(cgroupLines(own)[3], { hierarchyId: 0, controllers: '', path: '/p/c1' });
  assert.deepEqual(Object.fromEntries(cgroupDirsFrom(own, mounts)), {
    memory: '/sys/fs/cgroup/memory/p/c1',
    cpu: '/sys/fs/cgroup/cpu,cpuacct/p/c1',
    cpuacct: '/sys/fs/cgroup/cpu,cpuacct/p/c1',
    'name=systemd': '/sys/fs/cgroup/systemd',
    '': '/sys/fs/cgroup/unified/p/c1',
  });
});

test('removal takes the cgroups a container made inside its own first', () => {
  const root = mkdtempSync(join(tmpdir(), 'cgroup-dirs-'));
  try {
    const dir = join(root, 'c');
    mkdirSync(join(dir, 'init.scope', 'deeper'), { recursive: true });
    mkdirSync(join(dir, 'other'));
    removeCgroupTree(dir);
    assert.equal(existsSync(dir), false);
    assert.throws(() => removeCgroupTree(dir), { code: 'ENOENT' });
  } finally {
    rmSync(root, { recursive: true });
  }
});
