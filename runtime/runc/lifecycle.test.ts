// The whole create → start → state → kill → delete cycle and exec, against a busybox rootfs.
// Needs root, cgroup v1 and a static busybox; skipped otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OciSpec } from './spec.js';
import { eventually } from '../../lib/eventually.js';

const CLI = fileURLToPath(new URL('../../bin/ref-runc.js', import.meta.url));
const BUSYBOX = '/usr/bin/busybox';
const canRun = process.getuid?.() === 0 && existsSync(BUSYBOX) && existsSync('/sys/fs/cgroup/memory') &&
  existsSync(fileURLToPath(new URL('../../native/ref-runc-nsexec', import.meta.url)));
const FRONT = fileURLToPath(new URL('../../native/ref-runc', import.meta.url));
const skip = canRun ? false : 'needs root, cgroup v1, a static busybox and the built native stage';

let work = '';
let root = '';
const cgroupParent = `/dockspec-unit-${process.pid}`;

function bundle(id: string, args: string[], extra: Partial<OciSpec> = {}): string {
  const dir = join(work, id);
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  for (const applet of ['sh', 'cat', 'echo', 'sleep', 'hostname', 'ls']) symlinkSync('busybox', join(rootfs, 'bin', applet));
  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    process: { user: { uid: 0, gid: 0 }, args, env: ['PATH=/bin'], cwd: '/' },
    root: { path: 'rootfs' },
    hostname: `host-${id}`,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' }],
      cgroupsPath: `${cgroupParent}/${id}`,
      resources: { pids: { limit: 20 } },
    },
    ...extra,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

let calls = 0;

// Files, not pipes: a container inherits create's stdio, and spawnSync would wait for a pipe's
// last writer to close it, which a container that keeps running never does.
function runtime(args: string[], output?: string, executable: string[] = [process.execPath, CLI]): Run {
  const n = ++calls;
  const stdoutFile = output ?? join(work, `call-${n}.out`);
  const stderrFile = output ?? join(work, `call-${n}.err`);
  const out = openSync(stdoutFile, 'a');
  const err = output ? out : openSync(stderrFile, 'a');
  try {
    const [command, ...prefix] = executable;
    const r = spawnSync(command!, [...prefix, '--root', root, ...args], { stdio: ['ignore', out, err] });
    return { status: r.status, stdout: readFileSync(stdoutFile, 'utf8'), stderr: readFileSync(stderrFile, 'utf8') };
  } finally {
    closeSync(out);
    if (err !== out) closeSync(err);
  }
}

function status(id: string): string {
  const r = runtime(['state', id]);
  return r.status === 0 ? (JSON.parse(r.stdout) as { status: string }).status : `error: ${r.stderr.trim()}`;
}

const until = (what: string, check: () => boolean, ms = 5000) => eventually(what, check, ms, 20);

before(() => {
  if (!canRun) return;
  work = mkdtempSync(join(tmpdir(), 'ref-runc-test-'));
  root = join(work, 'state');
});

after(() => {
  if (!canRun) return;
  for (const id of ['c-run', 'c-kill', 'c-exec', 'c-missing', 'c-front']) runtime(['delete', '--force', id]);
  for (const h of ['memory', 'pids', 'cpu', 'cpuacct', 'cpuset', 'blkio', 'devices', 'freezer', 'systemd', 'unified'])
    try {
      rmdirSync(join('/sys/fs/cgroup', h, cgroupParent));
    } catch {
      // not created in this hierarchy
    }
  rmSync(work, { recursive: true, force: true });
});

test('create holds the process until start; it then runs as PID 1 with its hostname', { skip }, async () => {
  const dir = bundle('c-run', ['sh', '-c', 'echo "pid $$ on $(hostname)"']);
  const output = join(work, 'c-run.out');
  const created = runtime(['create', '--bundle', dir, '--pid-file', join(dir, 'init.pid'), 'c-run'], output);
  assert.equal(created.status, 0, readFileSync(output, 'utf8'));
  const pid = Number(readFileSync(join(dir, 'init.pid'), 'utf8'));
  assert.ok(pid > 1);
  assert.equal(status('c-run'), 'created');
  assert.equal(readFileSync(output, 'utf8'), '', 'nothing runs before start');
  assert.ok(readFileSync(`/sys/fs/cgroup/pids${cgroupParent}/c-run/cgroup.procs`, 'utf8').includes(String(pid)));
  assert.equal(runtime(['start', 'c-run']).status, 0);
  await until('the container to print', () => readFileSync(output, 'utf8').includes('host-c-run'));
  assert.equal(readFileSync(output, 'utf8'), 'pid 1 on host-c-run\n');
  await until('the container to stop', () => status('c-run') === 'stopped');
  assert.match(runtime(['start', 'c-run']).stderr, /cannot start a container that has stopped/);
  assert.equal(runtime(['delete', 'c-run']).status, 0);
  assert.ok(!existsSync(`/sys/fs/cgroup/pids${cgroupParent}/c-run`), 'cgroup removed');
  assert.match(status('c-run'), /container does not exist/);
});

