// Leaves nothing behind (docs/design.md principle 5). Works from what an engine wrote into its own
// directory, so that it can also clean up after a worker that was killed mid-scenario.
import { existsSync, lstatSync, statSync, readFileSync, readdirSync, rmSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { descendantsOf, isAlive, listProcesses, processExists, ProcessInfo, socketInodes } from '../../lib/proc.js';
import { cgroupLines, cgroupMounts, placeCgroupLine, removeCgroupTree, type CgroupMount } from '../../lib/cgroup-dirs.js';
import { mountPointsUnder } from '../../lib/mountinfo.js';
import { release, WORK_ROOT } from '../resources.js';
import { pollUntil } from '../../lib/poll.js';

export interface EngineRecord {
  id: string;
  target: string;
  root: string;
  bridge: string;
  subnetIndex: number;
  cgroupParent?: string;
  ownerPid: number;
  /** the worker thread that owns it: cucumber's parallel workers are threads of one process */
  ownerThread?: number;
  /** every daemon pid this engine ever had, with start times (restarts add entries) */
  daemons: { pid: number; startTime: number }[];
  /** external processes started for the engine (sshd, an external containerd, …) */
  helpers: { pid: number; startTime: number }[];
  /** extra paths (sockets outside root) to remove */
  paths: string[];
  /** directories other engines may share (/run/containerd/s): removed only when empty, in this order */
  sharedDirs?: string[];
}

export const ENGINES_DIR = join(WORK_ROOT, 'engines');

export function recordPath(root: string): string {
  return join(root, 'engine.json');
}

export function saveRecord(rec: EngineRecord): void {
  writeFileSync(recordPath(rec.root) + '.tmp', JSON.stringify(rec, null, 2));
  execFileSync('mv', [recordPath(rec.root) + '.tmp', recordPath(rec.root)]);
}

export function loadRecord(root: string): EngineRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(root), 'utf8')) as EngineRecord;
  } catch {
    return undefined;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * The engine's processes: its daemons and helpers with everything below them, plus processes that
 * name the engine's directory on their command line (shims re-parented to PID 1 and their
 * containers), again with everything below them.
 */
export function engineProcesses(rec: EngineRecord, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const seen = new Map<number, ProcessInfo>();
  const add = (p: ProcessInfo) => {
    if (p.pid === process.pid || seen.has(p.pid)) return;
    seen.set(p.pid, p);
    for (const d of descendantsOf(p.pid, all)) seen.set(d.pid, d);
  };
  for (const { pid, startTime } of [...rec.daemons, ...rec.helpers]) {
    const p = all.find((x) => x.pid === pid && x.startTime === startTime);
    if (p) add(p);
  }
  for (const p of all) if (p.argv.some((a) => a.includes(rec.root))) add(p);
  // A container whose shim was killed is re-parented to PID 1 and names nothing of the engine on
  // its command line; it still sits in the engine's cgroup parent, which no other engine uses. Only
  // PID 1's children can be such orphans, so only their cgroup files are read (steps poll this).
  if (rec.cgroupParent) for (const p of all) if (p.ppid === 1 && !seen.has(p.pid) && inCgroup(p.pid, rec.cgroupParent)) add(p);
  return [...seen.values()];
}

function inCgroup(pid: number, parent: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`/${parent}/`);
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  let left = pids;
  await pollUntil(() => !(left = left.filter((pid) => isAlive(pid))).length, { timeoutMs: ms, intervalMs: 50 });
  return left;
}

function unmountAll(root: string): void {
  // Deepest first; lazy unmount so a busy mount does not stop the rest.
  for (let pass = 0; pass < 3; pass++) {
    const mounts = mountPointsUnder(root).sort((a, b) => b.length - a.length);
    if (!mounts.length) return;
    for (const m of mounts) {
      try {
        execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      } catch {
        // retried on the next pass
      }
    }
  }
}

/**
 * Where a relative cgroup parent lands: dockerd (and ref-dockerd) create it below their own cgroup
 * in each hierarchy, which they inherited from the harness. So look below this process's cgroup in
 * every hierarchy of /proc/self/cgroup, and at each hierarchy's root, where the host mounts them
 * (mountinfo, through lib/cgroup-dirs.ts); with cgroup v2 alone, the runtime's placement one level
 * up counts too.
 */
export function cgroupParentDirs(parent: string, selfCgroup = readFileSync('/proc/self/cgroup', 'utf8'), mounts: CgroupMount[] = cgroupMounts()): string[] {
  const dirs = new Set<string>();
  const v2Only = !mounts.some((m) => m.version === 1);
  for (const line of cgroupLines(selfCgroup)) {
    const placed = placeCgroupLine(line, mounts);
    if (!placed) continue;
    dirs.add(join(placed.dir, parent));
    dirs.add(join(placed.mount.mountPoint, parent));
    // On cgroup v2 runc (and ref-runc) put a relative path below the parent of their own cgroup,
    // which has processes and so cannot give controllers to children.
    if (line.controllers === '' && v2Only && placed.dir !== placed.mount.mountPoint) dirs.add(join(dirname(placed.dir), parent));
  }
  return [...dirs];
}

async function removeCgroups(parent: string): Promise<string[]> {
  const rmTree = (d: string) => {
    try {
      removeCgroupTree(d);
    } catch {
      // a process still in it; reported by the leak check
    }
  };
  // A container's last process may still be a zombie waiting for PID 1 to reap it, which keeps
  // its cgroup busy for a moment: retry briefly before calling it a leak.
  let left = cgroupParentDirs(parent).filter((d) => existsSync(d));
  const removed = () => {
    for (const dir of left) rmTree(dir);
    left = left.filter((d) => existsSync(d));
    return !left.length;
  };
  await pollUntil(removed, { timeoutMs: 3000, intervalMs: 100 });
  return left;
}

