// `ps [--format table|json] <id> [ps args…]`: the processes in the container's cgroup. containerd
// calls `ps --format json` for `docker top` and expects a JSON array of host pids.
import { spawnSync } from 'node:child_process';
import type { CommandArgs, RuntimeContext } from '../context.js';
import { flagString } from '../context.js';
import { errors } from '../errors.js';
import { cgroupPids } from '../cgroups.js';

export function ps(ctx: RuntimeContext, args: CommandArgs): number {
  const [id, ...psArgs] = args.positionals;
  if (!id) throw errors.missingId('ps');
  const record = ctx.store.load(id);
  const pids = cgroupPids(record.cgroupPaths);
  if ((flagString(args, 'format', 'f') ?? 'table') === 'json') {
    process.stdout.write(`${JSON.stringify(pids)}\n`);
    return 0;
  }
  const output = spawnSync('ps', psArgs.length > 0 ? psArgs : ['-ef'], { encoding: 'utf8' }).stdout ?? '';
  const [header = '', ...lines] = output.split('\n');
  const pidColumn = header.trim().split(/\s+/).indexOf('PID');
  process.stdout.write(`${header}\n`);
  for (const line of lines) {
    const pid = Number(line.trim().split(/\s+/)[pidColumn]);
    if (pids.includes(pid)) process.stdout.write(`${line}\n`);
  }
  return 0;
}
