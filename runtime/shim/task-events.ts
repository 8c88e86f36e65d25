// What the shim tells containerd happened, in containerd's event vocabulary: one topic and one
// containerd.events message per lifecycle step, as containerd-shim-runc-v2 publishes them.
import type { ExitResult } from '../../api/task-types.js';
import { toTimestamp } from '../../api/timestamp.js';
import { faultEnabled } from '../../lib/faults.js';
import type { OomWatcher } from './oom-watcher.js';

/** Fault switch (lib/faults.ts): no /tasks/exit goes to containerd, so the engine never sees an exit. */
export const FAULT_EXIT_EVENT_DROPPED = 'shim-ttrpc-exit-event-dropped';

/** Sends one event; the implementation forwards it to containerd (event-forwarder.ts). */
export type Publish = (topic: string, type: string, event: object) => void;

/** Fault switch (lib/faults.ts): the shim sees OOM kills but tells containerd nothing of them. */
export const FAULT_OOM_EVENT_DROPPED = 'shim-oom-event-dropped';

export class TaskEvents {
  private oomWatcher?: OomWatcher;

  constructor(private readonly publish: Publish) {}

  /** Watch the container's memory cgroup from its create on (oom-watcher.ts). */
  watchOOM(watcher: OomWatcher): void {
    this.oomWatcher = watcher;
  }

  oom(containerId: string): void {
    if (faultEnabled(FAULT_OOM_EVENT_DROPPED)) return;
    this.publish('/tasks/oom', 'containerd.events.TaskOOM', { containerId });
  }

  created(containerId: string, bundle: string, pid: number, io: { stdin?: string; stdout: string; stderr: string }): void {
    this.publish('/tasks/create', 'containerd.events.TaskCreate', {
      containerId,
      bundle,
      io: { stdin: io.stdin ?? '', stdout: io.stdout, stderr: io.stderr, terminal: false },
      pid,
    });
    this.oomWatcher?.watch(pid);
  }

  started(containerId: string, pid: number): void {
    this.publish('/tasks/start', 'containerd.events.TaskStart', { containerId, pid });
  }

  execAdded(containerId: string, execId: string): void {
    this.publish('/tasks/exec-added', 'containerd.events.TaskExecAdded', { containerId, execId });
  }

  execStarted(containerId: string, execId: string, pid: number): void {
    this.publish('/tasks/exec-started', 'containerd.events.TaskExecStarted', { containerId, execId, pid });
  }

  /** id is the exec id, or the container id for the init process (dockerd matches init by pid). */
  exited(containerId: string, execId: string, exit: ExitResult): void {
    // a kill whose wake-up is still unread goes out first: dockerd records OOMKilled at the exit
    if (!execId) this.oomWatcher?.check();
    if (faultEnabled(FAULT_EXIT_EVENT_DROPPED)) return;
    this.publish('/tasks/exit', 'containerd.events.TaskExit', {
      containerId,
      id: execId || containerId,
      pid: exit.pid,
      exitStatus: exit.exitStatus,
      exitedAt: toTimestamp(exit.exitedAt),
    });
  }

  /** Only the init's delete is an event; an exec's is not. */
  deleted(containerId: string, exit: ExitResult): void {
    this.oomWatcher?.close();
    this.publish('/tasks/delete', 'containerd.events.TaskDelete', {
      containerId,
      pid: exit.pid,
      exitStatus: exit.exitStatus,
      exitedAt: toTimestamp(exit.exitedAt),
    });
  }

  paused(containerId: string): void {
    this.publish('/tasks/paused', 'containerd.events.TaskPaused', { containerId });
  }

  resumed(containerId: string): void {
    this.publish('/tasks/resumed', 'containerd.events.TaskResumed', { containerId });
  }
}
