// containerd's side of one shim connection: ttrpc calls to containerd.task.v2.Task, by the
// operation names the task manager uses, with answers turned into the engine's task types. The
// shim's events do not come this way: it forwards them to containerd's ttrpc socket
// (Events/Forward), which publishes them (see ttrpc-events.ts).
import { TtrpcClient } from '../../api/ttrpc/client.js';
import { TtrpcError } from '../../api/ttrpc/status.js';
import { scaled } from '../../lib/time-scale.js';
import { PROCESS_TYPE, packJson, type AnyValue } from '../../api/any.js';
import { fromTimestamp } from '../../api/timestamp.js';
import { TaskError, type TaskErrorCode } from '../../api/errors.js';
import type { ExecParams, ExitResult, TaskState, TaskStatus } from '../../api/task-types.js';

const TASK = 'containerd.task.v2.Task';
// only a guard against a hung shim: it measures the host's speed (lib/time-scale.ts)
const CALL_TIMEOUT_MS = scaled(60_000);

const codeOf: Record<number, TaskErrorCode> = {
  3: 'invalid-argument',
  5: 'not-found',
  6: 'already-exists',
  9: 'failed-precondition',
  12: 'not-implemented',
  14: 'unavailable',
};

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function asTaskError(err: unknown): TaskError {
  if (err instanceof TaskError) return err;
  if (err instanceof TtrpcError) return new TaskError(codeOf[err.code] ?? 'unknown', err.message);
  return new TaskError('unavailable', (err as Error).message);
}

function status(s: unknown): TaskStatus {
  const v = String(s ?? '').toLowerCase();
  return v === 'created' || v === 'running' || v === 'stopped' || v === 'paused' ? v : 'unknown';
}

export interface CreateParams {
  bundle: string;
  rootfs: { type: string; source: string; target?: string; options: string[] }[];
  terminal: boolean;
  stdin?: string;
  stdout: string;
  stderr: string;
  options: AnyValue | null;
}


export class ShimClient {
  private readonly closeHandlers: (() => void)[] = [];

  private constructor(
    readonly address: string,
    readonly id: string,
    private readonly conn: TtrpcClient,
  ) {
    conn.on('close', () => {
      for (const h of this.closeHandlers) h();
    });
  }

  static async connect(address: string, id: string, deadlineMs = 2000): Promise<ShimClient> {
    try {
      return new ShimClient(address, id, await TtrpcClient.connect(address, deadlineMs));
    } catch (err) {
      throw new TaskError('unavailable', `cannot connect to shim at ${address}: ${(err as Error).message}`);
    }
  }

  private async call<T = Msg>(method: string, req: Msg, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
    try {
      return await this.conn.callTyped<T>(TASK, method, { id: this.id, ...req }, timeoutMs ? { timeoutMs } : {});
    } catch (err) {
      throw asTaskError(err);
    }
  }

  /** Who serves this task: the shim's pid and the task's (0 before a task was created). */
  async hello(): Promise<{ shimPid: number; taskPid: number }> {
    const r = await this.call('Connect', {});
    return { shimPid: Number(r.shimPid ?? 0), taskPid: Number(r.taskPid ?? 0) };
  }

  async create(p: CreateParams): Promise<{ pid: number }> {
    const r = await this.call('Create', {
      bundle: p.bundle,
      rootfs: p.rootfs,
      terminal: p.terminal,
      stdin: p.stdin ?? '',
      stdout: p.stdout,
      stderr: p.stderr,
      options: p.options ?? undefined,
    });
    return { pid: Number(r.pid ?? 0) };
  }

  async start(execId?: string): Promise<{ pid: number }> {
    const r = await this.call('Start', { execId: execId ?? '' });
    return { pid: Number(r.pid ?? 0) };
  }

  async kill(signal: number, o: { execId?: string; all?: boolean } = {}): Promise<void> {
    await this.call('Kill', { execId: o.execId ?? '', signal, all: Boolean(o.all) });
  }

  async delete(execId?: string): Promise<ExitResult> {
    const r = await this.call('Delete', { execId: execId ?? '' });
    return { pid: Number(r.pid ?? 0), exitStatus: Number(r.exitStatus ?? 0), exitedAt: fromTimestamp(r.exitedAt) };
  }

  async state(execId?: string): Promise<TaskState> {
    const r = await this.call('State', { execId: execId ?? '' });
    const st = status(r.status);
    return {
      id: this.id,
      execId: execId || undefined,
      pid: Number(r.pid ?? 0),
      status: st,
      exitStatus: st === 'stopped' ? Number(r.exitStatus ?? 0) : undefined,
      exitedAt: st === 'stopped' ? fromTimestamp(r.exitedAt) : undefined,
      bundle: String(r.bundle ?? '') || undefined,
      stdio: { stdin: String(r.stdin ?? ''), stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), terminal: Boolean(r.terminal) },
    };
  }

  /** No deadline: it lasts as long as the process. */
  async wait(execId?: string): Promise<ExitResult> {
    const r = await this.call('Wait', { execId: execId ?? '' }, 0);
    return { pid: 0, exitStatus: Number(r.exitStatus ?? 0), exitedAt: fromTimestamp(r.exitedAt) };
  }

  async exec(p: ExecParams): Promise<void> {
    await this.call('Exec', {
      execId: p.execId,
      terminal: Boolean(p.terminal),
      stdin: p.stdin ?? '',
      stdout: p.stdout,
      stderr: p.stderr,
      spec: packJson(PROCESS_TYPE, p.spec),
    });
  }

  async resizePty(execId: string | undefined, width: number, height: number): Promise<void> {
    await this.call('ResizePty', { execId: execId ?? '', width, height });
  }

  async closeIO(execId: string | undefined, stdin: boolean): Promise<void> {
    await this.call('CloseIO', { execId: execId ?? '', stdin });
  }

  async pause(): Promise<void> {
    await this.call('Pause', {});
  }

  async resume(): Promise<void> {
    await this.call('Resume', {});
  }

  async pids(): Promise<{ pid: number; info: AnyValue | null }[]> {
    const r = await this.call('Pids', {});
    return ((r.processes as Msg[]) ?? []).map((p) => ({ pid: Number(p.pid ?? 0), info: p.info?.typeUrl ? (p.info as AnyValue) : null }));
  }

  async update(resources: AnyValue, annotations: Record<string, string>): Promise<void> {
    await this.call('Update', { resources, annotations });
  }

  async stats(): Promise<AnyValue | null> {
    const r = await this.call('Stats', {});
    return r.stats?.typeUrl ? (r.stats as AnyValue) : null;
  }

  /** Asks the shim to exit once nothing runs in it; it closes the connection as it goes. */
  async shutdown(now = false): Promise<void> {
    await this.call('Shutdown', { now }, 5000);
  }

  /** Runs before pending calls are rejected, so a waiter can find out why its call failed. */
  onClose(handler: () => void): void {
    this.closeHandlers.push(handler);
  }

  get isClosed(): boolean {
    return this.conn.isClosed;
  }

  close(): void {
    this.conn.close();
  }
}
