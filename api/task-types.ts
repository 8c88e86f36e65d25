// A task's process state and exit, as both sides of the shim seam and the engine keep them
// (the decoded form of containerd.task.v2 StateResponse/DeleteResponse, with RFC 3339 times).

export type TaskStatus = 'created' | 'running' | 'stopped' | 'paused' | 'unknown';

export interface TaskState {
  id: string;
  execId?: string;
  pid: number;
  status: TaskStatus;
  exitStatus?: number;
  /** RFC 3339 with nanoseconds, when stopped */
  exitedAt?: string;
  bundle?: string;
}

export interface ExitResult {
  pid: number;
  exitStatus: number;
  exitedAt: string;
}
