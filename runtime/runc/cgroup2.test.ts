// The cgroup v2 files ref-runc writes, against a temporary directory laid out like a cgroup2
// mount (a root with cgroup.controllers). The kernel's own behaviour (which writes it refuses) is
// covered by the @isolation scenarios on a cgroup v2 host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  UNIFIED, applyUnifiedResources, createUnifiedPath, isUnifiedFrozen, ownUnifiedCgroup, setUnifiedFrozen,
  sharesToWeight, swapMax, unifiedDir,
} from './cgroup2.js';
import { DEFAULT_DEVICE_RULES, applyResources, setupCgroups } from './cgroups.js';
import { deviceFilter, deviceFilterArgs } from './device-filter.js';
import { createPlan } from './plan.js';
import type { OciSpec } from './spec.js';

function fakeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'cgroup2-'));
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  return root;
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

test('an absolute cgroupsPath is under the root; a relative one beside the runtime\'s own cgroup, as runc\'s fs2', () => {
  assert.equal(unifiedDir('/docker/abc', '/sys/fs/cgroup'), '/sys/fs/cgroup/docker/abc');
  assert.equal(unifiedDir('dockspec-1/abc', '/sys/fs/cgroup', '/system.slice/dockspec.service'), '/sys/fs/cgroup/system.slice/dockspec-1/abc');
  assert.equal(unifiedDir('dockspec-1/abc', '/sys/fs/cgroup', '/'), '/sys/fs/cgroup/dockspec-1/abc');
  assert.equal(ownUnifiedCgroup('0::/system.slice/x.service\n'), '/system.slice/x.service');
  assert.equal(ownUnifiedCgroup('12:memory:/a\n0::/\n'), '/');
});

