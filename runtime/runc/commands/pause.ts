import type { CommandArgs, RuntimeContext } from '../context.js';
import { RuntimeError, errors } from '../errors.js';
import { setFrozen } from '../cgroups.js';

/** `pause <id>` and `resume <id>`: the freezer cgroup, as runc does on cgroup v1. */
export function pause(ctx: RuntimeContext, args: CommandArgs): number {
  return freeze(ctx, args, true);
}

export function resume(ctx: RuntimeContext, args: CommandArgs): number {
  return freeze(ctx, args, false);
}

function freeze(ctx: RuntimeContext, args: CommandArgs, frozen: boolean): number {
  const id = args.positionals[0];
  if (!id) throw errors.missingId(frozen ? 'pause' : 'resume');
  const record = ctx.store.load(id);
  const status = ctx.store.status(record);
  if (frozen && status !== 'running') throw errors.notRunning();
  if (!frozen && status !== 'paused') throw new RuntimeError('container not paused');
  setFrozen(record.cgroupPaths, frozen);
  return 0;
}
