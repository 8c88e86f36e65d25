// Signals to a running container: kill sends one; stop sends the stop signal, waits, then SIGKILL.
// Both mark the container stopped by the user (restart.ts); a restarting one has no process, so
// calling off its restart is all they do.
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import { parseSignal } from '../signals.js';
import { DockerError } from '../errors.js';
import * as E from '../errors.js';
import { logger } from '../log.js';
import { stoppedByUser } from './restart.js';
import { thawAfterSignal } from '../pause.js';

export async function killContainer(d: Daemon, c: Container, signal: number, nameForError: string): Promise<void> {
  if (!c.rec.State.Running) throw E.notRunningKill(nameForError, c.rec.ID);
  stoppedByUser(d, c, signal);
  if (c.rec.State.Restarting) return;
  await d.containerd.tasks().kill(c.rec.ID, signal, { all: false });
  await thawAfterSignal(d.pauseDeps, c);
  d.events.container(c, 'kill', { signal: String(signal) });
  logger.info('container killed', { container: c.rec.ID, signal });
}

/** SIGTERM (or StopSignal), then SIGKILL after the timeout; 304 when not running. */
export async function stopContainer(d: Daemon, c: Container, timeout: number | undefined): Promise<void> {
  if (!c.rec.State.Running) throw new DockerError(304, 'Container already stopped');
  const t = timeout ?? c.rec.Config.StopTimeout ?? 10;
  const sig = parseSignal(c.rec.Config.StopSignal, 'SIGTERM');
  stoppedByUser(d, c, sig);
  if (c.rec.State.Restarting) {
    d.events.container(c, 'stop');
    return;
  }
  const tasks = d.containerd.tasks();
  try {
    await tasks.kill(c.rec.ID, sig);
    await thawAfterSignal(d.pauseDeps, c);
    d.events.container(c, 'kill', { signal: String(sig) });
  } catch (err) {
    logger.warn('stop signal failed', { container: c.rec.ID, error: err as Error });
  }
  if (!(await d.waiters.exited(c, t < 0 ? -1 : t * 1000))) {
    logger.info(`Container ${c.rec.ID} failed to exit within ${t} seconds of signal ${sig} - using the force`, { container: c.rec.ID });
    d.events.container(c, 'kill', { signal: '9' });
    await tasks.kill(c.rec.ID, 9).catch(() => undefined);
    if (!(await d.waiters.exited(c, 30000))) throw new DockerError(500, `container ${c.rec.ID} did not exit after SIGKILL`);
  }
  d.events.container(c, 'stop');
}
