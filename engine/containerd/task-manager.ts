// ref-containerd's tasks of one namespace: one shim per container, launched by the runtime v2
// contract (task-create.ts, shim-launcher.ts), spoken to over ttrpc (shim-client.ts), found again
// after a restart through `<bundle>/address` (shim-load.ts). The shim's events reach containerd
// through Events/Forward, not here. A shim that dies or cannot be reached is handled as containerd's
// cleanupAfterDeadShim does (shim-cleanup.ts). The runtime itself is never called from here: that
// is the shim's business.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { ExecProcessRequest, ExitResult, TaskExitEvent, TaskState } from './task-service.js';
import type { AnyValue } from '../../api/any.js';
import { alreadyExists, failedPrecondition, notFound, processFinished } from '../../api/errors.js';
import type { Logger } from '../../api/logrus.js';
import type { ShimClient } from './shim-client.js';
import { tasksDir } from './bundle.js';
import { SHIM_EXIT_DEADLINE_MS, closed, forwardShimLog, removeTaskBundle, shimDied } from './shim-cleanup.js';
import { loadShims } from './shim-load.js';
import { createTask } from './task-create.js';

/** One container's task as the task manager keeps it, from create (or a restart) to delete. */
export interface Task {
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
   * create whose caller went away (the engine daemon killed) completes and leaves a deletable task.
   */
  creating?: Promise<void>;
  /** the init's pid once known: what a dead shim's exit reports when its delete action cannot */
  pid?: number;
  /** stops reading the shim's log FIFO */
  stopLog?: () => void;
}

/** Tasks/Create as the task manager gets it: the container's spec and runtime, resolved. */
export interface ShimTaskRequest {
  id: string;
  /** <state>/io.containerd.runtime.v2.task/<namespace>/<id>, made here */
  bundle: string;
  /** the container's runtime name (io.containerd.runc.v2, or a shim binary's path) */
  runtime: string;
  /** runtime options as given (an Any of containerd.runc.v1.Options), for the shim */
  options: AnyValue | null;
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
  namespace: string;
  log: Logger;
}

export class TaskManager extends EventEmitter<{ exit: [TaskExitEvent] }> {
  // Read and changed by the modules that do the task manager's longer jobs (shim-load.ts,
  // task-create.ts, shim-cleanup.ts), as containerd's TaskManager methods share its fields.
  readonly tasks = new Map<string, Task>();
  readonly namespace: string;
  /** <state>/io.containerd.runtime.v2.task/<namespace> */
  readonly dir: string;
  readonly log: Logger;
  /** containerd's own socket, for the shim's `-address` */
  readonly containerdAddress: string;

  constructor(opts: TaskManagerOptions) {
    super();
    this.namespace = opts.namespace;
    this.dir = tasksDir(opts.state, this.namespace);
    this.log = opts.log;
    this.containerdAddress = opts.address;
  }

  /** At start: reconnect to every live shim; clean up after the dead ones. */
  restore(): Promise<void> {
    return loadShims(this);
  }

  /** From now on the task is served by `shim`; a shim that goes unasked is handled as dead. */
  attach(task: Task, shim: ShimClient): void {
    task.shim = shim;
    shim.onClose(() => {
      if (task.deleting || this.tasks.get(task.id) !== task) return;
      this.log.warn('shim disconnected', { id: task.id });
      void shimDied(this, task);
    });
  }

  /** A /tasks/exit a shim forwarded: its init's exit needs no repeating if the shim dies. */
  noteExitForwarded(containerId: string, processId: string): void {
    const t = this.tasks.get(containerId);
    if (t && processId === containerId) t.initExitPublished = true;
  }

  publishExit(e: TaskExitEvent): void {
    this.log.info('task exit', { id: e.containerId, exec: e.execId || undefined, pid: e.pid, exitStatus: e.exitStatus });
    this.emit('exit', e);
  }

  async create(req: ShimTaskRequest): Promise<{ pid: number }> {
    if (this.tasks.has(req.id)) throw alreadyExists(`task ${req.id}`);
    const task: Task = { id: req.id, bundle: path.resolve(req.bundle) };
    this.tasks.set(req.id, task);
    const done = createTask(this, task, req);
    task.creating = done.then(() => undefined, () => undefined);
    try {
      return await done;
    } finally {
      task.creating = undefined;
    }
  }

  private get(id: string): Task {
    const t = this.tasks.get(id);
    if (!t) throw notFound(`no running task found: task ${id} not found`);
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
    if (!task.shim || task.tomb) throw processFinished();
    return task.shim;
  }

  private async shimOf(id: string): Promise<ShimClient> {
    return this.liveShim(await this.settled(id));
  }

  async start(id: string, execId?: string): Promise<{ pid: number }> {
    const task = await this.settled(id);
    if (task.tomb) throw failedPrecondition(`task ${id} has exited`);
    const r = await this.liveShim(task).start(execId);
    this.log.info(execId ? 'exec started' : 'task started', { id, exec: execId, pid: r.pid });
    return r;
  }

  async kill(id: string, signal: number, o: { all?: boolean; execId?: string } = {}): Promise<void> {
    await (await this.shimOf(id)).kill(signal, o);
  }

  async exec(req: ExecProcessRequest & { terminal?: boolean }): Promise<void> {
    await (await this.shimOf(req.containerId)).exec(req);
  }

  async wait(id: string, execId?: string): Promise<ExitResult> {
    const task = await this.settled(id);
    if (task.tomb) {
      if (execId) throw notFound(`exec ${execId}`);
      return task.tomb;
    }
    try {
      return await this.liveShim(task).wait(execId);
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
    return this.liveShim(task).state(execId);
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
    if (execId) return this.liveShim(task).delete(execId);
    if (task.tomb || task.dying) {
      const exit = task.tomb ?? (await task.dying!);
      this.tasks.delete(id);
      return exit;
    }
    const shim = this.liveShim(task);
    task.deleting = true;
    let exit: ExitResult;
    try {
      exit = await shim.delete();
    } catch (err) {
      task.deleting = false;
      if (shim.isClosed) return this.delete(id);
      throw err;
    }
    this.tasks.delete(id);
    // then the shim goes: containerd asks it to shut down and waits for the connection to close
    await shim.shutdown().catch(() => undefined);
    await closed(shim, SHIM_EXIT_DEADLINE_MS);
    forwardShimLog(task);
    removeTaskBundle(this, task);
    this.log.info('task deleted', { id, exitStatus: exit.exitStatus });
    return exit;
  }

  async resizePty(id: string, execId: string | undefined, width: number, height: number): Promise<void> {
    await (await this.shimOf(id)).resizePty(execId, width, height);
  }

  async closeIO(id: string, execId: string | undefined, stdin: boolean): Promise<void> {
    await (await this.shimOf(id)).closeIO(execId, stdin);
  }

  async pause(id: string): Promise<void> {
    await (await this.shimOf(id)).pause();
  }

  async resume(id: string): Promise<void> {
    await (await this.shimOf(id)).resume();
  }

  async pids(id: string): Promise<{ pid: number; info: AnyValue | null }[]> {
    return (await this.shimOf(id)).pids();
  }

  async update(id: string, resources: AnyValue, annotations: Record<string, string>): Promise<void> {
    await (await this.shimOf(id)).update(resources, annotations);
  }

  async stats(id: string): Promise<AnyValue | null> {
    return (await this.shimOf(id)).stats();
  }

  close(): void {
    for (const t of this.tasks.values()) {
      t.deleting = true; // shims live on without us
      t.shim?.close();
    }
  }
}
