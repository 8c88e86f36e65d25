// docker pause / unpause: the daemon asks containerd to pause the task (Tasks.Pause → the shim →
// `runc pause`, which freezes the container's cgroup) and records State.Paused. A paused container
// is still running: `docker top` lists its processes, `docker ps` shows "Up … (Paused)". A signal
// sent to it waits in the kernel until the cgroup thaws, so the daemon thaws it after a kill, as
// dockerd does.
import type { Container } from './container-store.js';
import type { TaskService } from '../containerd/task-service.js';
import * as E from './errors.js';
import { logger } from './log.js';
import { faultEnabled } from '../../lib/faults.js';

export interface PauseDeps {
  tasks(): TaskService;
  save(c: Container): void;
}

export async function pauseContainer(d: PauseDeps, c: Container): Promise<void> {
  const s = c.rec.State;
  if (!s.Running) throw E.execNotRunning(c.rec.ID);
  if (s.Paused) throw E.alreadyPaused(c.rec.ID);
  // Fault switch pause-not-frozen (lib/faults.ts): the state says paused, the cgroup is not frozen.
  if (!faultEnabled('pause-not-frozen')) await d.tasks().pause(c.rec.ID);
  c.rec.State = { ...c.rec.State, Paused: true, Status: 'paused' };
  d.save(c);
  logger.info('container paused', { container: c.rec.ID });
}

export async function unpauseContainer(d: PauseDeps, c: Container): Promise<void> {
  if (!c.rec.State.Paused) throw E.notPaused(c.rec.ID);
  await d.tasks().resume(c.rec.ID);
  c.rec.State = { ...c.rec.State, Paused: false, Status: 'running' };
  d.save(c);
  logger.info('container unpaused', { container: c.rec.ID });
}

/** A paused container takes no exec: its processes could not run. */
export function refuseExecWhenPaused(c: Container, nameForError: string): void {
  if (c.rec.State.Running && c.rec.State.Paused) throw E.execPaused(nameForError);
}

/** At restore: containerd's task status says whether the container is still paused. */
export function restorePaused(c: Container, status: string): void {
  const paused = status === 'paused';
  c.rec.State = { ...c.rec.State, Paused: paused, Status: paused ? 'paused' : 'running' };
}

/** After a signal to a paused container: thaw it, so that the signal is delivered. */
export async function thawAfterSignal(d: PauseDeps, c: Container): Promise<void> {
  if (!c.rec.State.Paused) return;
  try {
    await d.tasks().resume(c.rec.ID);
  } catch (err) {
    logger.warn('cannot resume a paused container after a signal', { container: c.rec.ID, error: err as Error });
    return;
  }
  c.rec.State = { ...c.rec.State, Paused: false, Status: 'running' };
  d.save(c);
}
