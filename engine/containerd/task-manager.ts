// ref-containerd's tasks: one shim per container, launched through its `start` step, found again
// after a restart through `<bundle>/address`. A shim that dies or cannot be reached is handled as
// containerd's cleanupAfterDeadShim does: the runtime force-deletes the container, the task is
// reported exited (the status the shim kept in exit.json, else 128+SIGKILL) and kept as a stopped
// entry until dockerd deletes it.
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { ExecProcessRequest, ExitResult, TaskExitEvent, TaskState } from './task-service.js';
import type { Any, RuncOptions } from './typeurl.js';
import { TaskError, alreadyExists, failedPrecondition, notFound } from '../../api/errors.js';
import type { Logger } from '../../api/logrus.js';
import { rfc3339Nano } from '../../api/clock.js';
import { ShimClient } from './shim-client.js';
import { launchShim, readAddress } from './shim-launcher.js';
import { listBundles, readOptions, readShimLog, registerBundle, removeBundle, tasksDir, writeOptions } from './bundle.js';
import { readExit } from '../../api/exit-store.js';
import { fromAddress, shimSocketPath, toAddress } from '../../api/shim-address.js';

const SIGKILL_STATUS = 128 + 9;
const RUNTIME_DELETE_DEADLINE_MS = 10_000;
const SHIM_EXIT_DEADLINE_MS = 2_000;

interface Task {
  id: string;
  bundle: string;
  shim?: ShimClient;
  /** the exit kept after the shim died, until delete */
  tomb?: ExitResult;
  /** settles when dead-shim cleanup is done */
  dying?: Promise<ExitResult>;
  deleting?: boolean;
  initExitPublished?: boolean;
  /**
   * Settles when the create that made this entry is done, either way. Until then the task exists
   * for Create (already exists) and the other calls wait for it, so the answers always agree; a
   * create whose caller went away (ref-dockerd killed) completes and leaves a deletable task.
   */
  creating?: Promise<void>;
}

/** Tasks/Create as the task manager gets it: the container's spec and runtime, resolved. */
export interface ShimTaskRequest {
  id: string;
  /** <state>/io.containerd.runtime.v2.task/<namespace>/<id>, made here */
  bundle: string;
  /** the container's runtime name (io.containerd.runc.v2, or a shim binary's path) */
  runtime: string;
  /** runtime options as given (an Any of containerd.runc.v1.Options), for the shim */
  options: Any | null;
  runc: Partial<RuncOptions>;
  spec: Record<string, unknown>;
  rootfs: { type: string; source: string; target?: string; options: string[] }[];
  stdin?: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
}

export interface TaskManagerOptions {
  /** containerd's `--state`, e.g. <exec-root>/containerd */
  state: string;
  /** containerd's own socket, for the shim's `-address` */
  address: string;
  namespace?: string;
  log: Logger;
}

export class TaskManager extends EventEmitter<{ exit: [TaskExitEvent] }> {
  private readonly tasks = new Map<string, Task>();
  private readonly namespace: string;
  private readonly dir: string;
  private readonly log: Logger;

  constructor(private readonly opts: TaskManagerOptions) {
    super();
    this.namespace = opts.namespace ?? 'moby';
    this.dir = tasksDir(opts.state, this.namespace);
    this.log = opts.log;
  }

  /** At start: reconnect to every live shim; clean up after the dead ones. */
  async restore(): Promise<void> {
    const found = listBundles(this.dir);
    await Promise.all(found.map(({ id, bundle }) => this.restoreOne(id, bundle)));
    if (found.length) this.log.info('tasks restored', { count: this.tasks.size });
    await this.retireUnlistedShims();
  }

