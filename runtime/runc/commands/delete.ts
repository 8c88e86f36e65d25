// `delete [--force] <id>`: removes a stopped container's cgroups and state. A created container is
// killed first (it never ran); a running one only with --force, as runc does.
import type { CommandArgs, RuntimeContext } from '../context.js';
import { flagSet } from '../context.js';
import { RuntimeError, errors } from '../errors.js';
import { cgroupPids, removeCgroups, setFrozen } from '../cgroups.js';
import { pollUntilSync } from '../../../lib/poll.js';
import type { ContainerRecord } from '../state-store.js';
import { runHooks } from '../hooks.js';

const KILL_DEADLINE_MS = 10_000;

function killAll(record: ContainerRecord): void {
  for (const pid of new Set([record.pid, ...cgroupPids(record.cgroupPaths)])) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // A frozen task only acts on SIGKILL once thawed.
  try {
    setFrozen(record.cgroupPaths, false);
  } catch {
    // no freezer hierarchy
  }
}

function killAndWait(ctx: RuntimeContext, record: ContainerRecord): void {
  killAll(record);
  // The shim reaps the process; until then it is a zombie, which already counts as stopped.
  if (!pollUntilSync(() => ctx.store.status(record) === 'stopped', { timeoutMs: KILL_DEADLINE_MS, intervalMs: 5 })) {
    throw new RuntimeError(`container init still running ${KILL_DEADLINE_MS / 1000}s after SIGKILL`);
  }
}

export function destroy(ctx: RuntimeContext, record: ContainerRecord): void {
  // Without its own pid namespace, the container's other processes do not die with its init
  // (the kernel only does that for a namespace's PID 1), so they go with the container, as in runc.
  if (!record.namespaces.includes('pid')) killAll(record);
  removeCgroups(record.cgroupPaths);
  const state = ctx.store.ociState(record);
  ctx.store.remove(record.id);
  runHooks(record.poststop, state);
}

export function deleteContainer(ctx: RuntimeContext, args: CommandArgs): number {
  const id = args.positionals[0];
  if (!id) throw errors.missingId('delete');
  const force = flagSet(args, 'force', 'f');
  if (!ctx.store.exists(id)) {
    if (force) {
      ctx.store.remove(id);
      return 0;
    }
    throw errors.notExist();
  }
  const record = ctx.store.load(id);
  const status = ctx.store.status(record);
  if (status === 'created' || ((status === 'running' || status === 'paused') && force)) killAndWait(ctx, record);
  else if (status !== 'stopped') throw errors.deleteNotStopped(id, status);
  destroy(ctx, record);
  return 0;
}
