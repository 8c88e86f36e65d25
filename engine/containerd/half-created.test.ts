// Tasks caught half-created: the caller of Create (ref-dockerd) or ref-containerd itself is killed
// while the shim and the runtime are still at work. Found by the crash-safety soak: such a task used
// to answer "already exists" to Create and "not found" to Kill and Delete, so the container could
// never start again and its shim outlived `docker rm -f`. Whatever the moment, the answers must
// agree: the task is either completed (and then kill/wait/delete work) or gone (and Create works),
// and deleting it leaves no shim, shim socket, runtime state or bundle files.
//
// Real runc behind a wrapper that stalls `create`, so that the kills land inside it. Needs root,
// /usr/sbin/runc and busybox; skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectTaskService } from './client.js';
import type { TaskService } from './task-service.js';
import { BUSYBOX, RUNC, makeBundle, makeRootfs, shimFirstInPath, type Bundle } from './dev/bundle-fixture.js';
import { shimSocketPath } from '../../api/shim-address.js';
import { eventually } from '../../lib/eventually.js';
import { isAlive } from '../../lib/proc.js';

const canRun = process.getuid?.() === 0 && fs.existsSync(RUNC) && BUSYBOX !== undefined;
const containerdJs = fileURLToPath(new URL('../../bin/ref-containerd.js', import.meta.url));
const shimJs = fileURLToPath(new URL('../../bin/ref-containerd-shim.js', import.meta.url));
const clientJs = fileURLToPath(new URL('./client.js', import.meta.url));

const alive = isAlive;
const until = <T>(what: string, fn: () => T | undefined | false, deadlineMs = 10_000) => eventually(what, fn, deadlineMs, 20);
function readOr(p: string, dflt = ''): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return dflt;
  }
}

function drain(p: string): () => void {
  const s = new net.Socket({ fd: fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK), readable: true, writable: false });
  s.on('data', () => {});
  s.on('error', () => {});
  return () => s.destroy();
}

