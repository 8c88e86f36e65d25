// The `delete` action: what containerd runs when a shim is gone (crashed, killed) and its bundle
// is left. It makes the runtime forget the container (`delete --force` kills what is left of it)
// and prints, encoded, the containerd.task.v2.DeleteResponse for the init: the exit the dead shim
// kept on disk when there is one, else what containerd's runc shim reports, killed by SIGKILL now.
import path from 'node:path';
import { readPidFile } from '../../lib/proc.js';
import { readExit } from '../../api/exit-store.js';
import { rfc3339Nano } from '../../api/clock.js';
import { encode } from '../../api/protos.js';
import { toTimestamp } from '../../api/timestamp.js';
import { Reaper } from './reaper.js';
import { run } from './runtime-command.js';
import { runtimeFromBundle } from './task-api.js';
import type { ShimFlags } from './shim-flags.js';

const SIGKILL_STATUS = 128 + 9;

export async function deleteAction(flags: ShimFlags): Promise<number> {
  const bundle = flags.bundle ?? process.cwd();
  const reaper = new Reaper();
  const ctx = { ...runtimeFromBundle(bundle, flags.namespace), logFile: path.join(bundle, 'log.json'), reaper };
  try {
    await run(ctx, ['delete', '--force', flags.id]);
  } catch (err) {
    // a container the runtime no longer knows is what we want; anything else is worth a line
    if (!/does not exist|not exist|not found/.test((err as Error).message)) process.stderr.write(`${(err as Error).message}\n`);
  } finally {
    reaper.close();
  }
  const kept = readExit(bundle);
  const pid = kept?.pid ?? readPidFile(path.join(bundle, 'init.pid'));
  const response = kept
    ? { pid, exitStatus: kept.exitStatus, exitedAt: toTimestamp(kept.exitedAt) }
    : { pid, exitStatus: SIGKILL_STATUS, exitedAt: toTimestamp(rfc3339Nano()) };
  process.stdout.write(encode('containerd.task.v2.DeleteResponse', response));
  return 0;
}

