// ref-dockerd's client of containerd's API (api/proto/containerd/services/): the TaskService that the daemon
// codes against, spoken as dockerd's libcontainerd speaks it to any containerd, ref-containerd or
// the real one. Every call carries the namespace `moby`; the spec travels as a typeurl Any with
// JSON; exits arrive as containerd.events.TaskExit on an Events/Subscribe stream. containerd down
// reads as Docker shows it: `… dial unix <sock>: connect: connection refused": unavailable`.
// The transport is api/grpc/client.ts (node:http2 and the contract's codec), not grpc-js: one RPC is
// one method here, over `call(service, method, request)`.
//
//   const tasks = await connectTaskService('<exec-root>/containerd/containerd.sock', { deadlineMs: 10_000 });
//   await tasks.create({ id, bundle, spec, runtimePath: '/usr/sbin/runc', runtimeRoot, stdout, stderr });
//   await tasks.start(id);
//   const exit = await tasks.wait(id);          // { pid, exitStatus, exitedAt }
//   await tasks.delete(id);                     // the task, then the container
//   const { timestamp, data } = await tasks.metrics(id);   // data: an Any of the cgroups Metrics
import { existsSync } from 'node:fs';
import { scaled } from '../../lib/time-scale.js';
import type { CreateTaskRequest, ExecProcessRequest, ExitResult, TaskEvent, TaskMetric, TaskService, TaskState, TaskStatus } from './task-service.js';
import { GrpcStatus, TaskError, type TaskErrorCode, unavailable } from '../../api/errors.js';
import { GrpcChannel, GrpcError } from '../../api/grpc/client.js';
import { PROCESS_TYPE, RUNC_OPTIONS_TYPE, SPEC_TYPE, copyAny, packJson, packMessage, unpackMessage } from '../../api/any.js';
import { fromTimestamp } from '../../api/timestamp.js';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const NAMESPACE = 'moby';
/** The runtime dockerd 20.10 always asks containerd for. */
export const RUNTIME_NAME = 'io.containerd.runc.v2';
/** Where dockerd records the directory of a container's FIFOs. */
export const BUNDLE_LABEL = 'com.docker/engine.bundle.path';

/**
 * Per-call deadlines; Wait and the event stream have none, they last as long as the process.
 * dockerd sets none on these calls; ours only guard against a hung containerd, so they measure
 * the host's speed and stretch with DOCKSPEC_TIME_SCALE (a software-emulated guest).
 */
const CALL_DEADLINE_MS = scaled(30_000);
const CREATE_DEADLINE_MS = scaled(60_000);

export interface ConnectOptions {
  /** give up connecting after this long (default 5 s) */
  deadlineMs?: number;
  namespace?: string;
}

const codeOf: Record<number, TaskErrorCode> = {
  [GrpcStatus.NOT_FOUND]: 'not-found',
  [GrpcStatus.ALREADY_EXISTS]: 'already-exists',
  [GrpcStatus.FAILED_PRECONDITION]: 'failed-precondition',
  [GrpcStatus.UNAVAILABLE]: 'unavailable',
};

/** containerd's services that dockerd calls, by the short names the methods below use. */
const SERVICES = {
  tasks: 'containerd.services.tasks.v1.Tasks',
  containers: 'containerd.services.containers.v1.Containers',
  events: 'containerd.services.events.v1.Events',
} as const;