  /**
   * Shims whose bundle is gone (ref-dockerd removes a bundle when a start fails, even while we are
   * down) are found by their sockets: a live one is retired, a dead one's socket file removed.
   */
  private async retireUnlistedShims(): Promise<void> {
    const dir = path.dirname(shimSocketPath(this.opts.address, this.namespace, 'x'));
    const known = new Set([...this.tasks.keys()].map((id) => shimSocketPath(this.opts.address, this.namespace, id)));
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    await Promise.all(
      names.map(async (name) => {
        const socket = path.join(dir, name);
        if (known.has(socket)) return;
        let shim: ShimClient | undefined;
        let hello: { id: string; shimPid: number };
        try {
          shim = await ShimClient.connect(toAddress(socket), 1000);
          // a wedged shim must not hold up the start of the daemon
          hello = await Promise.race([
            shim.call('connect', {}),
            sleep(SHIM_EXIT_DEADLINE_MS).then(() => Promise.reject(new Error('no answer'))),
          ]);
        } catch {
          shim?.close();
          fs.rmSync(socket, { force: true });
          return;
        }
        if (this.tasks.has(hello.id)) shim.close();
        else await this.retireShim(hello.id, shim, hello.shimPid);
      }),
    );
  }

  private async restoreOne(id: string, bundle: string): Promise<void> {
    const address = readAddress(bundle) ?? toAddress(shimSocketPath(this.opts.address, this.namespace, id));
    const task: Task = { id, bundle };
    this.tasks.set(id, task);
    let shim: ShimClient;
    try {
      shim = await ShimClient.connect(address);
      const hello = await shim.call('connect', {});
      if (hello.id !== id) throw new Error(`shim at ${address} serves ${hello.id}`);
    } catch (err) {
      this.log.warn('shim is gone, cleaning up its task', { id, address, error: (err as Error).message });
      if (!readOptions(bundle)) {
        // never got as far as a task: only leftovers of an interrupted create
        this.tasks.delete(id);
        removeBundle(this.dir, id, bundle);
        return;
      }
      await this.shimDied(task);
      return;
    }
    this.attach(task, shim);
    // The shim settles a create that was in flight when we died before it answers, so this is
    // either the task or "not found": a shim we launched but never got to create a task in.
    let s: TaskState | undefined;
    try {
      s = await shim.call('state', {});
    } catch (err) {
      if ((err as TaskError).code === 'not-found') {
        await this.discardHalfCreated(task, shim);
        return;
      }
    }
    this.log.info('reconnected to shim', { id, address });
    // An exit that happened while we were down reached no one: say it again.
    if (s?.status === 'stopped' && s.exitStatus !== undefined) {
      this.publishExit({ type: 'exit', containerId: id, execId: '', pid: s.pid, exitStatus: s.exitStatus, exitedAt: s.exitedAt ?? rfc3339Nano() });
    }
  }

  /**
   * A shim with no task in it (containerd died between the shim's start and its create, or the
   * create failed meanwhile): nobody was told the task exists, so it must not. The shim is asked to
   * go, killed if it does not, and its socket, runtime state and bundle files are removed.
   */
  private async discardHalfCreated(task: Task, shim: ShimClient): Promise<void> {
    this.log.warn('removing a task that was never created', { id: task.id });
    task.deleting = true;
    await shim.call('shutdown', {}).catch(() => undefined);
    await closed(shim, SHIM_EXIT_DEADLINE_MS);
    await this.removeLeftovers(task);
    if (this.tasks.get(task.id) === task) this.tasks.delete(task.id);
  }

  /**
   * Take down a shim and its task that containerd does not know (no entry, no bundle): the shim
   * kills the container and deletes it through the runtime it was given, then exits; if it does not
   * go, it is killed.
   */
  private async retireShim(id: string, shim: ShimClient, shimPid: number): Promise<void> {
    this.log.warn('removing a leftover shim and its task', { id, shimPid });
    await shim.call('kill', { signal: 9, all: true }).catch(() => undefined);
    await Promise.race([shim.call('wait', {}).catch(() => undefined), sleep(SHIM_EXIT_DEADLINE_MS)]);
    const deleted = await shim.call('delete', {}).then(() => true, () => false);
    if (!deleted) await shim.call('shutdown', {}).catch(() => undefined);
    await closed(shim, SHIM_EXIT_DEADLINE_MS);
    killShim(shimPid, id);
    await waitGone(shimPid, SHIM_EXIT_DEADLINE_MS);
  }

  /** What a task that never came to be may have left: shim, its socket, runtime state, bundle files. */
  private async removeLeftovers(task: Task): Promise<void> {
    const options = readOptions(task.bundle);
    removeDeadShim(task.bundle, this.opts.address, this.namespace, task.id);
    if (options) await runtimeForceDelete(options, task.id, this.log);
    this.forwardShimLog(task);
    removeBundle(this.dir, task.id, task.bundle);
  }

