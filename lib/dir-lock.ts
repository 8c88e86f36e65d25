// A lock as a directory holding its owner's pid (`<lock>/owner`): mkdir(2) is atomic, so exactly
// one of any number of takers makes it. Used for the harness's machine-wide claims (ports, subnets),
// the attached engine's per-engine lock and the guest image build of `dockspec vm`. Runs of other
// checkouts share the claims under DOCKSPEC_WORKDIR, so the layout stays this one.
//
// A lock whose owner process is gone (a killed worker) may be taken over. Two takers that both see
// the dead owner must not both win, and neither may remove a lock that a third has made meanwhile;
// so a takeover first takes `<lock>.takeover` (mkdir again), reads the owner once more under it, and
// only then removes the stale lock, after which the takers race for it with mkdir like anyone else.
// A process holds `.takeover` for a few system calls only; one found older than TAKEOVER_STALE_MS
// belonged to a taker killed in between and is removed.
import { mkdirSync, readFileSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from './poll.js';
import { processExists } from './proc.js';

const TAKEOVER_STALE_MS = 10000;

/** The pid in the lock's owner file; 0 when there is no lock, or it is being made right now. */
export function lockOwner(lock: string): number {
  try {
    const pid = Number(readFileSync(join(lock, 'owner'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return 0;
  }
}

function make(lock: string): boolean {
  try {
    mkdirSync(lock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  writeFileSync(join(lock, 'owner'), String(process.pid));
  return true;
}

/** Removes `lock` if its owner is (still) a process that is gone; false when another taker is at it. */
function removeStale(lock: string): boolean {
  const guard = `${lock}.takeover`;
  try {
    mkdirSync(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_STALE_MS) rmdirSync(guard);
    } catch {
      // released meanwhile
    }
    return false;
  }
  try {
    const owner = lockOwner(lock);
    if (!owner || processExists(owner)) return false;
    rmSync(lock, { recursive: true, force: true });
    return true;
  } finally {
    rmdirSync(guard);
  }
}

/** Takes `lock` now if it is free or its owner is gone; false when a live process holds it. */
export function tryLock(lock: string): boolean {
  if (make(lock)) return true;
  const owner = lockOwner(lock);
  if (!owner || processExists(owner)) return false;
  return removeStale(lock) && make(lock);
}

export function unlock(lock: string): void {
  rmSync(lock, { recursive: true, force: true });
}

export interface WaitOptions {
  /** give up after this long, with an error naming the owner (default: wait for ever) */
  timeoutMs?: number;
  intervalMs?: number;
  /** before the lock's directory is tried: make its parent (it may have gone with its last user) */
  makeParent?: boolean;
  /** called once, when the lock is found held */
  onWait?: (owner: number) => void;
}

/** Waits for `lock` and takes it; the returned function releases it. */
export async function waitForLock(lock: string, o: WaitOptions = {}): Promise<() => void> {
  let told = false;
  const taken = () => {
    if (o.makeParent) mkdirSync(join(lock, '..'), { recursive: true });
    try {
      if (tryLock(lock)) return true;
    } catch (err) {
      // the parent went between mkdir and the lock's own mkdir (its last user removed it)
      if (o.makeParent && (err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    if (!told) o.onWait?.(lockOwner(lock));
    told = true;
    return false;
  };
  if (await pollUntil(taken, { timeoutMs: o.timeoutMs ?? Infinity, intervalMs: o.intervalMs ?? 50 })) return () => unlock(lock);
  throw new Error(`the lock ${lock} is still held by pid ${lockOwner(lock)} after ${Math.round(o.timeoutMs! / 1000)} s`);
}
