// End to end without ref-dockerd: ref-containerd + ref-containerd-shim + real runc on hand-made
// busybox bundles. Needs root, /usr/sbin/runc and busybox; skipped otherwise. Checks the process
// tree Docker has (shim re-parented to PID 1, container child of the shim, no runc left), a task's
// metrics as docker stats asks them, the survival of shims across a SIGKILLed containerd, and
// exits reported after its restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectTaskService, checkHealth } from './client.js';
import type { TaskExitEvent, TaskService } from './task-service.js';
import { eventually } from '../../lib/eventually.js';
import { cgroupVersion } from '../../lib/cgroup-dirs.js';
import { CGROUPS_V1_METRICS_TYPE, CGROUPS_V2_METRICS_TYPE, unpackMessage } from '../../api/any.js';
import { childrenOf, readProcess } from '../../lib/proc.js';
import { BUSYBOX, RUNC, forceDeleteRuncContainers, makeBundle, makeRootfs, shimFirstInPath, processSpec, type Bundle } from './dev/bundle-fixture.js';

const canRun = process.getuid?.() === 0 && fs.existsSync(RUNC) && BUSYBOX !== undefined;
const containerdJs = fileURLToPath(new URL('../../bin/ref-containerd.js', import.meta.url));

const stat = readProcess;
const until = <T>(what: string, fn: () => T | undefined | false, deadlineMs = 5000) => eventually(what, fn, deadlineMs, 20);

/** Read a FIFO the way ref-dockerd would: non-blocking open, so no writer is needed yet. */
function readFifo(p: string): { text: () => string; close: () => void } {
  let text = '';
  const s = new net.Socket({ fd: fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK), readable: true, writable: false });
  s.setEncoding('utf8');
  s.on('data', (d: string) => (text += d));
  s.on('error', () => {});
  return { text: () => text, close: () => s.destroy() };
}