  private attach(task: Task, shim: ShimClient): void {
    task.shim = shim;
    shim.onExit((e) => {
      if (!e.execId) task.initExitPublished = true;
      this.publishExit({ type: 'exit', containerId: e.containerId, execId: e.execId, pid: e.pid, exitStatus: e.exitStatus, exitedAt: e.exitedAt });
    });
    shim.onClose(() => {
      if (task.deleting || this.tasks.get(task.id) !== task) return;
      this.log.warn('shim disconnected', { id: task.id });
      void this.shimDied(task);
    });
  }

  private publishExit(e: TaskExitEvent): void {
    this.log.info('task exit', { id: e.containerId, exec: e.execId || undefined, pid: e.pid, exitStatus: e.exitStatus });
    this.emit('exit', e);
  }

  private shimDied(task: Task): Promise<ExitResult> {
    task.dying ??= (async () => {
      const kept = readExit(task.bundle);
      const options = readOptions(task.bundle);
      removeDeadShim(task.bundle, this.opts.address, this.namespace, task.id);
      if (options) await runtimeForceDelete(options, task.id, this.log);
      const exit = kept ?? { pid: 0, exitStatus: SIGKILL_STATUS, exitedAt: rfc3339Nano() };
      task.tomb = exit;
      task.shim = undefined;
      this.forwardShimLog(task);
      removeBundle(this.dir, task.id, task.bundle);
      if (!task.initExitPublished) {
        task.initExitPublished = true;
        this.publishExit({ type: 'exit', containerId: task.id, execId: '', ...exit });
      }
      return exit;
    })();
    return task.dying;
  }

  /** The shim's log goes into ours when its bundle goes, as containerd relays its shims' logs. */
  private forwardShimLog(task: Task): void {
    const text = readShimLog(task.bundle);
    if (text) process.stderr.write(text.endsWith('\n') ? text : text + '\n');
  }

  async create(req: ShimTaskRequest): Promise<{ pid: number }> {
    if (this.tasks.has(req.id)) throw alreadyExists(`task ${req.id}`);
    const task: Task = { id: req.id, bundle: path.resolve(req.bundle) };
    this.tasks.set(req.id, task);
    const done = this.createTask(task, req);
    task.creating = done.then(() => undefined, () => undefined);
    try {
      return await done;
    } finally {
      task.creating = undefined;
    }
  }

  private async createTask(task: Task, req: ShimTaskRequest): Promise<{ pid: number }> {
    const started = process.hrtime.bigint();
    try {
      if (req.rootfs.length) throw unimplemented('rootfs mounts in Tasks/Create');
      if (req.terminal) throw unimplemented('a terminal for the init process');
      registerBundle(this.dir, req.id, task.bundle);
      writeSpec(task.bundle, req.spec);
      // runc's shim: binary_name looked up in PATH, state under <root>/<namespace>
      const runtimePath = req.runc.binary_name || 'runc';
      const runtimeRoot = path.join(req.runc.root || '/run/containerd/runc', this.namespace);
      writeOptions(task.bundle, { runtimePath, runtimeRoot });
      let shim: ShimClient | undefined;
      for (let attempt = 0; !shim; attempt++) {
        const address = await launchShim({ id: req.id, bundle: task.bundle, namespace: this.namespace, containerdAddress: this.opts.address });
        let s: ShimClient;
        let hello: { shimPid: number; taskPid: number };
        try {
          s = await ShimClient.connect(address);
          hello = await s.call('connect', {});
        } catch (err) {
          // launched but unreachable: it must not wait out its idle timeout with nobody to serve
          await this.removeLeftovers(task);
          throw err;
        }
        // The start step hands back a shim that already serves this id. With a task in it, it is
        // one we lost track of (its bundle was removed while we were down, so restore never saw
        // it): nobody is told that task exists, so it goes, and a fresh shim takes its place.
        if (hello.taskPid === 0) shim = s;
        else if (attempt > 0) throw new TaskError('unknown', `shim at ${address} keeps an old task`);
        else await this.retireShim(task.id, s, hello.shimPid);
      }
      const shimMs = Number(process.hrtime.bigint() - started) / 1e6;
      task.deleting = true; // until create succeeds, a closing shim is our own doing
      this.attach(task, shim);
      try {
        const { pid } = await shim.call('create', {
          id: req.id,
          bundle: task.bundle,
          runtimePath,
          runtimeRoot,
          stdin: req.stdin || undefined,
          stdout: req.stdout,
          stderr: req.stderr,
        });
        task.deleting = false;
        // shimMs: the shim's start step (two Node boots); the rest is mostly the runtime's create
        this.log.info('task created', { id: req.id, pid, ms: Number(process.hrtime.bigint() - started) / 1e6, shimMs });
        return { pid };
      } catch (err) {
        const gone = await shim.call('shutdown', {}).then(() => true, () => false);
        if (gone) await closed(shim, SHIM_EXIT_DEADLINE_MS);
        shim.close();
        // a shim that would not go (or went away unasked) may hold a container the runtime made
        if (!gone) await this.removeLeftovers(task);
        throw err;
      }
    } catch (err) {
      this.tasks.delete(req.id);
      this.forwardShimLog(task);
      removeBundle(this.dir, req.id, task.bundle);
      const e = err instanceof TaskError ? err : new TaskError('unknown', (err as Error).message);
      this.log.error('task create failed', { id: req.id, error: e.message });
      throw new TaskError(e.code, `failed to create shim task: ${e.message}`);
    }
  }

