// `kill [--all] <id> [SIGNAL]`: SIGTERM by default; --all signals every process in the
// container's cgroup, which containerd uses for containers sharing a pid namespace.
import type { CommandArgs, RuntimeContext } from '../context.js';
import { flagSet } from '../context.js';
import { errors } from '../errors.js';
import { parseSignal } from '../signals.js';
import { cgroupPids } from '../cgroups.js';

function signalProcess(pid: number, signal: number): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function kill(ctx: RuntimeContext, args: CommandArgs): number {
  const [id, rawSignal] = args.positionals;
  if (!id) throw errors.missingId('kill');
  const signal = parseSignal(rawSignal ?? 'SIGTERM');
  const record = ctx.store.load(id);
  const status = ctx.store.status(record);
  if (flagSet(args, 'all', 'a')) {
    for (const pid of cgroupPids(record.cgroupPaths)) signalProcess(pid, signal);
    return 0;
  }
  if (status === 'stopped') throw errors.notRunning();
  try {
    process.kill(record.pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw errors.notRunning();
    throw err;
  }
  return 0;
}
