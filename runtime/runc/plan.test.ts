import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlan, execPlan } from './plan.js';
import type { OciSpec } from './spec.js';

const spec: OciSpec = {
  ociVersion: '1.0.2-dev',
  process: {
    user: { uid: 0, gid: 0, additionalGids: [0] },
    args: ['/sbin/docker-init', '--', 'sleep', '100'],
    env: ['PATH=/usr/bin:/bin', 'HOSTNAME=h1'],
    cwd: '/',
    capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] },
  },
  root: { path: 'rootfs', readonly: true },
  hostname: 'h1',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
    { destination: '/sbin/docker-init', type: 'bind', source: '/usr/bin/docker-init', options: ['bind', 'ro'] },
  ],
  hooks: { prestart: [{ path: '/usr/bin/hook', args: ['hook', 'setkey'] }] },
  linux: {
    namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'network', path: '/run/netns/x' }],
    sysctl: { 'net.ipv4.ip_unprivileged_port_start': '0' },
    maskedPaths: ['/proc/kcore'],
    readonlyPaths: ['/proc/sys'],
  },
};

function plan(from: OciSpec = spec): string[] {
  return createPlan({
    id: 'c1',
    bundle: '/bundles/c1',
    spec: from,
    fifo: '/run/ref-runc/c1/exec.fifo',
    pidFile: '/bundles/c1/init.pid',
    noPivot: false,
    cgroupDirs: { memory: '/sys/fs/cgroup/memory/docker/c1' },
    hierarchies: [{ name: 'memory' }, { name: 'cpuacct', link: 'cpu,cpuacct' }],
    cgroupPath: '/docker/c1',
    cgroupRoot: '/sys/fs/cgroup',
  });
}

/** The values that follow each occurrence of an option in the plan. */
function values(args: string[], option: string, count: number): string[][] {
  const found: string[][] = [];
  args.forEach((arg, i) => {
    if (arg === option && args.indexOf('--') > i) found.push(args.slice(i + 1, i + 1 + count));
  });
  return found;
}

test('the rootfs is resolved against the bundle and namespaces are new or joined', () => {
  const args = plan();
  assert.deepEqual(values(args, '--rootfs', 1), [['/bundles/c1/rootfs']]);
  assert.ok(args.includes('--readonly-root'));
  assert.deepEqual(values(args, '--new-ns', 1), [['pid'], ['mount'], ['uts']]);
  assert.deepEqual(values(args, '--join-ns', 2), [['network', '/run/netns/x']]);
});

test('a tmpfs /dev gets the standard device nodes and links; binds keep ro for the remount', () => {
  const args = plan();
  assert.deepEqual(values(args, '--device', 7).map((d) => d[0]),
    ['/dev/null', '/dev/zero', '/dev/full', '/dev/tty', '/dev/urandom', '/dev/random']);
  assert.ok(values(args, '--symlink', 2).some(([target, path]) => target === 'pts/ptmx' && path === '/dev/ptmx'));
  const init = values(args, '--mount', 6).find((m) => m[1] === '/sbin/docker-init');
  assert.deepEqual(init, ['/usr/bin/docker-init', '/sbin/docker-init', 'bind', String(0x1000 | 0x1), '0', '']);
});

test('the cgroup view lists each hierarchy at the container path, and symlinks as links', () => {
  const args = plan();
  assert.deepEqual(values(args, '--cgroup-mount', 2), [['memory', '/sys/fs/cgroup/memory/docker/c1']]);
  assert.deepEqual(values(args, '--cgroup-link', 2), [['cpuacct', 'cpu,cpuacct']]);
});

test('hooks get the state around the pid, and the process comes last after --', () => {
  const args = plan();
  const [prefix] = values(args, '--state-prefix', 1)[0]!;
  const [suffix] = values(args, '--state-suffix', 1)[0]!;
  const state = JSON.parse(`${prefix}4242${suffix}`) as { id: string; pid: number; status: string; bundle: string };
  assert.deepEqual([state.id, state.pid, state.status, state.bundle], ['c1', 4242, 'creating', '/bundles/c1']);
  assert.deepEqual(values(args, '--hook', 5), [['/usr/bin/hook', '0', '2', 'hook', 'setkey']]);
  assert.deepEqual(args.slice(args.indexOf('--') + 1), ['/sbin/docker-init', '--', 'sleep', '100']);
  assert.deepEqual(values(args, '--caps', 5), [['0x20', '0x20', '0x20', '0x0', '0x0']]);
});

test('exec joins the init process namespaces by /proc path and falls back to the container caps', () => {
  const args = execPlan({
    pid: 77,
    namespaces: ['pid', 'mount', 'network'],
    cgroupDirs: { pids: '/sys/fs/cgroup/pids/docker/c1' },
    process: { user: { uid: 1000, gid: 1000 }, args: ['sh'], cwd: '/tmp' },
    containerCaps: { bounding: ['CAP_CHOWN'] },
    pidFile: '/b/exec.pid',
    detach: true,
  });
  assert.deepEqual(values(args, '--join-ns', 2), [['pid', '/proc/77/ns/pid'], ['mount', '/proc/77/ns/mnt'], ['network', '/proc/77/ns/net']]);
  assert.deepEqual(values(args, '--caps', 1), [['0x1']]);
  assert.ok(args.includes('--detach'));
  assert.deepEqual(values(args, '--uid', 1), [['1000']]);
});

test('a hostname or a net sysctl that would change the host is refused, as runc does', () => {
  const shared = (types: string[]): OciSpec => ({ ...spec, linux: { ...spec.linux, namespaces: types.map((type) => ({ type })) } });
  assert.throws(() => plan(shared(['pid', 'mount', 'network'])), /unable to set hostname without a private UTS namespace/);
  assert.throws(() => plan(shared(['pid', 'mount', 'uts'])), /sysctl "net.ipv4.ip_unprivileged_port_start" not allowed in host network namespace/);
});
