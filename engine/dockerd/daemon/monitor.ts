// A container's exit, the path every stop goes through: reported by containerd's exit event, by
// restore when the daemon starts, or by a resync after containerd comes back. Named after
// dockerd's daemon/monitor.go, which does the same job.
import fs from 'node:fs';
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import type { TaskExitEvent } from '../../containerd/task-service.js';
import { nowRfc3339Nano } from '../container.js';
import { logger } from '../log.js';
import { execExited } from './exec.js';

export function onTaskExit(d: Daemon, e: TaskExitEvent): void {
  if (e.execId) {
    void execExited(d, e.execId, e.exitStatus);
    return;
  }
  const c = d.containers.find(e.containerId);
  if (c) void handleExit(d, c, e.exitStatus, e.exitedAt);
}

/** One exit, however many times it is reported (event, restore, resync after a reconnect). */
export function handleExit(d: Daemon, c: Container, exitStatus: number, exitedAt: string): Promise<void> {
  const id = c.rec.ID;
  const pending = d.exiting.get(id);
  if (pending) return pending;
  const p = (async () => {
    await d.starting.get(id);
    if (!c.rec.State.Running) return;
    await recordExit(d, c, exitStatus, exitedAt);
  })()
    .catch((err) => logger.error('handling exit failed', { container: id, error: err as Error }))
    .finally(() => d.exiting.delete(id));
  d.exiting.set(id, p);
  return p;
}

/** Everything a stop implies, in dockerd's order: drain output, delete the task, free resources, record, notify. */
async function recordExit(d: Daemon, c: Container, exitStatus: number, exitedAt: string): Promise<void> {
  const id = c.rec.ID;
  await d.streams.finish(id);
  try {
    await d.containerd.tasks().delete(id);
  } catch {
    /* already gone */
  }
  for (const e of d.execs.values()) if (e.containerId === id && e.running) void execExited(d, e.id, 137);
  await d.network.unpublishPorts(id).catch((err) => logger.warn('unpublish ports', { container: id, error: err as Error }));
  await d.network.deleteEndpoint(id).catch((err) => logger.warn('delete endpoint', { container: id, error: err as Error }));
  await d.layers.unmount(id).catch((err) => logger.warn('unmount rootfs', { container: id, error: err as Error }));
  fs.rmSync(d.fifoDir(id), { recursive: true, force: true });
  c.rec.State = { ...c.rec.State, Status: 'exited', Running: false, Pid: 0, ExitCode: exitStatus, FinishedAt: exitedAt || nowRfc3339Nano() };
  c.rec.Ports = [];
  c.rec.Endpoint = undefined;
  d.containers.save(c);
  logger.info('container exited', { container: id, exitCode: exitStatus });
  d.streams.detachAll(id);
  d.waiters.notify(id, ['not-running', 'next-exit'], exitStatus);
  if (c.hostConfig.AutoRemove && !d.shuttingDown) await d.remove(c, true).catch((err) => logger.error('auto-remove failed', { container: id, error: err as Error }));
}
