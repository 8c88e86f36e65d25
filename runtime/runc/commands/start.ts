// `start <id>`: releases the created container's process, which blocks opening exec.fifo for
// writing; opening it for reading lets its open return, and the process execs the command.
import { closeSync, constants, openSync, readSync, unlinkSync } from 'node:fs';
import type { CommandArgs, RuntimeContext } from '../context.js';
import { errors } from '../errors.js';
import { pollUntilSync } from '../../../lib/poll.js';
import { processMatches } from '../state-store.js';
import { runHooks } from '../hooks.js';
import { spawn } from 'node:child_process';
import { faultEnabled } from '../../../lib/faults.js';

const RELEASE_DEADLINE_MS = 10_000;

export function start(ctx: RuntimeContext, args: CommandArgs): number {
  const id = args.positionals[0];
  if (!id) throw errors.missingId('start');
  const record = ctx.store.load(id);
  const status = ctx.store.status(record);
  if (status === 'stopped') throw errors.startStopped();
  if (status !== 'created') throw errors.startRunning();

  const fifo = ctx.store.fifo(id);
  // Non-blocking, so that a process that died meanwhile cannot hang us: we poll for its byte.
  const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buffer = Buffer.alloc(1);
    const released = () => {
      let n = 0;
      try {
        n = readSync(fd, buffer, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      if (n > 0) return true;
      // End of file: the process has not reached its open yet, or it is gone.
      if (!processMatches(record.pid, record.startTime)) throw errors.startDead();
      return false;
    };
    if (!pollUntilSync(released, { timeoutMs: RELEASE_DEADLINE_MS, intervalMs: 0.2 })) throw errors.startDead();
  } finally {
    closeSync(fd);
  }
  unlinkSync(fifo);
  // Fault switch runtime-stays-running (lib/faults.ts): a process named ref-runc stays as long as
  // the container's init does, like a runtime that acts as the container's monitor.
  if (faultEnabled('runtime-stays-running')) {
    spawn('/bin/sh', ['-c', `while kill -0 ${record.pid} 2>/dev/null; do sleep 1; done`], { argv0: 'ref-runc', detached: true, stdio: 'ignore' }).unref();
  }
  runHooks(record.poststart, ctx.store.ociState(record));
  return 0;
}
