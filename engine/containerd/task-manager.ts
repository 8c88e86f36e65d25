// ref-containerd's tasks: one shim per container, launched through its `start` step, found again
// after a restart through `<bundle>/address`. A shim that dies or cannot be reached is handled as
// containerd's cleanupAfterDeadShim does: the runtime force-deletes the container, the task is
// reported exited (the status the shim kept in exit.json, else 128+SIGKILL) and kept as a stopped
// entry until dockerd deletes it.
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { CreateTaskRequest, ExecProcessRequest, ExitResult, TaskExitEvent, TaskState } from './task-service.js';
import { TaskError, alreadyExists, failedPrecondition, notFound } from './errors.js';
import type { Logger } from './logrus.js';
import { rfc3339Nano } from './clock.js';
import { ShimClient } from './shim-client.js';
import { launchShim, readAddress } from './shim-launcher.js';
import { listBundles, readOptions, readShimLog, registerBundle, removeBundle, tasksDir, writeOptions } from './bundle.js';
import { readExit } from '../../runtime/shim/exit-store.js';
import { fromAddress, shimSocketPath, toAddress } from '../../runtime/shim/shim-address.js';

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

  /** `<exec-root>/runtime-runc/moby`: the exec root is the parent of containerd's state dir. */
  defaultRuntimeRoot(): string {
    return path.join(path.dirname(this.opts.state), 'runtime-runc', this.namespace);
  }

  /** At start: reconnect to every live shim; clean up after the dead ones. */
  async restore(): Promise<void> {
    const found = listBundles(this.dir);
    await Promise.all(found.map(({ id, bundle }) => this.restoreOne(id, bundle)));
    if (found.length) this.log.info('tasks restored', { count: this.tasks.size });
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
    this.log.info('reconnected to shim', { id, address });
    // An exit that happened while we were down reached no one: say it again.
    const s = await shim.call('state', {}).catch(() => undefined);
    if (s?.status === 'stopped' && s.exitStatus !== undefined) {
      this.publishExit({ type: 'exit', containerId: id, execId: '', pid: s.pid, exitStatus: s.exitStatus, exitedAt: s.exitedAt ?? rfc3339Nano() });
    }
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

  async create(req: CreateTaskRequest): Promise<{ pid: number }> {
    if (this.tasks.has(req.id)) throw alreadyExists(`task ${req.id}`);
    const task: Task = { id: req.id, bundle: path.resolve(req.bundle) };
    this.tasks.set(req.id, task);
    const started = process.hrtime.bigint();
    try {
      registerBundle(this.dir, req.id, task.bundle);
      const runtimeRoot = req.runtimeRoot || this.defaultRuntimeRoot();
      writeOptions(task.bundle, { runtimePath: req.runtimePath, runtimeRoot });
      const address = await launchShim({ id: req.id, bundle: task.bundle, namespace: this.namespace, containerdAddress: this.opts.address });
      const shimMs = Number(process.hrtime.bigint() - started) / 1e6;
      const shim = await ShimClient.connect(address);
      task.deleting = true; // until create succeeds, a closing shim is our own doing
      this.attach(task, shim);
      try {
        const { pid } = await shim.call('create', {
          id: req.id,
          bundle: task.bundle,
          runtimePath: req.runtimePath,
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
        await shim.call('shutdown', {}).catch(() => undefined);
        shim.close();
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

  private liveShim(task: Task): ShimClient {
    if (!task.shim || task.tomb) throw notFound('process already finished');
    return task.shim;
  }

  async start(id: string, execId?: string): Promise<{ pid: number }> {
    const task = this.get(id);
    if (task.tomb) throw failedPrecondition(`task ${id} has exited`);
    const r = await this.liveShim(task).call('start', { execId });
    this.log.info(execId ? 'exec started' : 'task started', { id, exec: execId, pid: r.pid });
    return r;
  }

  async kill(id: string, signal: number, o: { all?: boolean; execId?: string } = {}): Promise<void> {
    const task = this.get(id);
    await this.liveShim(task).call('kill', { execId: o.execId, signal, all: o.all });
  }

  async exec(req: ExecProcessRequest): Promise<void> {
    const task = this.get(req.containerId);
    await this.liveShim(task).call('exec', { execId: req.execId, spec: req.spec, stdin: req.stdin || undefined, stdout: req.stdout, stderr: req.stderr });
  }

  async wait(id: string, execId?: string): Promise<ExitResult> {
    const task = this.get(id);
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
    const task = this.get(id);
    if (task.tomb || task.dying) {
      if (execId) throw notFound(`exec ${execId}`);
      const exit = task.tomb ?? (await task.dying!);
      return { id, pid: exit.pid, status: 'stopped', exitStatus: exit.exitStatus, exitedAt: exit.exitedAt, bundle: task.bundle };
    }
    return this.liveShim(task).call('state', { execId });
  }

  async list(): Promise<TaskState[]> {
    const out = await Promise.all(
      [...this.tasks.keys()].map((id) => this.state(id).catch(() => undefined)),
    );
    return out.filter((s): s is TaskState => s !== undefined);
  }

  async delete(id: string, execId?: string): Promise<ExitResult> {
    const task = this.get(id);
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

  close(): void {
    for (const t of this.tasks.values()) {
      t.deleting = true; // shims live on without us
      t.shim?.close();
    }
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
    const pid = Number(fs.readFileSync(path.join(bundle, 'shim.pid'), 'utf8'));
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('ref-containerd-shim') && cmdline.includes(id)) process.kill(pid, 'SIGKILL');
  } catch {
    // no pid file, or that process is gone
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
