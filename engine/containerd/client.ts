// TaskService over gRPC: what ref-dockerd holds to talk to ref-containerd (or any server of
// api/tasks.proto). Errors become TaskServiceErrors with containerd's class; containerd being down
// reads as Docker shows it: `… dial unix <sock>: connect: connection refused": unavailable`.
//
//   const tasks = await connectTaskService('<exec-root>/containerd/containerd.sock', { deadlineMs: 10_000 });
//   await tasks.create({ id, bundle, runtimePath: '/usr/sbin/runc', stdout, stderr });
//   await tasks.start(id);
//   const exit = await tasks.wait(id);          // { pid, exitStatus, exitedAt }
//   await tasks.delete(id);
import { existsSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { CreateTaskRequest, ExecProcessRequest, ExitResult, TaskExitEvent, TaskService, TaskState, TaskStatus } from './task-service.js';
import { type TaskError, fromGrpcStatus, unavailable } from '../../api/errors.js';
import { protos } from './protos.js';

type Msg = Record<string, unknown>;

const GRPC_UNAVAILABLE = 14;

/** Per-call deadlines; `wait` and the event stream have none, they last as long as the process. */
const CALL_DEADLINE_MS = 30_000;
const CREATE_DEADLINE_MS = 60_000;

export interface ConnectOptions {
  /** give up connecting after this long (default 5 s) */
  deadlineMs?: number;
}

const channelOptions: grpc.ChannelOptions = {
  // dockerd finds a returning containerd within about 2 s; grpc-js' default backoff grows to 120 s.
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 1000,
};

function target(address: string): string {
  const path = address.replace(/^unix:\/\//, '');
  return `unix://${path}`;
}

function statusOf(s: unknown): TaskStatus {
  const v = String(s ?? '').toLowerCase();
  return v === 'created' || v === 'running' || v === 'stopped' || v === 'paused' ? v : 'unknown';
}

function toState(m: Msg): TaskState {
  return {
    id: String(m.id ?? ''),
    execId: (m.execId as string) || undefined,
    pid: Number(m.pid ?? 0),
    status: statusOf(m.status),
    exitStatus: statusOf(m.status) === 'stopped' ? Number(m.exitStatus ?? 0) : undefined,
    exitedAt: (m.exitedAt as string) || undefined,
    bundle: (m.bundle as string) || undefined,
  };
}

function toExit(m: Msg): ExitResult {
  return { pid: Number(m.pid ?? 0), exitStatus: Number(m.exitStatus ?? 0), exitedAt: String(m.exitedAt ?? '') };
}

export class TaskClient implements TaskService {
  private readonly client: grpc.Client & Record<string, (...a: unknown[]) => unknown>;

  constructor(readonly address: string) {
    const { tasks } = protos();
    this.client = new tasks(target(address), grpc.credentials.createInsecure(), channelOptions) as never;
  }

  /** Resolves once the socket answers; rejects `unavailable` with Docker's text after the deadline. */
  ready(deadlineMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + deadlineMs, (err?: Error) => {
        if (!err) return resolve();
        void err; // waitForReady only says "deadline"; the filesystem tells refused from missing
        reject(unavailable(this.address, existsSync(this.address.replace(/^unix:\/\//, '')) ? 'ECONNREFUSED' : 'ENOENT'));
      });
    });
  }

  private call(method: string, req: Msg, deadlineMs: number | undefined = CALL_DEADLINE_MS): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const options: grpc.CallOptions = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
      try {
        this.client[method]!(req, options, (err: grpc.ServiceError | null, res: Msg) => {
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

  private mapError(err: grpc.ServiceError): TaskError {
    // grpc-js says "connection refused" or "No connection established" whatever the dial's errno;
    // Go's dialer, as dockerd shows it, tells a missing socket from a refusing one
    const details = err.code === GRPC_UNAVAILABLE && !existsSync(this.address.replace(/^unix:\/\//, '')) ? 'ENOENT' : err.details || err.message;
    return fromGrpcStatus(err.code, details, this.address);
  }

  async create(req: CreateTaskRequest): Promise<{ pid: number }> {
    const res = await this.call(
      'Create',
      {
        id: req.id,
        bundle: req.bundle,
        runtimePath: req.runtimePath,
        runtimeRoot: req.runtimeRoot ?? '',
        stdin: req.stdin ?? '',
        stdout: req.stdout,
        stderr: req.stderr,
      },
      CREATE_DEADLINE_MS,
    );
    return { pid: Number(res.pid) };
  }

  async start(containerId: string, execId?: string): Promise<{ pid: number }> {
    const res = await this.call('Start', { id: containerId, execId: execId ?? '' });
    return { pid: Number(res.pid) };
  }

  async kill(containerId: string, signal: number, opts: { all?: boolean; execId?: string } = {}): Promise<void> {
    await this.call('Kill', { id: containerId, execId: opts.execId ?? '', signal, all: Boolean(opts.all) });
  }

  async delete(containerId: string, execId?: string): Promise<ExitResult> {
    return toExit(await this.call('Delete', { id: containerId, execId: execId ?? '' }));
  }

  async wait(containerId: string, execId?: string): Promise<ExitResult> {
    return toExit(await this.call('Wait', { id: containerId, execId: execId ?? '' }, 0));
  }

  async state(containerId: string, execId?: string): Promise<TaskState> {
    return toState(await this.call('State', { id: containerId, execId: execId ?? '' }));
  }

  async list(): Promise<TaskState[]> {
    const res = await this.call('List', {});
    return ((res.tasks as Msg[]) ?? []).map(toState);
  }

  async exec(req: ExecProcessRequest): Promise<void> {
    await this.call('Exec', {
      containerId: req.containerId,
      execId: req.execId,
      specJson: JSON.stringify(req.spec),
      stdin: req.stdin ?? '',
      stdout: req.stdout,
      stderr: req.stderr,
    });
  }

  subscribe(onExit: (e: TaskExitEvent) => void, onError: (err: Error) => void): () => void {
    const stream = this.client.Events!({}) as grpc.ClientReadableStream<Msg>;
    let unsubscribed = false;
    stream.on('data', (m: Msg) => {
      if (m.topic !== '/tasks/exit') return;
      onExit({
        type: 'exit',
        containerId: String(m.containerId),
        execId: String(m.execId ?? ''),
        pid: Number(m.pid),
        exitStatus: Number(m.exitStatus),
        exitedAt: String(m.exitedAt),
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
    this.client.close();
  }
}

/** A TaskService for `address` (path or unix://), once it answers, or `unavailable` after the deadline. */
export async function connectTaskService(address: string, opts: ConnectOptions = {}): Promise<TaskService> {
  const c = new TaskClient(address);
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
  const { health } = protos();
  const c = new health(target(address), grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Check: (req: Msg, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: Msg) => void) => void;
  };
  return new Promise((resolve, reject) => {
    c.Check({ service: '' }, { deadline: Date.now() + deadlineMs }, (err, res) => {
      c.close();
      if (err) reject(fromGrpcStatus(err.code, err.details || err.message, address));
      else resolve(String(res.status));
    });
  });
}
