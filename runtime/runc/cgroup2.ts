// Cgroup v2 (a host that mounts only the unified hierarchy at /sys/fs/cgroup): where the
// container's cgroup goes, how its ancestors get the controllers, and the v2 files runc writes
// for linux.resources (runc 1.1's fs2 driver). Device rules are not files on v2: the native stage
// attaches a BPF program to the directory (ref-runc-nsexec.c, "device cgroup").
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { OciResources } from './spec.js';
import { RuntimeError } from './errors.js';
import { cgroupLines } from '../../lib/cgroup-dirs.js';
import { pollUntilSync, sleepSync } from '../../lib/poll.js';

/** The key of the one v2 directory in a record's cgroupPaths, as runc's state.json has it. */
export const UNIFIED = '';

/** This process's cgroup in the unified hierarchy: the "0::" line of /proc/self/cgroup. */
export function ownUnifiedCgroup(selfCgroup?: string): string {
  try {
    selfCgroup ??= readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return '/';
  }
  const line = cgroupLines(selfCgroup).find((l) => l.hierarchyId === 0 && l.controllers === '');
  return line?.path || '/';
}

/**
 * The container's directory, as runc's fs2 driver places it: an absolute cgroupsPath from the
 * root; a relative one below the parent of the runtime's own cgroup, because that cgroup has
 * processes in it (the shim) and a cgroup with processes cannot hand controllers to children.
 */
export function unifiedDir(path: string, root: string, own = path.startsWith('/') ? '/' : ownUnifiedCgroup()): string {
  if (path.startsWith('/')) return join(root, path);
  return join(root, dirname(own), path);
}

function write(dir: string, file: string, value: string | number): void {
  const path = join(dir, file);
  try {
    writeFileSync(path, String(value));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Go's words: "open <path>: no such file or directory" for a controller that is not enabled.
    const reason = e.code === 'ENOENT' ? `open ${path}: no such file or directory` : `write ${path}: ${e.message.replace(/^[A-Z]+: /, '').replace(/, (open|write) .*$/, '')}`;
    throw new RuntimeError(`failed to write "${value}": ${reason}`);
  }
}

/**
 * Makes each level from the root down to `dir` and enables every controller the root offers in
 * the subtree_control of each level above the container's, as runc does: all at once, else one
 * by one, ignoring refusals (a controller that stays off shows up as a missing file when its
 * limit is written). Returns the directories it made, deepest last, for cleanup on failure.
 */
export function createUnifiedPath(dir: string, root: string): string[] {
  const rel = relative(root, dir);
  if (rel.startsWith('..') || rel === '') throw new RuntimeError(`invalid cgroup path ${dir}`);
  const controllers = readFileSync(join(root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
  const enable = controllers.map((c) => `+${c}`);
  const made: string[] = [];
  let current = root;
  const parts = rel.split('/');
  for (let i = 0; i <= parts.length; i++) {
    if (i > 0) {
      current = join(current, parts[i - 1]);
      if (!existsSync(current)) {
        mkdirSync(current);
        made.push(current);
      }
    }
    if (i === parts.length || enable.length === 0) continue;
    try {
      writeFileSync(join(current, 'cgroup.subtree_control'), enable.join(' '));
    } catch {
      for (const c of enable) {
        try {
          writeFileSync(join(current, 'cgroup.subtree_control'), c);
        } catch {
          // not delegated here, or the level has processes of its own
        }
      }
    }
  }
  return made;
}

/** runc 1.1's cpu.shares → cpu.weight: [2, 262144] mapped linearly onto [1, 10000]. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** runc 1.1's blkio.weight → io.weight, for kernels without BFQ: [10, 1000] onto [1, 10000]. */
export function blkioToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** 0 is "not set", -1 is "max" (runc's numToStr). */
function limitText(value: number | undefined): string | undefined {
  if (value === undefined || value === 0) return undefined;
  return value === -1 ? 'max' : String(value);
}

/**
 * memory.swap.max from the OCI memory.swap, which is memory plus swap as on v1 (runc's
 * ConvertMemorySwapToCgroupV2Value).
 */
export function swapMax(swap: number | undefined, limit: number | undefined): string | undefined {
  const memory = limit ?? 0;
  const memsw = swap ?? 0;
  if (memory === -1 && memsw === 0) return 'max';
  if (memsw === -1) return 'max';
  if (memsw === 0) return undefined;
  if (memory === 0 || memory === -1) throw new RuntimeError('unable to set swap limit without memory limit');
  if (memsw < memory) throw new RuntimeError('memory+swap limit should be >= memory limit');
  return String(memsw - memory);
}

/** Writes linux.resources into the container's v2 directory. */
export function applyUnifiedResources(dir: string, resources: OciResources): void {
  if (resources.pids?.limit !== undefined && resources.pids.limit !== 0)
    write(dir, 'pids.max', resources.pids.limit > 0 ? resources.pids.limit : 'max');
  const m = resources.memory;
  if (m) {
    const swap = swapMax(m.swap, m.limit);
    if (swap !== undefined) {
      try {
        write(dir, 'memory.swap.max', swap);
      } catch (err) {
        // Without swap accounting the file is absent; "max" then changes nothing (runc: same).
        if (swap !== 'max' || existsSync(join(dir, 'memory.swap.max'))) throw err;
      }
    }
    const max = limitText(m.limit);
    if (max !== undefined) write(dir, 'memory.max', max);
    const low = limitText(m.reservation);
    if (low !== undefined) write(dir, 'memory.low', low);
  }
  const io = resources.blockIO;
  if (io?.weight) {
    if (existsSync(join(dir, 'io.bfq.weight'))) write(dir, 'io.bfq.weight', io.weight);
    else write(dir, 'io.weight', blkioToIoWeight(io.weight));
  }
  const c = resources.cpu;
  if (c) {
    if (c.shares) write(dir, 'cpu.weight', sharesToWeight(c.shares));
    if (c.quota || c.period) write(dir, 'cpu.max', `${c.quota && c.quota > 0 ? c.quota : 'max'}${c.period ? ` ${c.period}` : ''}`);
    if (c.cpus) write(dir, 'cpuset.cpus', c.cpus);
    if (c.mems) write(dir, 'cpuset.mems', c.mems);
  }
}

/**
 * Freezes or thaws through cgroup.freeze and waits, as runc does, until cgroup.events says the
 * whole cgroup got there: writing the file only starts the change.
 */
export function setUnifiedFrozen(dir: string, frozen: boolean, sleep = sleepSync, deadlineMs = 5000): void {
  write(dir, 'cgroup.freeze', frozen ? 1 : 0);
  if (!pollUntilSync(() => isUnifiedFrozen(dir, 'cgroup.events') === frozen, { timeoutMs: deadlineMs, intervalMs: 10, sleep })) {
    throw new RuntimeError(`unable to ${frozen ? 'freeze' : 'thaw'} cgroup ${dir}: cgroup.events did not change`);
  }
}

/** cgroup.freeze says what was asked, cgroup.events ("frozen 1") what the kernel has done. */
export function isUnifiedFrozen(dir: string, from: 'cgroup.freeze' | 'cgroup.events' = 'cgroup.freeze'): boolean {
  try {
    const text = readFileSync(join(dir, from), 'utf8');
    return from === 'cgroup.freeze' ? text.trim() === '1' : /^frozen 1$/m.test(text);
  } catch {
    return false;
  }
}
