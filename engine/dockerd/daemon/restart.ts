// Restart policies, as dockerd's restart manager applies them: the decision after an exit is made
// where the exit is recorded (monitor.ts); here are the restart itself, its cancellation, the
// restarts due when the daemon starts, and what marks a container stopped by the user.
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import { policyRestarts } from '../restart-manager.js';
import { parseSignal } from '../signals.js';
import { logger } from '../log.js';

export async function restartByPolicy(d: Daemon, id: string): Promise<void> {
  const c = d.containers.find(id);
  if (!c || !c.rec.State.Restarting) return;
  await d.start(c, true);
}

/** dockerd's SetStopped after a restart that was cancelled or failed. */
export function restartCalledOff(d: Daemon, id: string): void {
  const c = d.containers.find(id);
  if (!c || !c.rec.State.Restarting) return;
  c.rec.State = { ...c.rec.State, Status: 'exited', Running: false, Restarting: false };
  d.containers.save(c);
  if (c.hostConfig.AutoRemove && !d.shuttingDown) void d.remove(c, true).catch(() => undefined);
}

/** At daemon start: what the policy restarts among the stopped, never one only created. */
export async function restartAfterRestore(d: Daemon): Promise<void> {
  const due = d.containers
    .list()
    .filter((c) => !c.rec.State.Running && c.rec.HasBeenStartedBefore && policyRestarts(c.hostConfig.RestartPolicy, c.rec.State.ExitCode, Boolean(c.rec.HasBeenManuallyStopped), 0));
  await Promise.all(due.map((c) => d.start(c).catch((err) => logger.error('failed to start container on daemon start', { container: c.rec.ID, error: err as Error }))));
}

/**
 * dockerd's killWithSignal: SIGKILL, the configured stop signal, or any signal when none is
 * configured ends the restarts; any signal marks the container stopped by the user.
 */
export function stoppedByUser(d: Daemon, c: Container, signal: number): void {
  if (!c.rec.Config.StopSignal || signal === 9 || signal === parseSignal(c.rec.Config.StopSignal, 'SIGTERM')) d.restarts.cancel(c.rec.ID);
  // also the stop of a survivor while the daemon starts without live-restore: unless-stopped then stays stopped
  if (d.shuttingDown) return;
  c.rec.HasBeenManuallyStopped = true;
  d.containers.save(c);
}
