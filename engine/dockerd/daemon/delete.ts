// Removing a container: killed first when forced, then its execs, layers, record and FIFOs.
import { thawAfterSignal } from '../pause.js';
import fs from 'node:fs';
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import { DockerError } from '../errors.js';
import * as E from '../errors.js';
import { logger } from '../log.js';
import { stoppedByUser } from './restart.js';

export async function removeContainer(d: Daemon, c: Container, force: boolean): Promise<void> {
  const id = c.rec.ID;
  if (c.rec.State.Restarting) {
    if (!force) throw E.removeRestarting(id);
    stoppedByUser(d, c, 9);
  }
  if (c.rec.State.Running) {
    if (!force) throw E.removeRunning(id);
    stoppedByUser(d, c, 9);
    d.events.container(c, 'kill', { signal: '9' });
    await d.containerd.tasks().kill(id, 9).catch(() => undefined);
    await thawAfterSignal(d.pauseDeps, c);
    if (!(await d.waiters.exited(c, 30000))) throw new DockerError(500, `Could not kill running container ${id}, cannot remove`);
    await d.exiting.get(id);
  }
  d.streams.detachAll(id, true);
  for (const [eid, e] of d.execs) if (e.containerId === id) d.execs.delete(eid);
  await d.layers.remove(id);
  d.containers.remove(id);
  d.restarts.reset(id);
  fs.rmSync(d.fifoDir(id), { recursive: true, force: true });
  d.events.container(c, 'destroy');
  logger.info('container removed', { container: id });
  d.waiters.notify(id, ['not-running', 'next-exit', 'removed'], c.rec.State.ExitCode);
  d.waiters.forget(id);
}