test('every level above the container gets the root\'s controllers in subtree_control; the container\'s own does not', () => {
  const root = fakeRoot();
  try {
    const dir = join(root, 'system.slice', 'dockspec-1', 'abc');
    mkdirSync(join(root, 'system.slice'));
    const made = createUnifiedPath(dir, root);
    assert.deepEqual(made, [join(root, 'system.slice', 'dockspec-1'), dir]);
    const all = '+cpuset +cpu +io +memory +hugetlb +pids +rdma +misc';
    assert.equal(read(root, 'cgroup.subtree_control'), all);
    assert.equal(read(join(root, 'system.slice'), 'cgroup.subtree_control'), all);
    assert.equal(read(join(root, 'system.slice', 'dockspec-1'), 'cgroup.subtree_control'), all);
    assert.equal(existsSync(join(dir, 'cgroup.subtree_control')), false);
    assert.throws(() => createUnifiedPath(root, root), /invalid cgroup path/);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('docker run --memory 64m --pids-limit 20 --cpus 0.5 --cpu-shares 1024 as runc 1.1 writes them', () => {
  const root = fakeRoot();
  try {
    const dir = join(root, 'c');
    mkdirSync(dir);
    // dockerd sends memory.swap = 2 × memory when --memory-swap is not given
    applyUnifiedResources(dir, { memory: { limit: 67108864, swap: 134217728 }, pids: { limit: 20 }, cpu: { shares: 1024, quota: 50000, period: 100000 } });
    assert.equal(read(dir, 'memory.max'), '67108864');
    assert.equal(read(dir, 'memory.swap.max'), '67108864');
    assert.equal(read(dir, 'pids.max'), '20');
    assert.equal(read(dir, 'cpu.max'), '50000 100000');
    assert.equal(read(dir, 'cpu.weight'), '39');
    assert.equal(existsSync(join(dir, 'memory.low')), false);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('unlimited values are "max"; 0 means not set', () => {
  const root = fakeRoot();
  try {
    const dir = join(root, 'c');
    mkdirSync(dir);
    applyUnifiedResources(dir, { memory: { limit: -1 }, pids: { limit: -1 }, cpu: { quota: -1, period: 100000 } });
    assert.equal(read(dir, 'memory.max'), 'max');
    assert.equal(read(dir, 'memory.swap.max'), 'max');
    assert.equal(read(dir, 'pids.max'), 'max');
    assert.equal(read(dir, 'cpu.max'), 'max 100000');
    const empty = join(root, 'd');
    mkdirSync(empty);
    applyUnifiedResources(empty, { memory: { limit: 0 }, pids: { limit: 0 }, cpu: { shares: 0 } });
    assert.equal(existsSync(join(empty, 'memory.max')), false);
    assert.equal(existsSync(join(empty, 'pids.max')), false);
    assert.equal(existsSync(join(empty, 'cpu.weight')), false);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('cpu shares map onto cpu.weight as runc 1.1 maps them', () => {
  assert.equal(sharesToWeight(0), 0);
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(512), 20);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(262144), 10000);
});

test('memory.swap.max is the swap beyond memory, with runc\'s refusals', () => {
  assert.equal(swapMax(134217728, 67108864), '67108864');
  assert.equal(swapMax(67108864, 67108864), '0');
  assert.equal(swapMax(undefined, 67108864), undefined);
  assert.equal(swapMax(-1, 67108864), 'max');
  assert.throws(() => swapMax(1000, undefined), /unable to set swap limit without memory limit/);
  assert.throws(() => swapMax(1000, 2000), /memory\+swap limit should be >= memory limit/);
});

test('a limit file the kernel does not offer fails with the path, as runc says it', () => {
  const root = fakeRoot();
  try {
    assert.throws(() => applyUnifiedResources(join(root, 'gone'), { pids: { limit: 20 } }),
      (err: Error) => err.message === `failed to write "20": open ${join(root, 'gone', 'pids.max')}: no such file or directory`);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('setupCgroups on a cgroup2 root: one directory keyed "", limits in it, removed again on failure', () => {
  const root = fakeRoot();
  try {
    const dirs = setupCgroups('/docker/abc', { memory: { limit: 67108864 } }, root);
    assert.deepEqual(dirs, { [UNIFIED]: join(root, 'docker', 'abc') });
    assert.equal(read(dirs[UNIFIED], 'memory.max'), '67108864');
    applyResources(dirs, { pids: { limit: 30 } });
    assert.equal(read(dirs[UNIFIED], 'pids.max'), '30');
    assert.throws(() => setupCgroups('/docker/bad', { memory: { limit: 1, swap: -2 } }, root), /memory\+swap/);
    assert.equal(existsSync(join(root, 'docker', 'bad')), false);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('freeze writes cgroup.freeze and waits for cgroup.events to say frozen', () => {
  const root = fakeRoot();
  try {
    const dir = join(root, 'c');
    mkdirSync(dir);
    writeFileSync(join(dir, 'cgroup.events'), 'populated 1\nfrozen 0\n');
    let slept = 0;
    // the "kernel" finishes the freeze on the third look
    setUnifiedFrozen(dir, true, () => {
      if (++slept === 2) writeFileSync(join(dir, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    });
    assert.equal(read(dir, 'cgroup.freeze'), '1');
    assert.equal(isUnifiedFrozen(dir), true);
    assert.equal(slept, 2);
    assert.throws(() => setUnifiedFrozen(dir, false, () => {}, 30), /unable to thaw cgroup/);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test('Docker\'s device rules: deny all, then runc\'s defaults as exceptions', () => {
  const rules = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, ...DEFAULT_DEVICE_RULES];
  const f = deviceFilter(rules);
  assert.equal(f.defaultAllow, false);
  assert.equal(f.exceptions.length, 1 + DEFAULT_DEVICE_RULES.length);
  assert.deepEqual(f.exceptions[0], { type: 'c', major: 10, minor: 200, access: 'rwm' });
  assert.deepEqual(f.exceptions[1], { type: 'c', major: -1, minor: -1, access: 'm' });
  assert.deepEqual(deviceFilterArgs('/d', { defaultAllow: false, exceptions: [f.exceptions[0]] }),
    ['--device-cgroup', '/d', 'deny', '--device-exception', 'c', '10', '200', 'rwm']);
});

test('device rules follow v1\'s order: a later deny takes access away, allow-all empties the list', () => {
  const f = deviceFilter([
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'mwr' },
    { allow: false, type: 'c', major: 1, minor: 3, access: 'w' },
    { allow: true, type: 'b', major: 8, minor: 0, access: 'r' },
    { allow: false, type: 'b', major: 8, minor: 0, access: 'r' },
  ]);
  assert.deepEqual(f, { defaultAllow: false, exceptions: [{ type: 'c', major: 1, minor: 3, access: 'rm' }] });
  // --privileged: everything, the defaults change nothing
  assert.deepEqual(deviceFilter([{ allow: true, access: 'rwm' }, ...DEFAULT_DEVICE_RULES]), { defaultAllow: true, exceptions: [] });
  // no rules at all: only runc's defaults, as runc on v2
  assert.equal(deviceFilter(DEFAULT_DEVICE_RULES).defaultAllow, false);
});

test('the native stage gets a cgroup2 mount and the device program on v2, neither on v1', () => {
  const base = {
    id: 'c1', bundle: '/b', fifo: '/f', noPivot: false, hierarchies: [], cgroupPath: '/docker/c1', cgroupRoot: '/sys/fs/cgroup',
    spec: { process: { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 } }, linux: { resources: { devices: [{ allow: false, access: 'rwm' }] } } } as OciSpec,
  };
  const v2 = createPlan({ ...base, cgroupDirs: { [UNIFIED]: '/sys/fs/cgroup/docker/c1' } });
  const at = (flag: string) => v2.slice(v2.indexOf(flag), v2.indexOf(flag) + 3);
  assert.deepEqual(at('--cgroup2-mount'), ['--cgroup2-mount', '/sys/fs/cgroup/docker/c1', '--device-cgroup']);
  assert.deepEqual(at('--device-cgroup'), ['--device-cgroup', '/sys/fs/cgroup/docker/c1', 'deny']);
  assert.equal(v2.filter((a) => a === '--device-exception').length, DEFAULT_DEVICE_RULES.length);
  const v1 = createPlan({ ...base, cgroupDirs: { memory: '/sys/fs/cgroup/memory/docker/c1' } });
  assert.equal(v1.includes('--cgroup2-mount'), false);
  assert.equal(v1.includes('--device-cgroup'), false);
});
