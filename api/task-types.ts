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
  /**
   * the FIFOs the shim copies the process's stdio to/from: a client that attaches again (dockerd
   * restoring a container after its restart) learns them from containerd's Tasks/Get
   */
  stdio?: { stdin: string; stdout: string; stderr: string; terminal: boolean };
}

/** An exec's process and stdio as containerd.task.v2 ExecProcessRequest carries them (spec decoded). */
export interface ExecParams {
  execId: string;
  spec: Record<string, unknown>;
  terminal?: boolean;
  stdin?: string;
  stdout: string;
  stderr: string;
}

export interface ExitResult {
  pid: number;
  exitStatus: number;
  exitedAt: string;
}