function socketPath(address: string): string {
  return address.replace(/^unix:\/\//, '');
}

function statusOf(s: unknown): TaskStatus {
  const v = String(s ?? '').toLowerCase();
  return v === 'created' || v === 'running' || v === 'stopped' || v === 'paused' ? v : 'unknown';
}

function toState(p: Msg): TaskState {
  const status = statusOf(p.status);
  const containerId = String(p.containerId || p.id || '');
  return {
    id: containerId,
    execId: p.id && p.id !== containerId ? String(p.id) : undefined,
    pid: Number(p.pid ?? 0),
    status,
    exitStatus: status === 'stopped' ? Number(p.exitStatus ?? 0) : undefined,
    exitedAt: status === 'stopped' && p.exitedAt ? fromTimestamp(p.exitedAt) : undefined,
  };
}

function toExit(m: Msg): ExitResult {
  return { pid: Number(m.pid ?? 0), exitStatus: Number(m.exitStatus ?? 0), exitedAt: fromTimestamp(m.exitedAt) };
}

export class TaskClient implements TaskService {
  // one connection for all three services, as dockerd's client has
  private readonly channel: GrpcChannel;
  private readonly metadata: Record<string, string>;

  constructor(
    readonly address: string,
    readonly namespace = NAMESPACE,
  ) {
    this.channel = new GrpcChannel(socketPath(address));
    this.metadata = { 'containerd-namespace': namespace };
  }

  /** Resolves once containerd answers; rejects `unavailable` with Docker's text after the deadline. */
  async ready(deadlineMs = 5000): Promise<void> {
    try {
      await this.channel.ready(deadlineMs);
    } catch {
      // the filesystem tells refused from missing
      throw unavailable(this.address, existsSync(socketPath(this.address)) ? 'ECONNREFUSED' : 'ENOENT');
    }
  }

  private async call(svc: keyof typeof SERVICES, method: string, req: Msg, deadlineMs: number | undefined = CALL_DEADLINE_MS): Promise<Msg> {
    try {
      return await this.channel.unary(SERVICES[svc], method, req, this.metadata, deadlineMs);
    } catch (err) {
      throw this.mapError(err as GrpcError);
    }
  }

  /** containerd's messages already end with the errdefs class (": not found"), as Go shows them. */
  private mapError(err: GrpcError): TaskError {
    const code = codeOf[err.code] ?? 'unknown';
    if (code === 'unavailable') {
      // Go's dialer, as dockerd shows it, tells a missing socket from a refusing one
      return unavailable(this.address, existsSync(socketPath(this.address)) ? err.details : 'ENOENT');
    }
    const details = err.details || err.message;
    const cls = code === 'unknown' ? '' : code.replace('-', ' ');
    return new TaskError(code, cls && !details.endsWith(`: ${cls}`) ? `${details}: ${cls}` : details);
  }

  async create(req: CreateTaskRequest): Promise<{ pid: number }> {
    const options = packMessage(RUNC_OPTIONS_TYPE, { binaryName: req.runtimePath, root: req.runtimeRoot ?? '' });
    await this.call('containers', 'Create', {
      container: {
        id: req.id,
        labels: { [BUNDLE_LABEL]: req.bundle },
        runtime: { name: RUNTIME_NAME, options },
        spec: packJson(SPEC_TYPE, req.spec),
      },
    });
    try {
      const res = await this.call(
        'tasks',
        'Create',
        { containerId: req.id, stdin: req.stdin ?? '', stdout: req.stdout, stderr: req.stderr, terminal: Boolean(req.terminal), options },
        CREATE_DEADLINE_MS,
      );
      return { pid: Number(res.pid) };
    } catch (err) {
      await this.call('containers', 'Delete', { id: req.id }).catch(() => undefined);
      throw err;
    }
  }

  async start(containerId: string, execId?: string): Promise<{ pid: number }> {
    const res = await this.call('tasks', 'Start', { containerId: containerId, execId: execId ?? '' });
    return { pid: Number(res.pid) };
  }

  async kill(containerId: string, signal: number, opts: { all?: boolean; execId?: string } = {}): Promise<void> {
    await this.call('tasks', 'Kill', { containerId: containerId, execId: opts.execId ?? '', signal, all: Boolean(opts.all) });
  }

  /** An exec's process; or the task and then its container, as dockerd removes both at exit. */
  async delete(containerId: string, execId?: string): Promise<ExitResult> {
    if (execId) return toExit(await this.call('tasks', 'DeleteProcess', { containerId: containerId, execId: execId }));
    let exit: ExitResult | undefined;
    let taskErr: unknown;
    try {
      exit = toExit(await this.call('tasks', 'Delete', { containerId: containerId }));
    } catch (err) {
      if ((err as TaskError).code !== 'not-found') throw err;
      taskErr = err;
    }
    await this.call('containers', 'Delete', { id: containerId }).catch((err: TaskError) => {
      if (err.code !== 'not-found') throw err;
    });
    if (!exit) throw taskErr;
    return exit;
  }

  async wait(containerId: string, execId?: string): Promise<ExitResult> {
    const res = await this.call('tasks', 'Wait', { containerId: containerId, execId: execId ?? '' }, 0);
    return { pid: 0, exitStatus: Number(res.exitStatus ?? 0), exitedAt: fromTimestamp(res.exitedAt) };
  }

  async state(containerId: string, execId?: string): Promise<TaskState> {
    const res = await this.call('tasks', 'Get', { containerId: containerId, execId: execId ?? '' });
    return toState({ containerId: containerId, ...res.process });
  }

  async list(): Promise<TaskState[]> {
    const res = await this.call('tasks', 'List', {});
    return ((res.tasks as Msg[]) ?? []).map(toState);
  }

  async exec(req: ExecProcessRequest): Promise<void> {
    await this.call('tasks', 'Exec', {
      containerId: req.containerId,
      execId: req.execId,
      stdin: req.stdin ?? '',
      stdout: req.stdout,
      stderr: req.stderr,
      terminal: Boolean(req.terminal),
      spec: packJson(PROCESS_TYPE, req.spec),
    });
  }

  async pause(containerId: string): Promise<void> {
    await this.call('tasks', 'Pause', { containerId });
  }

  async resume(containerId: string): Promise<void> {
    await this.call('tasks', 'Resume', { containerId });
  }

  async resizePty(containerId: string, execId: string | undefined, width: number, height: number): Promise<void> {
    await this.call('tasks', 'ResizePty', { containerId, execId: execId ?? '', width, height });
  }

  async closeStdin(containerId: string, execId?: string): Promise<void> {
    await this.call('tasks', 'CloseIO', { containerId, execId: execId ?? '', stdin: true });
  }

  /**
   * containerd's own client leaves out a task whose shim could not answer; it then tells a task
   * that is gone (not found, from Get) from one that gave nothing ("no metrics received").
   */
  async metrics(containerId: string): Promise<TaskMetric> {
    const res = await this.call('tasks', 'Metrics', { filters: [`id==${containerId}`] });
    const m = (res.metrics as Msg[] | undefined)?.[0];
    const data = copyAny(m?.data);
    if (m && data) return { timestamp: fromTimestamp(m.timestamp), data };
    const gone = await this.state(containerId).then(
      () => undefined,
      (err: TaskError) => (err.code === 'not-found' ? err : undefined),
    );
    throw gone ?? new TaskError('unknown', 'no metrics received');
  }

  /** dockerd's subscription: this namespace's task events; exits and OOM kills matter here. */
  subscribe(onEvent: (e: TaskEvent) => void, onError: (err: Error) => void): () => void {
    const stream = this.channel.serverStream(SERVICES.events, 'Subscribe', { filters: [`namespace==${this.namespace},topic~=|^/tasks/|`] }, this.metadata);
    let unsubscribed = false;
    stream.on('data', (env: Msg) => {
      if (env.topic === '/tasks/oom') {
        if (env.event?.typeUrl !== 'containerd.events.TaskOOM') return;
        const o = unpackMessage<Msg>(env.event, 'containerd.events.TaskOOM')!;
        onEvent({ type: 'oom', containerId: String(o.containerId) });
        return;
      }
      if (env.topic !== '/tasks/exit') return;
      if (env.event?.typeUrl !== 'containerd.events.TaskExit') return;
      const e = unpackMessage<Msg>(env.event, 'containerd.events.TaskExit')!;
      const containerId = String(e.containerId);
      onEvent({
        type: 'exit',
        containerId,
        execId: e.id && e.id !== containerId ? String(e.id) : '',
        pid: Number(e.pid),
        exitStatus: Number(e.exitStatus),
        exitedAt: fromTimestamp(e.exitedAt),
      });
    });
    stream.on('error', (err: GrpcError) => {
      if (!unsubscribed) onError(this.mapError(err));
    });
    stream.on('end', () => {
      if (!unsubscribed) onError(unavailable(this.address));
    });
    return () => {
      unsubscribed = true;
      stream.cancel();
    };
  }

  close(): void {
    this.channel.close();
  }
}

/** A TaskService for `address` (path or unix://), once it answers, or `unavailable` after the deadline. */
export async function connectTaskService(address: string, opts: ConnectOptions = {}): Promise<TaskService> {
  const c = new TaskClient(address, opts.namespace);
  try {
    await c.ready(opts.deadlineMs ?? 5000);
  } catch (err) {
    c.close();
    throw err;
  }
  return c;
}

/** grpc.health.v1 Check, as `grpc_health_probe` or a scenario asks it: 'SERVING' when up. */
export async function checkHealth(address: string, deadlineMs = 2000): Promise<string> {
  const channel = new GrpcChannel(socketPath(address));
  try {
    const res = await channel.unary('grpc.health.v1.Health', 'Check', { service: '' }, {}, deadlineMs);
    return String(res.status);
  } catch (err) {
    throw new TaskError('unavailable', (err as GrpcError).details || (err as Error).message);
  } finally {
    channel.close();
  }
}
