// ref-containerd's tasks of one namespace: one shim per container, launched by the runtime v2
// contract (shim-launcher.ts), spoken to over ttrpc (shim-client.ts), found again after a restart
// through `<bundle>/address`. The shim's events reach containerd through Events/Forward, not
// here. A shim that dies or cannot be reached is handled as containerd's cleanupAfterDeadShim
// does: the shim binary's `delete` action cleans up and says how the task ended, the task is
// reported exited and kept as a stopped entry until its client deletes it. The runtime itself is
// never called from here: that is the shim's business.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { ExecProcessRequest, ExitResult, TaskExitEvent, TaskState } from './task-service.js';
import type { AnyValue } from '../../api/any.js';
import { TaskError, alreadyExists, failedPrecondition, notFound } from '../../api/errors.js';
import type { Logger } from '../../api/logrus.js';
import { rfc3339Nano } from '../../api/clock.js';
import { ShimClient } from './shim-client.js';
import { launchShim, readAddress, resolveShimBinary, shimDeleteAction } from './shim-launcher.js';
import { listBundles, readOptions, readShimLog, registerBundle, removeBundle, tasksDir, writeOptions } from './bundle.js';
import { fromAddress } from '../../api/shim-address.js';
import { openShimLog } from './shim-log.js';
import { faultEnabled } from '../../lib/faults.js';