test('ref-containerd runs containers with real runc through ref-containerd-shim', { skip: !canRun && 'needs root, runc and busybox', timeout: 60_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ref-ctrd-'));
  const execRoot = path.join(root, 'exec');
  const state = path.join(execRoot, 'containerd');
  const sock = path.join(state, 'containerd.sock');
  const runtimeRoot = path.join(execRoot, 'runtime-runc', 'moby');
  const rootfs = makeRootfs(root);
  const logFile = path.join(root, 'containerd.log');
  const daemons: ChildProcess[] = [];
  const shimPids = new Set<number>();
  const clients: TaskService[] = [];
  const readers: { close: () => void }[] = [];

  const startContainerd = async (env: NodeJS.ProcessEnv = {}): Promise<TaskService> => {
    const log = fs.openSync(logFile, 'a');
    const d = spawn(process.execPath, [containerdJs, '--address', sock, '--root', path.join(root, 'data', 'containerd'), '--state', state], {
      stdio: ['ignore', 'ignore', log],
      env: { ...process.env, PATH: shimFirstInPath(root), ...env },
    });
    fs.closeSync(log);
    daemons.push(d);
    const c = await connectTaskService(sock, { deadlineMs: 5000 });
    clients.push(c);
    return c;
  };
  const shimPidOf = (b: Bundle) => Number(fs.readFileSync(path.join(b.bundle, 'shim.pid'), 'utf8'));

  try {
    let tasks = await startContainerd();
    assert.equal(await checkHealth(sock), 'SERVING');
    assert.equal(fs.statSync(sock).mode & 0o777, 0o660);

    // --- create + start, measured
    const a = makeBundle(state, rootfs, ['sh', '-c', 'echo hello; exec sleep 1000']);
    const aOut = readFifo(a.stdout);
    readers.push(aOut);
    const t0 = process.hrtime.bigint();
    const { pid: aPid } = await tasks.create({ ...a.request, stdout: a.stdout, stderr: a.stderr });
    const t1 = process.hrtime.bigint();
    await tasks.start(a.id);
    const t2 = process.hrtime.bigint();
    t.diagnostic(`create ${Number(t1 - t0) / 1e6} ms, start ${Number(t2 - t1) / 1e6} ms, create+start ${Number(t2 - t0) / 1e6} ms`);
    const aShim = shimPidOf(a);
    shimPids.add(aShim);
    assert.equal(fs.readFileSync(path.join(a.bundle, 'address'), 'utf8').startsWith('unix://'), true);

    // --- the process tree Docker has
    assert.equal(stat(aShim)?.ppid, 1, 'the running shim is re-parented to PID 1');
    assert.equal(stat(aShim)?.comm, 'ref-containerd-', 'comm is the first 15 bytes of the name, as containerd-shim-runc-v2 shows as "containerd-shim"');
    assert.match(fs.readFileSync(`/proc/${aShim}/cmdline`, 'utf8'), new RegExp(`^ref-containerd-shim -namespace moby -id ${a.id} -address ${sock}`));
    assert.equal(stat(aPid)?.ppid, aShim, "the container's PID 1 is the shim's child");
    assert.deepEqual(childrenOf(aShim).map((p) => p.pid), [aPid], 'no runc (or anything else) left under the shim');
    await until('hello on the stdout FIFO', () => aOut.text() === 'hello\n');
    assert.equal((await tasks.state(a.id)).status, 'running');

    // --- exec
    const execOut = path.join(state, a.id, 'exec-stdout');
    execFileSync('mkfifo', [execOut]);
    const eOut = readFifo(execOut);
    readers.push(eOut);
    await tasks.exec({ containerId: a.id, execId: 'e1', spec: processSpec(['echo', 'from exec']), stdout: execOut, stderr: execOut });
    const te = process.hrtime.bigint();
    await tasks.start(a.id, 'e1');
    const execExit = await tasks.wait(a.id, 'e1');
    t.diagnostic(`exec start+wait ${Number(process.hrtime.bigint() - te) / 1e6} ms`);
    assert.equal(execExit.exitStatus, 0);
    await until('exec output', () => eOut.text() === 'from exec\n');
    await tasks.delete(a.id, 'e1');

    // --- metrics: Tasks.Metrics filtered to the task's id, the shim's Stats inside, as docker stats asks
    const metric = await tasks.metrics(a.id);
    assert.match(metric.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(metric.data.typeUrl, cgroupVersion() === '2' ? CGROUPS_V2_METRICS_TYPE : CGROUPS_V1_METRICS_TYPE);
    const metrics = unpackMessage<{ pids: { current: number } | null }>(metric.data, metric.data.typeUrl);
    assert.equal(metrics?.pids?.current, 1, 'sleep alone in its pids cgroup');
    const noTask = await tasks.metrics('no-such-task').then(() => undefined, (e: Error & { code: string }) => e);
    assert.equal(noTask?.code, 'not-found', `metrics of a task that does not exist: ${noTask?.message}`);

    // --- a container that exits while containerd is down
    const b = makeBundle(state, rootfs, ['sh', '-c', 'sleep 0.5; exit 3']);
    readers.push(readFifo(b.stdout));
    await tasks.create({ ...b.request, stdout: b.stdout, stderr: b.stderr });
    await tasks.start(b.id);
    shimPids.add(shimPidOf(b));

    // --- SIGKILL containerd: shims and containers live on
    daemons[0]!.kill('SIGKILL');
    await until('containerd gone', () => daemons[0]!.exitCode !== null || daemons[0]!.signalCode !== null);
    const downErr = await tasks.list().then(() => undefined, (e: Error & { code: string }) => e);
    assert.equal(downErr?.code, 'unavailable');
    assert.match(downErr!.message, /connection refused/);
    assert.equal(stat(aShim)?.ppid, 1);
    assert.equal(stat(aPid)?.ppid, aShim);
    await until('b exits while containerd is down', () => fs.existsSync(path.join(b.bundle, 'exit.json')), 5000);

    const tr = process.hrtime.bigint();
    tasks = await startContainerd();
    t.diagnostic(`containerd restart until it answers ${Number(process.hrtime.bigint() - tr) / 1e6} ms`);
    const listed = await tasks.list();
    const la = listed.find((s) => s.id === a.id);
    assert.equal(la?.status, 'running');
    assert.equal(la?.pid, aPid);
    const lb = listed.find((s) => s.id === b.id);
    assert.equal(lb?.status, 'stopped');
    assert.equal(lb?.exitStatus, 3);
    assert.match(lb?.exitedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    // containerd's Wait answers the status and time, not the pid
    assert.deepEqual(await tasks.wait(b.id), { pid: 0, exitStatus: 3, exitedAt: lb!.exitedAt });

    // --- the exit of a running task is reported after the restart
    const events: TaskExitEvent[] = [];
    const unsubscribe = tasks.subscribe((e) => e.type === 'exit' && events.push(e), () => {});
    await new Promise((r) => setTimeout(r, 100));
    const waited = tasks.wait(a.id);
    await tasks.kill(a.id, 9);
    const aExit = await waited;
    assert.equal(aExit.exitStatus, 137);
    await until('exit event', () => events.find((e) => e.containerId === a.id));
    assert.equal(events.find((e) => e.containerId === a.id)?.exitStatus, 137);
    assert.equal(stat(aPid), undefined, 'reaped, no zombie left');
    await until('EOF on stdout once the container exited', () => aOut.text() === 'hello\n');
    assert.deepEqual(await tasks.delete(a.id), { ...aExit, pid: aPid });
    assert.deepEqual((await tasks.delete(b.id)).exitStatus, 3);
    await until('shims exit after delete', () => [...shimPids].every((p) => stat(p) === undefined));
    assert.equal(fs.existsSync(a.bundle), false, 'bundle removed');
    await assert.rejects(tasks.state(a.id), { code: 'not-found' });

    // --- a shim that dies: the task is reported exited with 128+SIGKILL, the container is killed
    const c = makeBundle(state, rootfs, ['sleep', '1000']);
    readers.push(readFifo(c.stdout));
    const { pid: cPid } = await tasks.create({ ...c.request, stdout: c.stdout, stderr: c.stderr });
    await tasks.start(c.id);
    const cShim = shimPidOf(c);
    shimPids.add(cShim);
    process.kill(cShim, 'SIGKILL');
    await until('exit event of a dead shim', () => events.find((e) => e.containerId === c.id));
    assert.equal(events.find((e) => e.containerId === c.id)?.exitStatus, 137);
    assert.equal((await tasks.state(c.id)).status, 'stopped');
    await until('container of the dead shim killed', () => stat(cPid) === undefined || stat(cPid)?.state === 'Z');
    await tasks.delete(c.id);

    // --- stdin: what the client writes reaches the container, and closing it gives EOF
    const d = makeBundle(state, rootfs, ['cat'], { stdin: true });
    const dOut = readFifo(d.stdout);
    readers.push(dOut);
    await tasks.create({ ...d.request, stdin: d.stdin, stdout: d.stdout, stderr: d.stderr });
    await tasks.start(d.id);
    shimPids.add(shimPidOf(d));
    const dWaited = tasks.wait(d.id);
    const w = fs.openSync(d.stdin!, 'w');
    fs.writeSync(w, 'ping\n');
    fs.closeSync(w);
    assert.equal((await dWaited).exitStatus, 0);
    await until('cat echoed stdin', () => dOut.text() === 'ping\n');
    await tasks.delete(d.id);

    // --- a create that fails: the runtime's error, nothing left behind
    const f = makeBundle(state, rootfs, ['/no/such/binary']);
    readers.push(readFifo(f.stdout), readFifo(f.stderr));
    const createErr = await tasks.create({ ...f.request, stdout: f.stdout, stderr: f.stderr }).then(
      () => undefined,
      (e: Error & { code: string }) => e,
    );
    assert.match(createErr?.message ?? '', /^failed to create shim task: OCI runtime create failed: .*no such file or directory.*: unknown$/);
    await assert.rejects(tasks.state(f.id), { code: 'not-found' });
    assert.equal(fs.existsSync(f.bundle), false);

    // --- the fault switch a scenario must catch: a shim that is not a subreaper loses its container
    daemons[1]!.kill('SIGTERM');
    await until('containerd stopped', () => daemons[1]!.exitCode !== null || daemons[1]!.signalCode !== null);
    tasks = await startContainerd({ DOCKSPEC_FAULTS: 'shim-not-subreaper' });
    const g = makeBundle(state, rootfs, ['sleep', '1000']);
    readers.push(readFifo(g.stdout));
    const { pid: gPid } = await tasks.create({ ...g.request, stdout: g.stdout, stderr: g.stderr });
    await tasks.start(g.id);
    shimPids.add(shimPidOf(g));
    assert.notEqual(stat(gPid)?.ppid, shimPidOf(g), 'without the subreaper mark the container escapes the shim');
    await tasks.kill(g.id, 9);
    assert.equal((await tasks.wait(g.id)).exitStatus, 255, 'and its exit status is lost');
    await tasks.delete(g.id);

    unsubscribe();
    assert.deepEqual(await tasks.list(), []);
    assert.deepEqual(fs.existsSync(runtimeRoot) ? fs.readdirSync(runtimeRoot) : [], [], 'runc state cleaned');
    assert.deepEqual(fs.readdirSync(path.join(state, 's')), [], 'no shim socket left');
    assert.deepEqual(fs.readdirSync(path.join(state, 'io.containerd.runtime.v2.task', 'moby')), [], 'no bundle left');
  } finally {
    for (const r of readers) r.close();
    for (const c of clients) c.close();
    for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGTERM');
    for (const p of shimPids) if (stat(p)) process.kill(p, 'SIGKILL');
    forceDeleteRuncContainers(runtimeRoot);
    if (process.env.KEEP_TEST_DIR) t.diagnostic(`kept ${root}`);
    else fs.rmSync(root, { recursive: true, force: true });
  }
});