test('kill signals the init; delete refuses a running container without --force', { skip }, async () => {
  const dir = bundle('c-kill', ['sleep', '100']);
  assert.equal(runtime(['create', '--bundle', dir, 'c-kill']).status, 0);
  assert.equal(runtime(['start', 'c-kill']).status, 0);
  assert.equal(status('c-kill'), 'running');
  const refused = runtime(['delete', 'c-kill']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /cannot delete container c-kill that is not stopped: running/);
  assert.equal(runtime(['kill', 'c-kill', 'KILL']).status, 0);
  await until('the container to stop', () => status('c-kill') === 'stopped');
  const again = runtime(['kill', 'c-kill']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /container not running/);
  assert.equal(runtime(['delete', 'c-kill']).status, 0);
});

test('exec runs a process in the container namespaces; a missing one fails like runc', { skip }, async () => {
  const dir = bundle('c-exec', ['sleep', '100']);
  assert.equal(runtime(['create', '--bundle', dir, 'c-exec']).status, 0);
  assert.equal(runtime(['start', 'c-exec']).status, 0);
  const output = join(work, 'c-exec.out');
  const processFile = join(work, 'process.json');
  writeFileSync(processFile, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['sh', '-c', 'hostname; cat /proc/1/cmdline'], env: ['PATH=/bin'], cwd: '/' }));
  const exec = runtime(['exec', '--process', processFile, '--pid-file', join(work, 'exec.pid'), 'c-exec'], output);
  assert.equal(exec.status, 0);
  assert.equal(readFileSync(output, 'utf8'), 'host-c-exec\nsleep\u0000100\u0000');
  writeFileSync(processFile, JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['nope'], env: ['PATH=/bin'], cwd: '/' }));
  const missing = runtime(['exec', '--detach', '--process', processFile, 'c-exec']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /exec failed: unable to start container process: exec: \\"nope\\": executable file not found in \$PATH/);
  assert.equal(runtime(['delete', '--force', 'c-exec']).status, 0);
  assert.match(status('c-exec'), /container does not exist/);
});

test('a missing command fails create with runc\'s message in the json log and leaves nothing', { skip }, () => {
  const dir = bundle('c-missing', ['nope']);
  const log = join(work, 'log.json');
  const r = spawnSync(process.execPath, [CLI, '--root', root, '--log', log, '--log-format', 'json', 'create', '--bundle', dir, 'c-missing'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  const entry = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').pop()!) as { level: string; msg: string };
  assert.equal(entry.level, 'error');
  assert.equal(entry.msg, 'runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH');
  assert.equal(r.stderr.trim(), entry.msg);
  assert.ok(!existsSync(join(root, 'c-missing')));
  assert.ok(!existsSync(`/sys/fs/cgroup/pids${cgroupParent}/c-missing`));
  assert.equal(runtime(['delete', 'c-missing']).status, 1);
  assert.equal(runtime(['delete', '--force', 'c-missing']).status, 0);
});

test('the native front door answers start, kill and delete itself and hands the rest to the CLI', { skip }, async () => {
  const front = [FRONT];
  const dir = bundle('c-front', ['sleep', '100']);
  assert.equal(runtime(['create', '--bundle', dir, 'c-front'], undefined, front).status, 0);
  assert.ok(existsSync(join(root, 'c-front', 'fastpath')));
  assert.equal(runtime(['start', 'c-front'], undefined, front).status, 0);
  assert.equal(status('c-front'), 'running');
  const again = runtime(['start', 'c-front'], undefined, front);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /cannot start an already running container/);
  assert.equal(runtime(['delete', 'c-front'], undefined, front).status, 1, 'a running container is the CLI\'s case');
  assert.equal(runtime(['kill', 'c-front', '9'], undefined, front).status, 0);
  await until('the container to stop', () => status('c-front') === 'stopped');
  assert.match(runtime(['kill', 'c-front', '9'], undefined, front).stderr, /container not running/);
  assert.equal(runtime(['delete', 'c-front'], undefined, front).status, 0);
  assert.ok(!existsSync(join(root, 'c-front')));
  assert.ok(!existsSync(`/sys/fs/cgroup/pids${cgroupParent}/c-front`));
  assert.equal(runtime(['delete', '--force', 'c-front'], undefined, front).status, 0);
  assert.match(runtime(['delete', 'c-front'], undefined, front).stderr, /container does not exist/);
  assert.match(runtime(['--version'], undefined, front).stdout, /^ref-runc version/);
});
