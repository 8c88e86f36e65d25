// The one task a shim owns: the container's init process and its execs, each with its stdio, its
// pid, and its exit once reaped. The runtime does the namespace work; this keeps the state machine
// created → running → stopped that containerd's runc shim keeps, with the same refusals.
import fs from 'node:fs';
import { readPidFile } from '../../lib/proc.js';
import path from 'node:path';
import type { ExecParams, ExitResult, TaskState, TaskStatus } from '../../api/task-types.js';
import { TaskError, alreadyExists, failedPrecondition, notFound, processFinished } from '../../api/errors.js';
import type { TaskEvents } from './task-events.js';
import { rfc3339Nano } from '../../api/clock.js';
import type { Logger } from '../../api/logrus.js';
import { ProcessIo } from './process-io.js';
import type { ConsoleIo } from './console.js';
import type { Reaper } from './reaper.js';
import { RuntimeError, run, type RuntimeContext } from './runtime-command.js';
import { writeExit } from '../../api/exit-store.js';
import { faultEnabled } from '../../lib/faults.js';

/** What Create gives the task (containerd.task.v2 CreateTaskRequest, as task-api.ts decodes it). */
export interface ShimCreateParams {
  id: string;
  bundle: string;
  runtimePath: string;
  runtimeRoot: string;
  stdin?: string;
  stdout: string;
  stderr: string;
  /** the runtime makes a pty and sends its master to this shim */
  terminal?: boolean;
}

interface ShimProcess {
  execId: string;
  pid: number;
  status: TaskStatus;
  exit?: ExitResult;
  io?: ProcessIo | ConsoleIo;
  waiters: ((exit: ExitResult) => void)[];
  spec?: Record<string, unknown>;
  stdio?: ExecParams;
  /**
   * The init's start is in flight: an exit that comes now (a command that ends at once) is
   * announced after the start, so subscribers see /tasks/start before /tasks/exit.
   */
  starting?: boolean;
  heldExit?: () => void;
}

/** How long a created-but-never-started init may take to die after `delete --force`. */
const FORCED_EXIT_DEADLINE_MS = 10_000;

export class ShimTask {
  private init?: ShimProcess;
  private readonly execs = new Map<string, ShimProcess>();
  private ctx?: RuntimeContext;
  /**
   * The init's create while the runtime works on it. Requests about the init wait for it to settle,
   * so that a containerd that reconnects mid-create (it was killed, or its client was) sees either
   * a created task or none, never a task that exists for one call and not for the next.
   */
  private creating?: Promise<unknown>;
  /** The init has been deleted: a Shutdown may now end the shim. */
  deleted = false;

  constructor(
    readonly id: string,
    readonly bundle: string,
    private readonly reaper: Reaper,
    private readonly log: Logger,
    private readonly events?: TaskEvents,
  ) {}

  /** The stdio paths each process was created with, for StateResponse. */
  stdioOf(execId = ''): { stdin?: string; stdout: string; stderr: string } | undefined {
    const proc = execId ? this.execs.get(execId) : this.init;
    return execId ? proc?.stdio : this.initStdio;
  }

  private initStdio?: { stdin?: string; stdout: string; stderr: string; terminal?: boolean };

  /** The init's pid and the pids of running execs, for Pids. */
  execPids(): Map<number, string> {
    const m = new Map<number, string>();
    for (const e of this.execs.values()) if (e.pid && e.status === 'running') m.set(e.pid, e.execId);
    return m;
  }

  get runtime(): RuntimeContext | undefined {
    return this.ctx;
  }

  /** Pause or resume the whole container through the runtime; the state follows. */
  async pause(resume: boolean): Promise<void> {
    await this.settled();
    const proc = this.find('');
    const from = resume ? 'paused' : 'running';
    if (proc.status !== from) throw failedPrecondition(`task ${this.id} is ${proc.status}, not ${from}`);
    try {
      await run(this.ctxOrThrow(), [resume ? 'resume' : 'pause', this.id]);
    } catch (err) {
      throw asShimError(err);
    }
    if (proc.status === from) proc.status = resume ? 'running' : 'paused';
    this.log.info(resume ? 'task resumed' : 'task paused', { id: this.id });
    if (resume) this.events?.resumed(this.id);
    else this.events?.paused(this.id);
  }

