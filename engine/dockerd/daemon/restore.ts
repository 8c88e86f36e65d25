// What the daemon finds when it starts, or when containerd comes back: containers recorded as
// running are kept (live-restore), stopped, or marked exited, against the tasks containerd still has.
import fs from 'node:fs';
import { restorePaused } from '../pause.js';
import path from 'node:path';
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import { nowRfc3339Nano } from '../container.js';
import { logger } from '../log.js';
import type { TaskState } from '../../containerd/task-service.js';
import { handleExit, onTaskExit } from './monitor.js';

/** Containers from disk against containerd's tasks: keep (live-restore), stop, or mark exited. */
export async function restoreContainers(d: Daemon): Promise<void> {
  const tasks = d.containerd.tasks();
  const listed = await tasks.list().catch(() => []);
  const live = new Map(listed.map((t) => [t.id, t]));
  await removeOrphanedTasks(d, listed);
  await Promise.all(
    d.containers.list().map(async (c) => {
      const id = c.rec.ID;
      const t = live.get(id);
      if (!c.rec.State.Running) {
        // a task for a container not recorded running: the previous daemon died while starting
        // it; like dockerd, remove that stale task so the container can start again (and its
        // shim does not outlive it)
        if (t) await removeStaleTask(d, id);
        await d.layers.unmount(id).catch(() => undefined);
        return;
      }
      if (!t || t.status === 'stopped' || t.status === 'unknown') {
        const res = await tasks.delete(id).catch(() => undefined);
        await handleExit(d, c, res?.exitStatus ?? t?.exitStatus ?? 255, res?.exitedAt ?? t?.exitedAt ?? nowRfc3339Nano());
        return;
      }
      // the task is alive: take its output again (the shim kept it while we were away)
      reattach(d, c);
      restorePaused(c, t.status);
      if (d.cfg.liveRestore) {
        if (c.rec.Endpoint && Object.keys(c.hostConfig.PortBindings ?? {}).length) {
          try {
            c.rec.Ports = await d.network.publishPorts({ ...c.rec.Endpoint, containerId: id }, c.rec.Name.slice(1), c.hostConfig.PortBindings);
          } catch (err) {
            logger.error('failed to restore published ports', { container: id, error: err as Error });
          }
        }
        d.containers.save(c);
        logger.info('container restored (live-restore)', { container: id, pid: c.rec.State.Pid });
      } else {
        logger.info('stopping container left running by the previous daemon', { container: id });
        await d.stop(c, undefined).catch((err) => logger.error('failed to stop restored container', { container: id, error: err as Error }));
      }
    }),
  );
}

/** Kill and delete a task that dockerd's state does not know as running. */
export async function removeStaleTask(d: Daemon, id: string): Promise<void> {
  const tasks = d.containerd.tasks();
  await tasks.kill(id, 9, { all: true }).catch(() => undefined);
  await Promise.race([tasks.wait(id).catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
  await tasks.delete(id).catch((err: Error) => logger.warn('failed to delete stale task', { container: id, error: err }));
}

/**
 * Tasks in the daemon's namespace whose container the daemon no longer has. A container removed
 * while containerd was down keeps its task and shim there: the delete failed, the container was
 * removed anyway, and containerd comes back with the task. Removing them whenever containerd is
 * seen again keeps a shim from outliving its container (what dockerd 20.10 does in this race was
 * not measured).
 */
async function removeOrphanedTasks(d: Daemon, listed: TaskState[]): Promise<void> {
  for (const t of listed) {
    if (d.containers.find(t.id)?.rec.ID === t.id) continue;
    logger.warn('removing the task of a container that is gone', { container: t.id, status: t.status });
    await removeStaleTask(d, t.id);
  }
}

/** Endpoints on disk whose container is gone or stopped (a daemon killed mid-way leaves them). */
export async function dropStaleEndpoints(d: Daemon): Promise<void> {
  for (const id of d.network.listEndpoints()) {
    const c = d.containers.find(id);
    if (c?.rec.State.Running) continue;
    await d.network.deleteEndpoint(id).catch((err) => logger.warn('stale endpoint', { container: id, error: err as Error }));
  }
}

function reattach(d: Daemon, c: Container): void {
  const dir = d.fifoDir(c.rec.ID);
  // stdin too: a container started with -i takes input again (its shim kept its end open)
  const stdin = path.join(dir, 'init-stdin');
  const io = d.streams.open(
    c.rec.ID,
    {
      stdin: c.rec.Config.OpenStdin && fs.existsSync(stdin) ? stdin : undefined,
      stdout: path.join(dir, 'init-stdout'),
      stderr: c.rec.Config.Tty ? '' : path.join(dir, 'init-stderr'),
    },
    c.rec.LogPath,
    false,
  );
  io.started();
}

/** After containerd comes back: an exit may have happened while we were not listening. */
export async function resync(d: Daemon): Promise<void> {
  // the first connection is followed by restore, which reads every task itself
  if (d.shuttingDown || !d.restored) return;
  let tasks;
  try {
    tasks = d.containerd.tasks();
  } catch {
    return;
  }
  await tasks.list().then((listed) => removeOrphanedTasks(d, listed), () => undefined);
  for (const c of d.containers.list()) {
    if (!c.rec.State.Running || c.rec.State.Restarting || d.starting.has(c.rec.ID)) continue;
    try {
      const st = await tasks.state(c.rec.ID);
      if (st.status === 'stopped') onTaskExit(d, { type: 'exit', containerId: c.rec.ID, execId: '', pid: st.pid, exitStatus: st.exitStatus ?? 0, exitedAt: st.exitedAt ?? nowRfc3339Nano() });
    } catch (err) {
      if ((err as { code?: string }).code === 'not-found') {
        onTaskExit(d, { type: 'exit', containerId: c.rec.ID, execId: '', pid: 0, exitStatus: 255, exitedAt: nowRfc3339Nano() });
      }
    }
  }
}
