// A container's exit, the path every stop goes through: reported by containerd's exit event, by
// restore when the daemon starts, or by a resync after containerd comes back. Named after
// dockerd's daemon/monitor.go, which does the same job: also where the restart policy decides
// (restart.ts does the restart) and where an OOM kill reported before the exit is recorded.
import fs from 'node:fs';
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import type { TaskEvent } from '../../containerd/task-service.js';
import { nowRfc3339Nano } from '../container.js';
import { logger } from '../log.js';
import { execExited } from './exec.js';

export function onTaskEvent(d: Daemon, e: TaskEvent): void {
  if (e.type === 'oom') {
    const c = d.containers.find(e.containerId);
    if (c) recordOOM(d, c);
    return;
  }
  onTaskExit(d, e);
}

export function onTaskExit(d: Daemon, e: Extract<TaskEvent, { type: 'exit' }>): void {
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
  const ep = c.rec.Endpoint;
  await d.layers.unmount(id).catch((err) => logger.warn('unmount rootfs', { container: id, error: err as Error }));
  fs.rmSync(d.fifoDir(id), { recursive: true, force: true });
  // dockerd's monitor: the policy decides while the daemon runs; at its start, restore does
  const restartIn = d.restored
    ? d.restarts.afterExit(id, c.hostConfig.RestartPolicy, exitStatus, d.shuttingDown || Boolean(c.rec.HasBeenManuallyStopped), Date.now() - Date.parse(c.rec.State.StartedAt))
    : undefined;
  const oom = d.oomKilled.delete(id);
  const finished = { Pid: 0, ExitCode: exitStatus, OOMKilled: oom, FinishedAt: exitedAt || nowRfc3339Nano() };
  // restarting counts as running, as in dockerd: stop, kill and rm treat it so
  c.rec.State =
    restartIn === undefined
      ? { ...c.rec.State, ...finished, Status: 'exited', Running: false, Paused: false, Restarting: false }
      : { ...c.rec.State, ...finished, Status: 'restarting', Running: true, Paused: false, Restarting: true };
  if (restartIn !== undefined) c.rec.RestartCount++;
  c.rec.Ports = [];
  c.rec.Endpoint = undefined;
  d.containers.save(c);
  d.events.container(c, 'die', { exitCode: String(exitStatus) });
  if (ep?.networkId) d.events.network('disconnect', c, ep.networkId, ep.networkName ?? 'bridge');
  logger.info('container exited', { container: id, exitCode: exitStatus });
  d.streams.detachAll(id);
  d.waiters.notify(id, ['not-running', 'next-exit'], exitStatus);
  if (restartIn !== undefined) d.restarts.schedule(id, c.hostConfig.RestartPolicy, restartIn);
  else if (c.hostConfig.AutoRemove && !d.shuttingDown) await d.remove(c, true).catch((err) => logger.error('auto-remove failed', { container: id, error: err as Error }));
}

function recordOOM(d: Daemon, c: Container): void {
  d.oomKilled.add(c.rec.ID);
  d.events.container(c, 'oom');
  logger.info('container OOM-killed', { container: c.rec.ID });
}
