// Signals to a running container: kill sends one; stop sends the stop signal, waits, then SIGKILL.
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import { parseSignal } from '../signals.js';
import { DockerError } from '../errors.js';
import * as E from '../errors.js';
import { logger } from '../log.js';

export async function killContainer(d: Daemon, c: Container, signal: number, nameForError: string): Promise<void> {
  if (!c.rec.State.Running) throw E.notRunningKill(nameForError, c.rec.ID);
  await d.containerd.tasks().kill(c.rec.ID, signal, { all: false });
  logger.info('container killed', { container: c.rec.ID, signal });
}

/** SIGTERM (or StopSignal), then SIGKILL after the timeout; 304 when not running. */
export async function stopContainer(d: Daemon, c: Container, timeout: number | undefined): Promise<void> {
  if (!c.rec.State.Running) throw new DockerError(304, 'Container already stopped');
  const t = timeout ?? c.rec.Config.StopTimeout ?? 10;
  const sig = parseSignal(c.rec.Config.StopSignal, 'SIGTERM');
  const tasks = d.containerd.tasks();
  try {
    await tasks.kill(c.rec.ID, sig);
  } catch (err) {
    logger.warn('stop signal failed', { container: c.rec.ID, error: err as Error });
  }
  if (await d.waiters.exited(c, t < 0 ? -1 : t * 1000)) return;
  logger.info(`Container ${c.rec.ID} failed to exit within ${t} seconds of signal ${sig} - using the force`, { container: c.rec.ID });
  await tasks.kill(c.rec.ID, 9).catch(() => undefined);
  if (!(await d.waiters.exited(c, 30000))) throw new DockerError(500, `container ${c.rec.ID} did not exit after SIGKILL`);
}