/** Whether an engine other than the one at `root` has a directory under ENGINES_DIR. */
function otherEnginesExist(root: string): boolean {
  try {
    return readdirSync(ENGINES_DIR).some((d) => join(ENGINES_DIR, d) !== root);
  } catch {
    return false;
  }
}

/** At the end of a worker's run: the shared directories, once no engine is left to use them. */
export function sweepSharedDirs(dirs: string[]): void {
  if (!otherEnginesExist('')) removeIfEmpty(dirs);
}

/** rmdir, which refuses a directory another engine still has something in. */
export function removeIfEmpty(dirs: string[]): void {
  for (const d of dirs) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (in use by another engine) or not there
    }
  }
}

function deleteLink(name: string): void {
  if (!name) return;
  try {
    execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  } catch {
    // not there
  }
}

/**
 * Paths of the unix sockets these processes listen on. A shim killed with SIGKILL cannot remove
 * its socket file (containerd-shim-runc-v2 keeps it under /run/containerd/s/), so we do.
 */
export function listeningUnixSockets(pids: number[]): string[] {
  let table: string;
  try {
    table = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return [];
  }
  const byInode = new Map<number, string>();
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // Flags 00010000 is __SO_ACCEPTCON: a listening socket. Abstract sockets start with '@'.
    if (cols.length >= 8 && cols[3] === '00010000' && cols[7].startsWith('/')) byInode.set(Number(cols[6]), cols[7]);
  }
  const out: string[] = [];
  for (const pid of pids) for (const inode of socketInodes(pid)) if (byInode.has(inode)) out.push(byInode.get(inode)!);
  return out;
}

function removeSocketFiles(paths: string[]): void {
  for (const p of paths) {
    try {
      if (lstatSync(p).isSocket()) unlinkSync(p);
    } catch {
      // already removed by its owner
    }
  }
}

/** Stop everything an engine created and remove its traces. Safe to call twice. */
export async function sweepEngine(rec: EngineRecord): Promise<string[]> {
  const problems: string[] = [];
  let procs = engineProcesses(rec);
  const sockets = listeningUnixSockets(procs.map((p) => p.pid));
  for (const p of procs) kill(p.pid, 'SIGKILL');
  let left = await waitGone(procs.map((p) => p.pid), 5000);
  // A shim may have been mid-fork while we looked; look once more.
  procs = engineProcesses(rec);
  for (const p of procs) kill(p.pid, 'SIGKILL');
  left = await waitGone(procs.map((p) => p.pid), 3000);
  if (left.length) problems.push(`processes still alive after SIGKILL: ${left.join(', ')}`);
  removeSocketFiles(sockets);
  // Another engine (another worker's) may be starting its daemon, which makes these directories with
  // mkdir -p: removing them under it failed that daemon ("failed to mkdir /run/docker/plugins: no such
  // file or directory"). The last engine swept, or the run's end (sweepSharedDirs), removes them.
  if (!otherEnginesExist(rec.root)) removeIfEmpty(rec.sharedDirs ?? []);
  unmountAll(rec.root);
  if (rec.cgroupParent) {
    const cgroups = await removeCgroups(rec.cgroupParent);
    if (cgroups.length) problems.push(`cgroups still there: ${cgroups.join(', ')}`);
  }
  deleteLink(rec.bridge);
  for (const p of rec.paths) rmSync(p, { recursive: true, force: true });
  const stillMounted = mountPointsUnder(rec.root);
  if (stillMounted.length) problems.push(`still mounted: ${stillMounted.join(', ')}`);
  else rmSync(rec.root, { recursive: true, force: true });
  release('subnet', rec.subnetIndex);
  return problems;
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * An engine is orphaned when its owner's process is gone, or when its owner is this very worker
 * (its own debris, from before a BeforeAll). Workers are threads of one process, so a record of
 * this pid from another thread belongs to a sibling worker that is still running: a worker that
 * starts late must not sweep the engine under a sibling's scenario.
 */
export function orphaned(rec: Pick<EngineRecord, 'ownerPid' | 'ownerThread'>, pid = process.pid, thread = threadId): boolean {
  if (!processExists(rec.ownerPid)) return true;
  return rec.ownerPid === pid && (rec.ownerThread ?? thread) === thread;
}

/** Clean up engines whose owning worker is gone (killed, interrupted). Returns how many. */
export async function sweepOrphanedEngines(): Promise<number> {
  let roots: string[];
  try {
    roots = readdirSync(ENGINES_DIR).map((d) => join(ENGINES_DIR, d));
  } catch {
    return 0;
  }
  let n = 0;
  for (const root of roots) {
    const rec = loadRecord(root);
    if (!rec) {
      // A directory without a record may be an engine another worker is constructing right now
      // (mkdir, then picking a subnet, then the record): only one left over for a while is debris.
      // Seen: worker 2's BeforeAll sweep removed worker 1's first engine ("ENOENT … engine.json.tmp").
      if (!mountPointsUnder(root).length && ageMs(root) > 60000) rmSync(root, { recursive: true, force: true });
      continue;
    }
    if (!orphaned(rec)) continue;
    await sweepEngine(rec);
    n++;
  }
  // Attached engines (DOCKER_HOST): the objects of scenarios whose worker is gone, and the test image
  // of a run none of whose workers is left. Imported here, not at the top: it imports this module.
  const { sweepAttachedEngines } = await import('./attached-engine.js');
  n += await sweepAttachedEngines();
  return n;
}