  private get(id: string): Task {
    const t = this.tasks.get(id);
    if (!t) throw notFound(`task ${id}`);
    return t;
  }

  /** The task once no create of it is in flight: created, or gone if the create failed. */
  private async settled(id: string): Promise<Task> {
    let t = this.get(id);
    while (t.creating) {
      await t.creating;
      t = this.get(id);
    }
    return t;
  }

  private liveShim(task: Task): ShimClient {
    if (!task.shim || task.tomb) throw notFound('process already finished');
    return task.shim;
  }

  async start(id: string, execId?: string): Promise<{ pid: number }> {
    const task = await this.settled(id);
    if (task.tomb) throw failedPrecondition(`task ${id} has exited`);
    const r = await this.liveShim(task).call('start', { execId });
    this.log.info(execId ? 'exec started' : 'task started', { id, exec: execId, pid: r.pid });
    return r;
  }

  async kill(id: string, signal: number, o: { all?: boolean; execId?: string } = {}): Promise<void> {
    const task = await this.settled(id);
    await this.liveShim(task).call('kill', { execId: o.execId, signal, all: o.all });
  }

  async exec(req: ExecProcessRequest & { terminal?: boolean }): Promise<void> {
    if (req.terminal) throw unimplemented('a terminal for an exec');
    const task = await this.settled(req.containerId);
    await this.liveShim(task).call('exec', { execId: req.execId, spec: req.spec, stdin: req.stdin || undefined, stdout: req.stdout, stderr: req.stderr });
  }

  async wait(id: string, execId?: string): Promise<ExitResult> {
    const task = await this.settled(id);
    if (task.tomb) {
      if (execId) throw notFound(`exec ${execId}`);
      return task.tomb;
    }
    try {
      return await this.liveShim(task).call('wait', { execId });
    } catch (err) {
      if (!execId && task.dying) return task.dying;
      throw err;
    }
  }

  async state(id: string, execId?: string): Promise<TaskState> {
    const task = await this.settled(id);
    if (task.tomb || task.dying) {
      if (execId) throw notFound(`exec ${execId}`);
      const exit = task.tomb ?? (await task.dying!);
      return { id, pid: exit.pid, status: 'stopped', exitStatus: exit.exitStatus, exitedAt: exit.exitedAt, bundle: task.bundle };
    }
    return this.liveShim(task).call('state', { execId });
  }

  async list(): Promise<TaskState[]> {
    // a task still being created is not listed yet: it exists once its create has answered
    const out = await Promise.all(
      [...this.tasks.values()].filter((t) => !t.creating).map((t) => this.state(t.id).catch(() => undefined)),
    );
    return out.filter((s): s is TaskState => s !== undefined);
  }