test('a half-created task is completed or removed, never stuck between', { skip: !canRun && 'needs root, runc and busybox', timeout: 120_000 }, async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ref-ctrd-half-'));
  const state = path.join(root, 'exec', 'containerd');
  const sock = path.join(state, 'containerd.sock');
  const runtimeRoot = path.join(root, 'exec', 'runtime-runc', 'moby');
  const rootfs = makeRootfs(root);
  const marks = path.join(root, 'marks');
  fs.mkdirSync(marks);
  // runc whose `create` first says so (a file named after the bundle) and then stalls a while
  const slowRunc = path.join(root, 'slow-runc');
  fs.writeFileSync(
    slowRunc,
    `#!/bin/sh\nfor a in "$@"; do if [ "$a" = create ]; then : > "${marks}/$(basename "$PWD")"; sleep 1.5; fi; done\nexec ${RUNC} "$@"\n`,
    { mode: 0o755 },
  );
  const daemons: ChildProcess[] = [];
  const clients: TaskService[] = [];
  const closers: (() => void)[] = [];
  const bundles: Bundle[] = [];

  const startContainerd = async (): Promise<TaskService> => {
    const log = fs.openSync(path.join(root, 'containerd.log'), 'a');
    const d = spawn(process.execPath, [containerdJs, '--address', sock, '--root', path.join(root, 'data'), '--state', state], {
      stdio: ['ignore', 'ignore', log],
      env: { ...process.env, PATH: shimFirstInPath(root) },
    });
    fs.closeSync(log);
    daemons.push(d);
    const c = await connectTaskService(sock, { deadlineMs: 10_000 });
    clients.push(c);
    return c;
  };
  const killContainerd = async () => {
    const d = daemons[daemons.length - 1]!;
    d.kill('SIGKILL');
    await until('containerd gone', () => d.exitCode !== null || d.signalCode !== null);
  };
  const bundle = (args: string[]) => {
    const b = makeBundle(state, rootfs, args);
    bundles.push(b);
    closers.push(drain(b.stdout), drain(b.stderr));
    return b;
  };
  const req = (b: Bundle, runtimePath = slowRunc) => ({ ...b.request, runtimePath, stdout: b.stdout, stderr: b.stderr });
  const shimPid = (b: Bundle) => Number(readOr(path.join(b.bundle, 'shim.pid'), '0'));
  const socketOf = (b: Bundle) => shimSocketPath(sock, 'moby', b.id);
  const runcKnows = (id: string) => fs.existsSync(path.join(runtimeRoot, id));

  /** Delete must leave nothing of the task: shim, its socket, runc's state, the bundle's files. */
  const assertGone = async (b: Bundle, pid: number) => {
    await until('shim exits after delete', () => !alive(pid), 5000);
    assert.equal(fs.existsSync(socketOf(b)), false, 'shim socket removed');
    assert.equal(runcKnows(b.id), false, 'runtime state removed');
    assert.equal(fs.existsSync(path.join(b.bundle, 'config.json')), false, 'bundle removed');
  };

  /** The task exists and is a task for every call: kill, wait, delete; then it can be made again. */
  const assertCompletedThenReusable = async (tasks: TaskService, b: Bundle, what: string) => {
    await assert.rejects(tasks.create(req(b)), { code: 'already-exists' }, `${what}: create says it exists`);
    const pid = shimPid(b);
    assert.ok(pid > 0 && alive(pid), `${what}: its shim runs`);
    const s = await tasks.state(b.id);
    assert.equal(s.status, 'created', `${what}: state agrees (created)`);
    await tasks.kill(b.id, 9);
    assert.equal((await tasks.wait(b.id)).exitStatus, 137, `${what}: wait agrees`);
    await tasks.delete(b.id);
    await assertGone(b, pid);
  };

  try {
    let tasks = await startContainerd();

    // --- A: the caller of Create is killed while the runtime creates (ref-dockerd SIGKILLed)
    const a = bundle(['sleep', '1000']);
    const caller = spawn(
      process.execPath,
      ['--input-type=module', '-e', `const { connectTaskService } = await import(${JSON.stringify(clientJs)}); const t = await connectTaskService(process.env.SOCK); await t.create(JSON.parse(process.env.REQ));`],
      { stdio: 'ignore', env: { ...process.env, SOCK: sock, REQ: JSON.stringify(req(a)) } },
    );
    await until('the runtime is creating A', () => fs.existsSync(path.join(marks, a.id)));
    caller.kill('SIGKILL');
    await assertCompletedThenReusable(tasks, a, 'A');
    // and it starts for real: a create with nobody killed, then start
    await tasks.create(req(a, RUNC));
    await tasks.start(a.id);
    assert.equal((await tasks.state(a.id)).status, 'running');
    const aShim = shimPid(a);
    await tasks.kill(a.id, 9);
    await tasks.wait(a.id);
    await tasks.delete(a.id);
    await assertGone(a, aShim);

    // --- B: containerd dies after the shim's start step, before it sent Create
    await killContainerd();
    const b = bundle(['sleep', '1000']);
    fs.mkdirSync(b.bundle, { recursive: true });
    fs.writeFileSync(path.join(b.bundle, 'shim-binary.json'), JSON.stringify({ shim: shimJs, runtime: 'io.containerd.runc.v2' }));
    const address = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [shimJs, '-namespace', 'moby', '-id', b.id, '-address', sock, 'start'], { cwd: b.bundle }, (err, out) => (err ? reject(err) : resolve(out.trim()))),
    );
    fs.writeFileSync(path.join(b.bundle, 'address'), address);
    // the serving shim writes its pid file a moment after the start step answered
    const bShim = await until('B: the shim writes its pid', () => shimPid(b) || false);
    assert.ok(bShim > 0 && alive(bShim), 'B: a shim with no task runs');
    tasks = await startContainerd();
    // nobody was ever told B exists: it must not, for any call
    await assert.rejects(tasks.state(b.id), { code: 'not-found' }, 'B: state says not found');
    await assert.rejects(tasks.kill(b.id, 9), { code: 'not-found' }, 'B: kill says not found');
    await assertGone(b, bShim);
    await tasks.create(req(b, RUNC)); // B: create works
    const bShim2 = shimPid(b);
    await tasks.delete(b.id);
    await assertGone(b, bShim2);

    // --- C: containerd dies while the runtime creates; the shim completes the create alone
    const c = bundle(['sleep', '1000']);
    const pending = tasks.create(req(c)).catch((e: Error) => e);
    await until('the runtime is creating C', () => fs.existsSync(path.join(marks, c.id)));
    await killContainerd();
    assert.equal(((await pending) as Error & { code?: string }).code, 'unavailable');
    tasks = await startContainerd();
    assert.deepEqual((await tasks.list()).map((s) => [s.id, s.status]), [[c.id, 'created']], 'C: listed as created after the restart');
    await assertCompletedThenReusable(tasks, c, 'C');

    assert.deepEqual(await tasks.list(), []);
    assert.deepEqual(fs.existsSync(runtimeRoot) ? fs.readdirSync(runtimeRoot) : [], [], 'runc state cleaned');
    assert.deepEqual(fs.readdirSync(path.join(state, 's')), [], 'no shim socket left');
  } finally {
    for (const close of closers) close();
    for (const c of clients) c.close();
    for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGTERM');
    for (const b of bundles) {
      const pid = shimPid(b);
      if (pid > 0 && alive(pid) && readOr(`/proc/${pid}/cmdline`).includes(b.id)) process.kill(pid, 'SIGKILL');
      try {
        execFileSync(RUNC, ['--root', runtimeRoot, 'delete', '--force', b.id], { stdio: 'ignore' });
      } catch {
        // never created or already gone
      }
    }
    if (process.env.KEEP_TEST_DIR) t.diagnostic(`kept ${root}`);
    else fs.rmSync(root, { recursive: true, force: true });
  }
});