const SIGKILL_STATUS = 128 + 9;
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
  private readonly tasks = new Map<string, Task>();
  private readonly namespace: string;
  private readonly dir: string;
  private readonly log: Logger;

  constructor(private readonly opts: TaskManagerOptions) {
    super();
    this.namespace = opts.namespace;
    this.dir = tasksDir(opts.state, this.namespace);
    this.log = opts.log;
  }

  /** At start: reconnect to every live shim; clean up after the dead ones. */
  async restore(): Promise<void> {
    const found = listBundles(this.dir);
    await Promise.all(found.map(({ id, bundle }) => this.restoreOne(id, bundle)));
    if (found.length) this.log.info('tasks restored', { count: this.tasks.size, namespace: this.namespace });
  }

  private async restoreOne(id: string, bundle: string): Promise<void> {
    const task: Task = { id, bundle };
    this.tasks.set(id, task);
    const address = readAddress(bundle);
    let shim: ShimClient;
    try {
      if (!address) throw new Error('no address recorded');
      // Fault switch shims-not-reconnected (lib/faults.ts): a live shim is handled as a dead one.
      if (faultEnabled('shims-not-reconnected')) throw new Error('not reconnecting (fault shims-not-reconnected)');
      shim = await ShimClient.connect(address, id);
      await shim.hello();
    } catch (err) {
      this.log.warn('shim is gone, cleaning up its task', { id, address, error: (err as Error).message });
      if (!readOptions(bundle)) {
        // never got as far as launching a shim: only leftovers of an interrupted create
        this.tasks.delete(id);
        this.removeTaskBundle(task);
        return;
      }
      await this.shimDied(task);
      return;
    }
    task.stopLog = openShimLog(bundle);
    this.attach(task, shim);
    // The shim settles a create that was in flight when we died before it answers, so this is
    // either the task or "not found": a shim we launched but never got to create a task in.
    let s: TaskState | undefined;
    try {
      s = await shim.state();
    } catch (err) {
      if ((err as TaskError).code === 'not-found') {
        await this.discardHalfCreated(task, shim);
        return;
      }
    }
    if (s?.pid) task.pid = s.pid;
    // Nothing is announced for a task found stopped: its exit went out before the restart, or its
    // shim is still forwarding it (retries outlast a short outage), as with containerd.
    this.log.info('reconnected to shim', { id, address, status: s?.status });
  }

  /**
   * A shim with no task in it (containerd died between the shim's start and its create, or the
   * create failed meanwhile): nobody was told the task exists, so it must not. The shim is asked to
   * go, cleaned up through its delete action if it does not, and the bundle files are removed.
   */
  private async discardHalfCreated(task: Task, shim: ShimClient): Promise<void> {
    this.log.warn('removing a task that was never created', { id: task.id });
    task.deleting = true;
    await shim.shutdown(true).catch(() => undefined);
    await closed(shim, SHIM_EXIT_DEADLINE_MS);
    await this.removeLeftovers(task);
    if (this.tasks.get(task.id) === task) this.tasks.delete(task.id);
  }

  /** What a task that never came to be may have left: shim, its socket, runtime state, bundle files. */
  private async removeLeftovers(task: Task): Promise<void> {
    await this.deleteAction(task).catch(() => undefined);
    removeDeadShim(task.bundle, task.id);
    this.forwardShimLog(task);
    this.removeTaskBundle(task);
  }

  /** The shim binary's own cleanup for a task whose shim is gone. */
  private deleteAction(task: Task): Promise<ExitResult> {
    const binary = readOptions(task.bundle)?.shim;
    if (!binary) return Promise.reject(new Error('no shim binary recorded'));
    return shimDeleteAction({ binary, id: task.id, bundle: task.bundle, namespace: this.namespace, containerdAddress: this.opts.address });
  }

  private attach(task: Task, shim: ShimClient): void {
    task.shim = shim;
    shim.onClose(() => {
      if (task.deleting || this.tasks.get(task.id) !== task) return;
      this.log.warn('shim disconnected', { id: task.id });
      void this.shimDied(task);
    });
  }

  /** A /tasks/exit a shim forwarded: its init's exit needs no repeating if the shim dies. */
  noteExitForwarded(containerId: string, processId: string): void {
    const t = this.tasks.get(containerId);
    if (t && processId === containerId) t.initExitPublished = true;
  }

  private publishExit(e: TaskExitEvent): void {
    this.log.info('task exit', { id: e.containerId, exec: e.execId || undefined, pid: e.pid, exitStatus: e.exitStatus });
    this.emit('exit', e);
  }

  private shimDied(task: Task): Promise<ExitResult> {
    task.dying ??= (async () => {
      const reported = await this.deleteAction(task).catch((err: Error) => {
        this.log.warn('cleanup after dead shim failed', { id: task.id, error: err.message });
        return undefined;
      });
      removeDeadShim(task.bundle, task.id);
      const exit = reported ?? { pid: task.pid ?? 0, exitStatus: SIGKILL_STATUS, exitedAt: rfc3339Nano() };
      task.tomb = exit;
      task.shim = undefined;
      this.forwardShimLog(task);
      this.removeTaskBundle(task);
      if (!task.initExitPublished) {
        task.initExitPublished = true;
        this.publishExit({ type: 'exit', containerId: task.id, execId: '', ...exit });
      }
      return exit;
    })();
    return task.dying;
  }

  private removeTaskBundle(task: Task): void {
    task.stopLog?.();
    task.stopLog = undefined;
    removeBundle(this.dir, task.id, task.bundle);
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
      const binary = resolveShimBinary(req.runtime);
      registerBundle(this.dir, req.id, task.bundle);
      writeSpec(task.bundle, req.spec);
      writeOptions(task.bundle, { shim: binary, runtime: req.runtime });
      task.stopLog = openShimLog(task.bundle);
      let shim: ShimClient | undefined;
      for (let attempt = 0; !shim; attempt++) {
        const address = await launchShim({
          binary,
          id: req.id,
          bundle: task.bundle,
          namespace: this.namespace,
          containerdAddress: this.opts.address,
          options: req.options,
        });
        let s: ShimClient;
        let hello: { shimPid: number; taskPid: number };
        try {
          s = await ShimClient.connect(address, req.id);
          hello = await s.hello();
        } catch (err) {
          // launched but unreachable: it must not wait out its idle timeout with nobody to serve
          await this.removeLeftovers(task);
          throw err;
        }
        // The start step hands back a shim that already serves this id. With a task in it, it is
        // one we lost track of: nobody was told that task exists, so it goes, and a fresh shim
        // takes its place.
        if (hello.taskPid === 0) shim = s;
        else if (attempt > 0) throw new TaskError('unknown', `shim at ${address} keeps an old task`);
        else await this.retireShim(task, s, hello.shimPid);
      }
      const shimMs = Number(process.hrtime.bigint() - started) / 1e6;
      task.deleting = true; // until create succeeds, a closing shim is our own doing
      this.attach(task, shim);
      try {
        const { pid } = await shim.create({
          bundle: task.bundle,
          rootfs: req.rootfs,
          terminal: req.terminal,
          stdin: req.stdin,
          stdout: req.stdout,
          stderr: req.stderr,
          options: req.options,
        });
        task.deleting = false;
        task.pid = pid;
        // shimMs: the shim's start step; the rest is mostly the runtime's create
        this.log.info('task created', { id: req.id, pid, ms: Number(process.hrtime.bigint() - started) / 1e6, shimMs });
        return { pid };
      } catch (err) {
        // containerd's order after a failed create: delete in the shim, then let it go
        await shim.delete().catch(() => undefined);
        const gone = await shim.shutdown().then(() => true, () => false);
        if (gone) await closed(shim, SHIM_EXIT_DEADLINE_MS);
        shim.close();
        // a shim that would not go (or went away unasked) may hold a container the runtime made
        if (!gone) await this.removeLeftovers(task);
        throw err;
      }
    } catch (err) {
      this.tasks.delete(req.id);
      this.forwardShimLog(task);
      this.removeTaskBundle(task);
      const e = err instanceof TaskError ? err : new TaskError('unknown', (err as Error).message);
      this.log.error('task create failed', { id: req.id, error: e.message });
      throw new TaskError(e.code, `failed to create shim task: ${e.message}`);
    }
  }

  /** Take down a shim with a task nobody knows: kill, delete, shut down; its delete action if it will not go. */
  private async retireShim(task: Task, shim: ShimClient, shimPid: number): Promise<void> {
    this.log.warn('removing a leftover shim and its task', { id: task.id, shimPid });
    await shim.kill(9, { all: true }).catch(() => undefined);
    await Promise.race([shim.wait().catch(() => undefined), sleep(SHIM_EXIT_DEADLINE_MS)]);
    await shim.delete().catch(() => undefined);
    await shim.shutdown(true).catch(() => undefined);
    await closed(shim, SHIM_EXIT_DEADLINE_MS);
    if (isAlive(shimPid)) await this.deleteAction(task).catch(() => undefined);
    removeDeadShim(task.bundle, task.id);
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
    if (!task.shim || task.tomb) throw notFound('process already finished');
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
    this.forwardShimLog(task);
    this.removeTaskBundle(task);
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

/** containerd writes the container's spec into the bundle as the runtime's config.json. */
function writeSpec(bundle: string, spec: Record<string, unknown>): void {
  const target = path.join(bundle, 'config.json');
  fs.writeFileSync(`${target}.tmp`, JSON.stringify(spec));
  fs.renameSync(`${target}.tmp`, target);
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true, mode: 0o711 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isAlive(pid: number): boolean {
  return pid > 0 && fs.existsSync(`/proc/${pid}`);
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
function removeDeadShim(bundle: string, id: string): void {
  try {
    const pid = Number(fs.readFileSync(path.join(bundle, 'shim.pid'), 'utf8'));
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes(id)) process.kill(pid, 'SIGKILL');
  } catch {
    // no pid file, or gone already
  }
  const address = readAddress(bundle);
  if (address) fs.rmSync(fromAddress(address), { force: true });
}