  /** ResizePty: the window of the process's terminal; nothing to do for a process without one. */
  async resizePty(execId: string, width: number, height: number): Promise<void> {
    if (!execId) await this.settled();
    const io = this.find(execId).io;
    if (io?.terminal) io.resize(width, height);
  }

  /** Whether the process was given a terminal, for StateResponse. */
  terminalOf(execId = ''): boolean {
    return Boolean((execId ? this.execs.get(execId)?.stdio : this.initStdio)?.terminal);
  }

  /** Closes the process's stdin (the client's end went away: the container reads EOF). */
  closeStdin(execId = ''): void {
    const proc = this.find(execId);
    proc.io?.closeStdin();
  }

  get initPid(): number {
    return this.init?.pid ?? 0;
  }

  create(p: ShimCreateParams): Promise<{ pid: number }> {
    if (this.init) return Promise.reject(alreadyExists(`task ${this.id}`));
    const done = this.createInit(p);
    const settled = done.then(() => undefined, () => undefined);
    this.creating = settled;
    void settled.then(() => {
      if (this.creating === settled) this.creating = undefined;
    });
    return done;
  }

  /** Resolves once no create of the init is in flight (whatever its outcome). */
  async settled(): Promise<void> {
    while (this.creating) await this.creating;
  }

  private async createInit(p: ShimCreateParams): Promise<{ pid: number }> {
    if (p.id !== this.id) throw failedPrecondition(`shim serves ${this.id}, not ${p.id}`);
    const proc: ShimProcess = { execId: '', pid: 0, status: 'created', waiters: [] };
    this.init = proc;
    this.ctx = {
      runtimePath: p.runtimePath,
      runtimeRoot: p.runtimeRoot,
      logFile: path.join(this.bundle, 'log.json'),
      reaper: this.reaper,
    };
    const pidFile = path.join(this.bundle, 'init.pid');
    const release = this.reaper.hold();
    try {
      await this.runWithIo(proc, p, pidFile, (consoleSocket) => ['create', '--bundle', this.bundle, '--pid-file', pidFile, ...consoleSocket, this.id]);
    } catch (err) {
      proc.io?.close();
      this.init = undefined;
      release();
      throw asShimError(err);
    }
    this.log.info('task created', { id: this.id, pid: proc.pid, runtime: p.runtimePath });
    this.initStdio = { stdin: p.stdin, stdout: p.stdout, stderr: p.stderr, terminal: p.terminal };
    this.events?.created(this.id, this.bundle, proc.pid, this.initStdio);
    this.reaper.adopt(proc.pid, (status) => this.exited(proc, status));
    release();
    return { pid: proc.pid };
  }

  async start(execId = ''): Promise<{ pid: number }> {
    if (!execId) await this.settled();
    const proc = this.find(execId);
    if (proc.status !== 'created') throw failedPrecondition(`process ${execId || this.id} is ${proc.status}, cannot start it`);
    if (!execId) {
      proc.starting = true;
      try {
        await run(this.ctxOrThrow(), ['start', this.id]);
      } catch (err) {
        this.releaseExit(proc);
        throw asShimError(err);
      }
      if (proc.status === 'created') proc.status = 'running';
      this.log.info('task started', { id: this.id, pid: proc.pid });
      this.events?.started(this.id, proc.pid);
      this.releaseExit(proc);
      return { pid: proc.pid };
    }
    return this.startExec(proc);
  }

