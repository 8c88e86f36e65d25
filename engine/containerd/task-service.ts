// The contract between ref-dockerd and ref-containerd, in containerd's vocabulary (tasks, execs,
// exit events). ref-dockerd codes against this interface only; engine/containerd/client.ts
// implements it over gRPC.

import type { AnyValue } from '../../api/any.js';
import type { TaskErrorCode } from '../../api/errors.js';
import type { ExitResult, TaskState } from '../../api/task-types.js';

export type { ExitResult, TaskState, TaskStatus } from '../../api/task-types.js';

export interface CreateTaskRequest {
  /** container id (64 hex) */
  id: string;
  /**
   * the engine's directory for this container's FIFOs, recorded as the container label
   * com.docker/engine.bundle.path (containerd makes the runtime's bundle itself)
   */
  bundle: string;
  /** the OCI spec; root.path is the rootfs the engine mounted */
  spec: Record<string, unknown>;
  /** the runtime binary the shim calls (runc options binary_name): a name in PATH or a path */
  runtimePath: string;
  /** runc options root: the runtime keeps its state in <root>/<namespace> (dockerd: <exec-root>/runtime-runc) */
  runtimeRoot?: string;
  /** FIFO paths made by the engine; the shim opens them and the container's stdio goes there */
  stdin?: string;
  stdout: string;
  stderr: string;
  /** the runtime makes a pty and the shim holds its master (process.terminal in the spec) */
  terminal?: boolean;
}

export interface ExecProcessRequest {
  containerId: string;
  execId: string;
  /** OCI `process` object (args, env, cwd, user, terminal: false) */
  spec: Record<string, unknown>;
  stdin?: string;
  stdout: string;
  stderr: string;
  terminal?: boolean;
}

export interface TaskExitEvent {
  type: 'exit';
  containerId: string;
  /** empty for the container's init process */
  execId: string;
  pid: number;
  exitStatus: number;
  exitedAt: string;
}

/** containerd's /tasks/oom: the kernel's OOM killer killed a process of the container. */
export interface TaskOOMEvent {
  type: 'oom';
  containerId: string;
}

/** A task's resource use, as containerd's Tasks.Metrics answers for it (containerd.types.Metric). */
export interface TaskMetric {
  /** when containerd took it (RFC 3339 with nanoseconds, UTC) */
  timestamp: string;
  /** the shim's Stats answer: io.containerd.cgroups.v1.Metrics or io.containerd.cgroups.v2.Metrics */
  data: AnyValue;
}

/** The task events ref-dockerd acts on. */
export type TaskEvent = TaskExitEvent | TaskOOMEvent;

export interface TaskService {
  /** Launch the shim and have the runtime create the container (process paused before exec). */
  create(req: CreateTaskRequest): Promise<{ pid: number }>;
  start(containerId: string, execId?: string): Promise<{ pid: number }>;
  kill(containerId: string, signal: number, opts?: { all?: boolean; execId?: string }): Promise<void>;
  /** Remove a stopped task (runtime delete, shim exits); returns the kept exit status. */
  delete(containerId: string, execId?: string): Promise<ExitResult>;
  /** Resolves when the process has exited (at once if it already has). */
  wait(containerId: string, execId?: string): Promise<ExitResult>;
  state(containerId: string, execId?: string): Promise<TaskState>;
  list(): Promise<TaskState[]>;
  exec(req: ExecProcessRequest): Promise<void>;
  /** Freeze / thaw every process of the container (the runtime's pause and resume). */
  pause(containerId: string): Promise<void>;
  resume(containerId: string): Promise<void>;
  /** The window size of a process's terminal. */
  resizePty(containerId: string, execId: string | undefined, width: number, height: number): Promise<void>;
  /**
   * Close the process's stdin inside the shim. Closing our end of the FIFO is not enough: the
   * runc shim holds a write end of its own so that a detaching client does not end the input.
   */
  closeStdin(containerId: string, execId?: string): Promise<void>;
  /** The container's metrics: Tasks.Metrics filtered to its id, as containerd's Task.Metrics asks. */
  metrics(containerId: string): Promise<TaskMetric>;
  /** Subscribe to exit and OOM events; returns an unsubscribe function. Reconnects are the caller's job. */
  subscribe(onEvent: (e: TaskEvent) => void, onError: (err: Error) => void): () => void;
  close(): void;
}

/** Errors keep gRPC's code so ref-dockerd can map NotFound / Unavailable to Docker's texts. */
export interface TaskServiceError extends Error {
  code: TaskErrorCode;
}
