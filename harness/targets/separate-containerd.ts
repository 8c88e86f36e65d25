// A containerd that runs beside an engine daemon instead of under it: what `dockerd --containerd
// <socket>` expects (a systemd unit of its own, on a distribution that packages containerd apart).
// The variants that swap containerd (variants.ts) need it, because dockerd can only be pointed at
// another containerd, not told which binary to start. It listens where the daemon's own containerd
// would, <exec-root>/containerd/containerd.sock, and keeps its root, state and config in that
// directory too: scenarios that name the socket keep their meaning, and everything it leaves (the
// shims' bundles and rootfs mounts, the shims themselves, whose command lines name the socket) is
// inside the engine's directory, where the sweep finds it (sweeper.ts).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { healthCheck } from '../../steps/support/grpc-health.js';
import { isAlive } from '../../lib/proc.js';
import { scaled } from '../../lib/time-scale.js';
import type { TargetInfo } from './types.js';
import { pollUntil } from '../../lib/poll.js';

export type ContainerdCommand = TargetInfo['externalContainerd'];

const READY_DEADLINE_MS = scaled(20000);

/** The flag that points a daemon at a containerd it does not start. */
export const CONTAINERD_FLAG = '--containerd';

export function namesContainerd(flags: string[]): boolean {
  return flags.some((f) => f === CONTAINERD_FLAG || f.startsWith(`${CONTAINERD_FLAG}=`));
}

export interface SeparateContainerd {
  pid: number;
  address: string;
  log: string;
}

/**
 * Start the containerd `command` describes in `dir` and wait until it answers the gRPC health
 * check. `adopt` is called with its pid at once, before the wait, so that the engine's sweep ends
 * it even when it never becomes ready.
 */
export async function startSeparateContainerd(command: ContainerdCommand, dir: string, adopt: (pid: number) => void): Promise<SeparateContainerd> {
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  const { argv, address } = command(dir);
  const log = join(dir, 'containerd.log');
  const fd = openSync(log, 'a');
  // its own process group, as ManagedEngine's daemon: a Ctrl-C reaches cucumber, which sweeps
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  child.unref();
  const pid = child.pid!;
  adopt(pid);
  const failed = (why: string) => new Error(`the engine's containerd (${argv.join(' ')}) ${why}\n--- ${log} ---\n${tail(log)}`);
  const serving = async () => {
    if ((await healthCheck(address, '', 1000).catch(() => 'UNKNOWN')) === 'SERVING') return true;
    if (!isAlive(pid)) throw failed('exited');
    return false;
  };
  if (await pollUntil(serving, { timeoutMs: READY_DEADLINE_MS, intervalMs: 100 })) return { pid, address, log };
  throw failed(`did not answer within ${READY_DEADLINE_MS} ms`);
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