  private async startExec(proc: ShimProcess): Promise<{ pid: number }> {
    const processFile = path.join(this.bundle, `exec-${proc.execId}.json`);
    const pidFile = path.join(this.bundle, `exec-${proc.execId}.pid`);
    fs.writeFileSync(processFile, JSON.stringify(proc.spec));
    const release = this.reaper.hold();
    try {
      await this.runWithIo(proc, proc.stdio!, pidFile, (consoleSocket) => ['exec', '--process', processFile, '--detach', '--pid-file', pidFile, ...consoleSocket, this.id]);
    } catch (err) {
      proc.io?.close();
      proc.io = undefined;
      release();
      throw asShimError(err);
    } finally {
      fs.rmSync(processFile, { force: true });
      fs.rmSync(pidFile, { force: true });
    }
    proc.status = 'running';
    this.log.info('exec started', { id: this.id, exec: proc.execId, pid: proc.pid });
    this.events?.execStarted(this.id, proc.execId, proc.pid);
    this.reaper.adopt(proc.pid, (status) => this.exited(proc, status));
    release();
    return { pid: proc.pid };
  }

  exec(p: ExecParams): Record<string, never> {
    if (!this.init) throw notFound(`task ${this.id}`);
    if (this.init.status === 'stopped') throw failedPrecondition(`container ${this.id} is not running`);
    if (this.execs.has(p.execId)) throw alreadyExists(`exec ${p.execId}`);
    this.execs.set(p.execId, { execId: p.execId, pid: 0, status: 'created', waiters: [], spec: p.spec, stdio: p });
    this.events?.execAdded(this.id, p.execId);
    return {};
  }

  async kill(execId = '', signal: number, all = false): Promise<Record<string, never>> {
    if (!execId) await this.settled();
    const proc = this.find(execId);
    if (proc.status === 'stopped') throw processFinished();
    if (execId) {
      if (proc.status === 'created') throw failedPrecondition(`exec ${execId} has not started`);
      try {
        process.kill(proc.pid, signal);
      } catch {
        throw processFinished();
      }
      return {};
    }
    try {
      await run(this.ctxOrThrow(), ['kill', ...(all ? ['--all'] : []), this.id, String(signal)]);
    } catch (err) {
      // The container exited between our check and runc's: containerd answers the same.
      if ((proc.status as string) === 'stopped' || /not running|does not exist|process already finished/.test((err as Error).message)) {
        throw processFinished();
      }
      throw asShimError(err);
    }
    this.log.info('signal sent', { id: this.id, signal, all });
    return {};
  }

  async delete(execId = ''): Promise<ExitResult> {
    if (!execId) await this.settled();
    const proc = this.find(execId);
    if (execId) {
      if (proc.status === 'running') throw failedPrecondition(`cannot delete a running process`);
      this.execs.delete(execId);
      return proc.exit ?? { pid: proc.pid, exitStatus: 0, exitedAt: rfc3339Nano() };
    }
    if (proc.status === 'running') throw failedPrecondition(`cannot delete running task ${this.id}`);
    const forced = proc.status === 'created';
    try {
      await run(this.ctxOrThrow(), ['delete', ...(forced ? ['--force'] : []), this.id]);
    } catch (err) {
      if (!/does not exist|not exist/.test((err as Error).message)) throw asShimError(err);
    }
    const exit = forced ? await this.waitFor(proc, FORCED_EXIT_DEADLINE_MS) : proc.exit!;
    this.log.info('task deleted', { id: this.id, exitStatus: exit.exitStatus });
    this.deleted = true;
    this.events?.deleted(this.id, exit);
    return exit;
  }

  async state(execId = ''): Promise<TaskState> {
    if (!execId) await this.settled();
    const proc = this.find(execId);
    return {
      id: this.id,
      execId: execId || undefined,
      pid: proc.pid,
      status: proc.status,
      exitStatus: proc.exit?.exitStatus,
      exitedAt: proc.exit?.exitedAt,
      bundle: this.bundle,
    };
  }

  async wait(execId = ''): Promise<ExitResult> {
    if (!execId) await this.settled();
    return this.waitFor(this.find(execId));
  }