  async delete(id: string, execId?: string): Promise<ExitResult> {
    const task = await this.settled(id);
    if (execId) return this.liveShim(task).call('delete', { execId });
    if (task.tomb || task.dying) {
      const exit = task.tomb ?? (await task.dying!);
      this.tasks.delete(id);
      return exit;
    }
    const shim = this.liveShim(task);
    task.deleting = true;
    let exit: ExitResult;
    try {
      exit = await shim.call('delete', {});
    } catch (err) {
      task.deleting = false;
      if (shim.isClosed) return this.delete(id);
      throw err;
    }
    this.tasks.delete(id);
    await closed(shim, SHIM_EXIT_DEADLINE_MS);
    this.forwardShimLog(task);
    removeBundle(this.dir, id, task.bundle);
    this.log.info('task deleted', { id, exitStatus: exit.exitStatus });
    return exit;
  }

  // What the JSON-lines shim cannot do answers Unimplemented, as containerd answers for a shim
  // without the method; the checks for the task come first so that a missing one is NotFound.
  private async unsupported(id: string, what: string): Promise<never> {
    const task = await this.settled(id);
    this.liveShim(task);
    throw unimplemented(what);
  }

  resizePty(id: string, _execId: string | undefined, _width: number, _height: number): Promise<void> {
    return this.unsupported(id, 'ResizePty');
  }

  closeIO(id: string, _execId: string | undefined, _stdin: boolean): Promise<void> {
    return this.unsupported(id, 'CloseIO');
  }

  pause(id: string): Promise<void> {
    return this.unsupported(id, 'Pause');
  }

  resume(id: string): Promise<void> {
    return this.unsupported(id, 'Resume');
  }

  pids(id: string): Promise<{ pid: number; info: Any | null }[]> {
    return this.unsupported(id, 'Pids');
  }

  update(id: string, _raw: Any, _resources: Record<string, unknown>, _annotations: Record<string, string>): Promise<void> {
    return this.unsupported(id, 'Update');
  }

  stats(id: string): Promise<Any> {
    return this.unsupported(id, 'Stats');
  }

  close(): void {
    for (const t of this.tasks.values()) {
      t.deleting = true; // shims live on without us
      t.shim?.close();
    }
  }
}

function unimplemented(what: string): Error {
  return Object.assign(new Error(`${what}: not implemented`), { grpcCode: 12 });
}

/** containerd writes the container's spec into the bundle as the runtime's config.json. */
function writeSpec(bundle: string, spec: Record<string, unknown>): void {
  const target = path.join(bundle, 'config.json');
  fs.writeFileSync(`${target}.tmp`, JSON.stringify(spec));
  fs.renameSync(`${target}.tmp`, target);
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true, mode: 0o711 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (fs.existsSync(`/proc/${pid}`) && Date.now() < until) await sleep(20);
}

/** SIGKILL a shim by pid, after checking that the pid still is that shim (pids are reused). */
function killShim(pid: number, id: string): void {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('ref-containerd-shim') && cmdline.includes(id)) process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function closed(shim: ShimClient, deadlineMs: number): Promise<void> {
  if (shim.isClosed) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      shim.close();
      resolve();
    }, deadlineMs);
    shim.onClose(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * A shim we gave up on must not linger half alive, and its socket file must not outlive it (a
 * SIGKILLed shim leaves it behind). The pid is checked against the shim's command line first,
 * because a dead shim's pid may belong to someone else by now.
 */
function removeDeadShim(bundle: string, containerdAddress: string, namespace: string, id: string): void {
  try {
    killShim(Number(fs.readFileSync(path.join(bundle, 'shim.pid'), 'utf8')), id);
  } catch {
    // no pid file
  }
  const socket = fromAddress(readAddress(bundle) ?? shimSocketPath(containerdAddress, namespace, id));
  fs.rmSync(socket, { force: true });
}

/** What containerd-shim-runc-v2's `delete` action does for a dead shim: kill and forget. */
function runtimeForceDelete(o: { runtimePath: string; runtimeRoot: string }, id: string, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    execFile(o.runtimePath, ['--root', o.runtimeRoot, 'delete', '--force', id], { timeout: RUNTIME_DELETE_DEADLINE_MS }, (err, _out, stderr) => {
      if (err && !/does not exist|not exist/.test(stderr)) log.warn('runtime delete --force failed', { id, error: stderr.trim() || err.message });
      resolve();
    });
  });
}
