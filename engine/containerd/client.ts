// ref-dockerd's client of containerd's API (api/services/*.proto): the TaskService that the daemon
// codes against, spoken as dockerd's libcontainerd speaks it to any containerd, ref-containerd or
// the real one. Every call carries the namespace `moby`; the spec travels as a typeurl Any with
// JSON; exits arrive as containerd.events.TaskExit on an Events/Subscribe stream. containerd down
// reads as Docker shows it: `… dial unix <sock>: connect: connection refused": unavailable`.
//
//   const tasks = await connectTaskService('<exec-root>/containerd/containerd.sock', { deadlineMs: 10_000 });
//   await tasks.create({ id, bundle, spec, runtimePath: '/usr/sbin/runc', runtimeRoot, stdout, stderr });
//   await tasks.start(id);
//   const exit = await tasks.wait(id);          // { pid, exitStatus, exitedAt }
//   await tasks.delete(id);                     // the task, then the container
import { existsSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { CreateTaskRequest, ExecProcessRequest, ExitResult, TaskExitEvent, TaskService, TaskState, TaskStatus } from './task-service.js';
import { TaskError, type TaskErrorCode, unavailable } from '../../api/errors.js';
import { service } from './api-protos.js';
import { PROCESS_URL, RUNC_OPTIONS_URL, SPEC_URL, fromProtoAny, fromTimestamp, jsonAny, protoAny } from './typeurl.js';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Client = grpc.Client & Record<string, (...a: unknown[]) => unknown>;

export const NAMESPACE = 'moby';
/** The runtime dockerd 20.10 always asks containerd for. */
export const RUNTIME_NAME = 'io.containerd.runc.v2';
/** Where dockerd records the directory of a container's FIFOs. */
export const BUNDLE_LABEL = 'com.docker/engine.bundle.path';

/** Per-call deadlines; Wait and the event stream have none, they last as long as the process. */
const CALL_DEADLINE_MS = 30_000;
const CREATE_DEADLINE_MS = 60_000;

export interface ConnectOptions {
  /** give up connecting after this long (default 5 s) */
  deadlineMs?: number;
  namespace?: string;
}

const channelOptions: grpc.ChannelOptions = {
  // dockerd finds a returning containerd within about 2 s; grpc-js' default backoff grows to 120 s.
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 1000,
};

const codeOf: Record<number, TaskErrorCode> = {
  [grpc.status.NOT_FOUND]: 'not-found',
  [grpc.status.ALREADY_EXISTS]: 'already-exists',
  [grpc.status.FAILED_PRECONDITION]: 'failed-precondition',
  [grpc.status.UNAVAILABLE]: 'unavailable',
};

function target(address: string): string {
  return `unix://${address.replace(/^unix:\/\//, '')}`;
}

function statusOf(s: unknown): TaskStatus {
  const v = String(s ?? '').toLowerCase();
  return v === 'created' || v === 'running' || v === 'stopped' || v === 'paused' ? v : 'unknown';
}

function toState(p: Msg): TaskState {
  const status = statusOf(p.status);
  const containerId = String(p.container_id || p.id || '');
  return {
    id: containerId,
    execId: p.id && p.id !== containerId ? String(p.id) : undefined,
    pid: Number(p.pid ?? 0),
    status,
    exitStatus: status === 'stopped' ? Number(p.exit_status ?? 0) : undefined,
    exitedAt: status === 'stopped' && p.exited_at ? fromTimestamp(p.exited_at) : undefined,
  };
}

function toExit(m: Msg): ExitResult {
  return { pid: Number(m.pid ?? 0), exitStatus: Number(m.exit_status ?? 0), exitedAt: fromTimestamp(m.exited_at) };
}

export class TaskClient implements TaskService {
  private readonly clients: Record<'tasks' | 'containers' | 'events', Client>;
  private readonly metadata = new grpc.Metadata();

  constructor(
    readonly address: string,
    readonly namespace = NAMESPACE,
  ) {
    const t = target(address);
    const creds = grpc.credentials.createInsecure();
    const make = (name: string, channelOverride?: grpc.Channel) =>
      new (service(name))(t, creds, channelOverride ? { ...channelOptions, channelOverride } : channelOptions) as unknown as Client;
    const tasks = make('containerd.services.tasks.v1.Tasks');
    // one connection for all three, as dockerd's client has
    const channel = tasks.getChannel() as grpc.Channel;
    this.clients = {
      tasks,
      containers: make('containerd.services.containers.v1.Containers', channel),
      events: make('containerd.services.events.v1.Events', channel),
    };
    this.metadata.set('containerd-namespace', namespace);
  }

  /** Resolves once the socket answers; rejects `unavailable` with Docker's text after the deadline. */
  ready(deadlineMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.clients.tasks.waitForReady(Date.now() + deadlineMs, (err?: Error) => {
        if (!err) return resolve();
        // waitForReady only says "deadline"; the filesystem tells refused from missing
        reject(unavailable(this.address, existsSync(this.address.replace(/^unix:\/\//, '')) ? 'ECONNREFUSED' : 'ENOENT'));
      });
    });
  }

  private call(svc: keyof TaskClient['clients'], method: string, req: Msg, deadlineMs: number | undefined = CALL_DEADLINE_MS): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const options: grpc.CallOptions = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
      try {
        this.clients[svc][method]!(req, this.metadata, options, (err: grpc.ServiceError | null, res: Msg) => {
          if (err) reject(this.mapError(err));
          else resolve(res);
        });
      } catch (err) {
        // grpc-js throws "Channel has been shut down" for a call on a closed client: the daemon
        // closed this client because containerd went away, so say what Docker says then
        reject(unavailable(this.address, (err as Error).message));
      }
    });
  }

  /** containerd's messages already end with the errdefs class (": not found"), as Go shows them. */
  private mapError(err: grpc.ServiceError): TaskError {
    const code = codeOf[err.code] ?? 'unknown';
    if (code === 'unavailable') {
      // grpc-js says "connection refused" or "No connection established" whatever the dial's
      // errno; Go's dialer, as dockerd shows it, tells a missing socket from a refusing one
      return unavailable(this.address, existsSync(this.address.replace(/^unix:\/\//, '')) ? err.details : 'ENOENT');
    }
    const details = err.details || err.message;
    const cls = code === 'unknown' ? '' : code.replace('-', ' ');
    return new TaskError(code, cls && !details.endsWith(`: ${cls}`) ? `${details}: ${cls}` : details);
  }

  async create(req: CreateTaskRequest): Promise<{ pid: number }> {
    const options = protoAny(RUNC_OPTIONS_URL, { binary_name: req.runtimePath, root: req.runtimeRoot ?? '' });
    await this.call('containers', 'Create', {
      container: {
        id: req.id,
        labels: { [BUNDLE_LABEL]: req.bundle },
        runtime: { name: RUNTIME_NAME, options },
        spec: jsonAny(SPEC_URL, req.spec),
      },
    });
    try {
      const res = await this.call(
        'tasks',
        'Create',
        { container_id: req.id, stdin: req.stdin ?? '', stdout: req.stdout, stderr: req.stderr, terminal: Boolean(req.terminal), options },
        CREATE_DEADLINE_MS,
      );
      return { pid: Number(res.pid) };
    } catch (err) {
      await this.call('containers', 'Delete', { id: req.id }).catch(() => undefined);
      throw err;
    }
  }

  async start(containerId: string, execId?: string): Promise<{ pid: number }> {
    const res = await this.call('tasks', 'Start', { container_id: containerId, exec_id: execId ?? '' });
    return { pid: Number(res.pid) };
  }

  async kill(containerId: string, signal: number, opts: { all?: boolean; execId?: string } = {}): Promise<void> {
    await this.call('tasks', 'Kill', { container_id: containerId, exec_id: opts.execId ?? '', signal, all: Boolean(opts.all) });
  }

  /** An exec's process; or the task and then its container, as dockerd removes both at exit. */
  async delete(containerId: string, execId?: string): Promise<ExitResult> {
    if (execId) return toExit(await this.call('tasks', 'DeleteProcess', { container_id: containerId, exec_id: execId }));
    let exit: ExitResult | undefined;
    let taskErr: unknown;
    try {
      exit = toExit(await this.call('tasks', 'Delete', { container_id: containerId }));
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
    const res = await this.call('tasks', 'Wait', { container_id: containerId, exec_id: execId ?? '' }, 0);
    return { pid: 0, exitStatus: Number(res.exit_status ?? 0), exitedAt: fromTimestamp(res.exited_at) };
  }

  async state(containerId: string, execId?: string): Promise<TaskState> {
    const res = await this.call('tasks', 'Get', { container_id: containerId, exec_id: execId ?? '' });
    return toState({ container_id: containerId, ...res.process });
  }

  async list(): Promise<TaskState[]> {
    const res = await this.call('tasks', 'List', {});
    return ((res.tasks as Msg[]) ?? []).map(toState);
  }

  async exec(req: ExecProcessRequest): Promise<void> {
    await this.call('tasks', 'Exec', {
      container_id: req.containerId,
      exec_id: req.execId,
      stdin: req.stdin ?? '',
      stdout: req.stdout,
      stderr: req.stderr,
      terminal: Boolean(req.terminal),
      spec: jsonAny(PROCESS_URL, req.spec),
    });
  }

  async pause(containerId: string): Promise<void> {
    await this.call('tasks', 'Pause', { container_id: containerId });
  }

  async resume(containerId: string): Promise<void> {
    await this.call('tasks', 'Resume', { container_id: containerId });
  }

  async resizePty(containerId: string, execId: string | undefined, width: number, height: number): Promise<void> {
    await this.call('tasks', 'ResizePty', { container_id: containerId, exec_id: execId ?? '', width, height });
  }

  /** dockerd's subscription: this namespace's task events; only exits matter here. */
  subscribe(onExit: (e: TaskExitEvent) => void, onError: (err: Error) => void): () => void {
    const stream = this.clients.events.Subscribe!({ filters: [`namespace==${this.namespace},topic~=|^/tasks/|`] }, this.metadata) as grpc.ClientReadableStream<Msg>;
    let unsubscribed = false;
    stream.on('data', (env: Msg) => {
      if (env.topic !== '/tasks/exit') return;
      const e = fromProtoAny(env.event, 'containerd.events.TaskExit');
      if (!e) return;
      const containerId = String(e.container_id);
      onExit({
        type: 'exit',
        containerId,
        execId: e.id && e.id !== containerId ? String(e.id) : '',
        pid: Number(e.pid),
        exitStatus: Number(e.exit_status),
        exitedAt: fromTimestamp(e.exited_at as Msg),
      });
    });
    stream.on('error', (err: grpc.ServiceError) => {
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
    for (const c of Object.values(this.clients)) c.close();
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
export function checkHealth(address: string, deadlineMs = 2000): Promise<string> {
  const c = new (service('grpc.health.v1.Health'))(target(address), grpc.credentials.createInsecure()) as unknown as Client;
  return new Promise((resolve, reject) => {
    c.Check!({ service: '' }, { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, res: Msg) => {
      c.close();
      if (err) reject(new TaskError('unavailable', err.details || err.message));
      else resolve(String(res.status));
    });
  });
}