  private waitFor(proc: ShimProcess, deadlineMs?: number): Promise<ExitResult> {
    if (proc.exit) return Promise.resolve(proc.exit);
    return new Promise((resolve, reject) => {
      proc.waiters.push(resolve);
      if (deadlineMs) {
        const t = setTimeout(() => reject(new TaskError('unknown', `process ${proc.pid} did not exit within ${deadlineMs} ms`)), deadlineMs);
        proc.waiters.push(() => clearTimeout(t));
      }
    });
  }

  private exited(proc: ShimProcess, exitStatus: number): void {
    // Fault switch wrong-exit-code (lib/faults.ts): the container's (not an exec's) status, off by one.
    if (!proc.execId && faultEnabled('wrong-exit-code')) exitStatus += 1;
    const exit: ExitResult = { pid: proc.pid, exitStatus, exitedAt: rfc3339Nano() };
    proc.exit = exit;
    proc.status = 'stopped';
    proc.io?.close();
    if (!proc.execId) {
      try {
        writeExit(this.bundle, exit);
      } catch (err) {
        this.log.error('cannot keep exit status on disk', { id: this.id, error: (err as Error).message });
      }
    }
    this.log.info('process exited', { id: this.id, exec: proc.execId || undefined, pid: proc.pid, exitStatus });
    for (const w of proc.waiters.splice(0)) w(exit);
    const announce = () => this.events?.exited(this.id, proc.execId, exit);
    if (proc.starting) proc.heldExit = announce;
    else announce();
  }

  private releaseExit(proc: ShimProcess): void {
    proc.starting = false;
    const held = proc.heldExit;
    proc.heldExit = undefined;
    held?.();
  }

  private find(execId: string): ShimProcess {
    const proc = execId ? this.execs.get(execId) : this.init;
    if (!proc) throw notFound(execId ? `exec ${execId} in task ${this.id}` : `task ${this.id}`);
    return proc;
  }

  /**
   * The runtime's create or exec with the process's stdio: FIFOs, or a console socket on which the
   * runtime hands back the terminal's master. The pid is the one the runtime wrote to `pidFile`.
   */
  private async runWithIo(proc: ShimProcess, stdio: Parameters<typeof stdioFor>[0], pidFile: string, args: (consoleSocket: string[]) => string[]): Promise<void> {
    const io = (proc.io = await stdioFor(stdio));
    const consoleSocket = io.terminal ? ['--console-socket', io.socket.path] : [];
    await run(this.ctxOrThrow(), args(consoleSocket), { stdio: io.stdio, cwd: this.bundle });
    await io.afterRuntime();
    proc.pid = readPid(pidFile);
  }

  private ctxOrThrow(): RuntimeContext {
    if (!this.ctx) throw notFound(`task ${this.id}`);
    return this.ctx;
  }

  /** Nothing left to wait for: every process has exited (or none was ever created). */
  get idle(): boolean {
    if (this.init && this.init.status !== 'stopped') return false;
    for (const e of this.execs.values()) if (e.status === 'running') return false;
    return true;
  }
}

/**
 * The terminal's module (node:tty, node:os, the console socket) is loaded by the first process that
 * asks for a terminal: a shim whose container has none never holds it (docs/benchmarks.md).
 */
async function stdioFor(p: { stdin?: string; stdout: string; stderr: string; terminal?: boolean }): Promise<ProcessIo | ConsoleIo> {
  if (!p.terminal) return new ProcessIo(p);
  const { ConsoleIo } = await import('./console.js');
  return new ConsoleIo(p);
}

function readPid(file: string): number {
  const pid = readPidFile(file);
  if (!pid) throw new Error(`no pid in ${file}`);
  return pid;
}

function asShimError(err: unknown): TaskError {
  if (err instanceof TaskError) return err;
  if (err instanceof RuntimeError) return new TaskError('unknown', err.message);
  return new TaskError('unknown', (err as Error).message ?? String(err));
}
