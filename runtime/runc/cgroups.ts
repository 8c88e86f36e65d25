// A container's cgroups. Cgroup v1: one directory per hierarchy at <mount>/<cgroupsPath> (below our
// own cgroup when the path is relative, as runc), limits from linux.resources, and removal on
// delete. Hierarchies are found under /sys/fs/cgroup as the host mounted them (cpu and cpuacct may
// be separate or "cpu,cpuacct" with symlinks). On a cgroup v2 host the single directory and its
// files come from cgroup2.ts; records key it "" (UNIFIED), as runc's state.json does.
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { OciDeviceRule, OciResources } from './spec.js';
import { RuntimeError } from './errors.js';
import { UNIFIED, applyUnifiedResources, createUnifiedPath, isUnifiedFrozen, setUnifiedFrozen, unifiedDir } from './cgroup2.js';
import { CGROUP_ROOT, cgroupLines, cgroupMounts, placeCgroupLine, removeCgroupTree, unifiedOnly } from '../../lib/cgroup-dirs.js';
import { pollUntilSync } from '../../lib/poll.js';

export interface Hierarchy {
  /** Directory name under /sys/fs/cgroup, e.g. "memory", "cpu,cpuacct", "systemd". */
  name: string;
  /** Set for a symlink such as cpu -> cpu,cpuacct: the container sees the same link. */
  link?: string;
}

/**
 * The v1 hierarchies in the order the host mounted them (runc shows them to the container in
 * mountinfo order), then the symlinks beside them. A cgroup2 mount in a hybrid layout
 * ("unified") is not one of the hierarchies runc uses.
 */
export function discoverHierarchies(root = CGROUP_ROOT): Hierarchy[] {
  const hierarchies: Hierarchy[] = [];
  const prefix = `${root}/`;
  for (const { mountPoint, version } of cgroupMounts()) {
    if (version !== 1 || !mountPoint.startsWith(prefix)) continue;
    const name = mountPoint.slice(prefix.length);
    if (!name.includes('/') && !hierarchies.some((h) => h.name === name)) hierarchies.push({ name });
  }
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    // no cgroup file system at all: the container runs without cgroups
  }
  for (const name of names.sort()) {
    const path = join(root, name);
    if (lstatSync(path).isSymbolicLink()) hierarchies.push({ name, link: readlinkSync(path) });
  }
  return hierarchies;
}

/**
 * The container's cgroup path inside each hierarchy. With --systemd-cgroup, cgroupsPath is
 * "slice:prefix:name" and lands, as with runc's systemd driver, at <slice path>/<prefix>-<name>.scope.
 */
export function resolveCgroupPath(cgroupsPath: string | undefined, id: string, systemd: boolean): string {
  if (!cgroupsPath) return systemd ? `/system.slice/ref-runc-${id}.scope` : `/ref-runc/${id}`;
  if (systemd && /^[^/:]*:[^:]*:[^:]*$/.test(cgroupsPath)) {
    const [slice, prefix, name] = cgroupsPath.split(':') as [string, string, string];
    return `${expandSlice(slice || 'system.slice')}/${prefix ? `${prefix}-` : ''}${name}.scope`;
  }
  // A relative path stays relative: it is resolved per hierarchy below our own cgroup (hierarchyDirs).
  return cgroupsPath;
}

/**
 * This process's own cgroup in each hierarchy, by directory name under the cgroup root ("memory",
 * "cpu,cpuacct", "systemd" for name=systemd, "unified" for the v2 line "0::"), as a path inside
 * that hierarchy. Read from /proc/self/cgroup, made relative to each mount's root (mountinfo's
 * fourth field) where a hierarchy is mounted from a subdirectory: lib/cgroup-dirs.ts places the
 * lines, as it does for the sweeper and the steps.
 */
export function ownCgroups(selfCgroup?: string, mountinfo?: string, root = CGROUP_ROOT): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    selfCgroup ??= readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return out;
  }
  // Only the hierarchies mounted under the root: the same hierarchy bound elsewhere is not where
  // runc looks.
  const mounts = cgroupMounts(mountinfo).filter((m) => m.mountPoint === root || m.mountPoint.startsWith(`${root}/`));
  for (const line of cgroupLines(selfCgroup)) {
    const placed = placeCgroupLine(line, mounts);
    if (!placed) continue;
    const name = line.controllers === '' ? 'unified' : placed.mount.mountPoint.slice(root.length + 1);
    if (!name || name.includes('/')) continue;
    out[name] = `/${relative(placed.mount.mountPoint, placed.dir)}`;
  }
  return out;
}

/**
 * The container's directory in each hierarchy, as runc's cgroupfs driver places it: an absolute
 * cgroupsPath from each hierarchy's root; a relative one below the cgroup that the runtime itself
 * runs in, in that hierarchy (runc's subsysPath uses GetOwnCgroupPath). dockerd passes
 * "<parent>/<id>" for a relative --cgroup-parent, so a daemon started in a nested memory cgroup
 * gets the container's memory cgroup nested there too, and the others at the roots.
 */
export function hierarchyDirs(path: string, names: string[], own: Record<string, string> = path.startsWith('/') ? {} : ownCgroups(), root = CGROUP_ROOT): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const name of names) dirs[name] = path.startsWith('/') ? join(root, name, path) : join(root, name, own[name] ?? '/', path);
  return dirs;
}

/** "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice", systemd's nesting of slices. */
export function expandSlice(slice: string): string {
  const base = slice.replace(/\.slice$/, '');
  if (base === '-' || base === '') return '';
  const parts = base.split('-');
  let path = '';
  for (let i = 1; i <= parts.length; i++) path += `/${parts.slice(0, i).join('-')}.slice`;
  return path;
}

function write(dir: string, file: string, value: string | number): void {
  const path = join(dir, file);
  try {
    writeFileSync(path, String(value));
  } catch (err) {
    throw new RuntimeError(`failed to write "${value}": write ${path}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
}

function writeIfPresent(dir: string, file: string, value: string | number): void {
  if (existsSync(join(dir, file))) write(dir, file, value);
}

// A new cpuset cgroup starts with empty cpus and mems and refuses tasks until they are filled;
// each new level inherits its parent's.
function makeCpusetLevels(hierarchyRoot: string, target: string): void {
  let dir = hierarchyRoot;
  for (const part of relative(hierarchyRoot, target).split('/').filter(Boolean)) {
    const parent = dir;
    dir = join(dir, part);
    mkdirSync(dir, { recursive: true });
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (readFileSync(join(dir, file), 'utf8').trim() === '')
        write(dir, file, readFileSync(join(parent, file), 'utf8').trim());
    }
  }
}

/** Creates the container's cgroups and applies its limits; returns the directories by hierarchy. */
export function setupCgroups(path: string, resources: OciResources | undefined, root = CGROUP_ROOT): Record<string, string> {
  if (unifiedOnly(root)) {
    const dir = unifiedDir(path, root);
    const made = createUnifiedPath(dir, root);
    const dirs = { [UNIFIED]: dir };
    try {
      if (resources) applyResources(dirs, resources);
    } catch (err) {
      for (const d of made.reverse()) removeTreeQuietly(d);
      throw err;
    }
    return dirs;
  }
  const names = discoverHierarchies(root).filter((h) => !h.link).map((h) => h.name);
  // In a hybrid layout runc also places the container in the cgroup2 tree ("0::/docker/<id>" in
  // /proc/<pid>/cgroup), without showing that tree inside the container.
  if (existsSync(join(root, 'unified', 'cgroup.controllers'))) names.push('unified');
  const dirs = hierarchyDirs(path, names, undefined, root);
  for (const [name, dir] of Object.entries(dirs)) {
    if (name.split(',').includes('cpuset')) makeCpusetLevels(join(root, name), dir);
    else mkdirSync(dir, { recursive: true });
  }
  if (resources) applyResources(dirs, resources);
  return dirs;
}

function removeTreeQuietly(dir: string): void {
  try {
    removeCgroupTree(dir);
  } catch {
    // the caller's error says what went wrong first
  }
}

/** The directory with a controller's files: on v2 the one directory has them all. */
function dirFor(dirs: Record<string, string>, controller: string): string | undefined {
  if (UNIFIED in dirs) return dirs[UNIFIED];
  for (const [name, dir] of Object.entries(dirs)) if (name.split(',').includes(controller)) return dir;
  return undefined;
}

export function applyResources(dirs: Record<string, string>, resources: OciResources): void {
  if (UNIFIED in dirs) return applyUnifiedResources(dirs[UNIFIED], resources);
  const memory = dirFor(dirs, 'memory');
  if (memory && resources.memory) {
    const m = resources.memory;
    if (m.limit !== undefined && m.limit !== 0) write(memory, 'memory.limit_in_bytes', m.limit);
    // memsw must stay >= the limit, so it goes after it; absent without swap accounting.
    if (m.swap !== undefined && m.swap !== 0) writeIfPresent(memory, 'memory.memsw.limit_in_bytes', m.swap);
    if (m.reservation !== undefined && m.reservation !== 0) write(memory, 'memory.soft_limit_in_bytes', m.reservation);
    if (m.swappiness !== undefined && m.swappiness >= 0 && m.swappiness <= 100) writeIfPresent(memory, 'memory.swappiness', m.swappiness);
    if (m.disableOOMKiller) write(memory, 'memory.oom_control', 1);
  }
  const cpu = dirFor(dirs, 'cpu');
  if (cpu && resources.cpu) {
    const c = resources.cpu;
    if (c.shares) write(cpu, 'cpu.shares', c.shares);
    if (c.period) write(cpu, 'cpu.cfs_period_us', c.period);
    if (c.quota) write(cpu, 'cpu.cfs_quota_us', c.quota);
  }
  const cpuset = dirFor(dirs, 'cpuset');
  if (cpuset && resources.cpu) {
    if (resources.cpu.cpus) write(cpuset, 'cpuset.cpus', resources.cpu.cpus);
    if (resources.cpu.mems) write(cpuset, 'cpuset.mems', resources.cpu.mems);
  }
  const pids = dirFor(dirs, 'pids');
  if (pids && resources.pids?.limit !== undefined && resources.pids.limit !== 0)
    write(pids, 'pids.max', resources.pids.limit > 0 ? resources.pids.limit : 'max');
  const blkio = dirFor(dirs, 'blkio');
  if (blkio && resources.blockIO?.weight) writeIfPresent(blkio, 'blkio.weight', resources.blockIO.weight);
  const devices = dirFor(dirs, 'devices');
  if (devices && resources.devices) applyDeviceRules(devices, resources.devices);
}

// runc appends these after the spec's rules: any device node may be created, and the standard
// /dev entries and terminals may be used.
export const DEFAULT_DEVICE_RULES: OciDeviceRule[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 136, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
];

export function deviceRuleText(rule: OciDeviceRule): string {
  const type = rule.type ?? 'a';
  if (type === 'a') return 'a';
  return `${type} ${rule.major ?? '*'}:${rule.minor ?? '*'} ${rule.access ?? 'rwm'}`;
}

function applyDeviceRules(dir: string, rules: OciDeviceRule[]): void {
  for (const rule of [...rules, ...DEFAULT_DEVICE_RULES])
    write(dir, rule.allow ? 'devices.allow' : 'devices.deny', deviceRuleText(rule));
}

/** Paused: v1's freezer.state, v2's cgroup.freeze. */
export function isFrozen(dirs: Record<string, string>): boolean {
  if (UNIFIED in dirs) return isUnifiedFrozen(dirs[UNIFIED]);
  const freezer = dirs['freezer'];
  if (!freezer) return false;
  try {
    return readFileSync(join(freezer, 'freezer.state'), 'utf8').trim() === 'FROZEN';
  } catch {
    return false;
  }
}

/** Every process in the container's cgroup (for `kill --all` and `ps`). */
export function cgroupPids(dirs: Record<string, string>): number[] {
  const dir = dirFor(dirs, 'pids') ?? dirFor(dirs, 'freezer') ?? dirFor(dirs, 'memory') ?? Object.values(dirs)[0];
  if (!dir) return [];
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function setFrozen(dirs: Record<string, string>, frozen: boolean): void {
  if (UNIFIED in dirs) return setUnifiedFrozen(dirs[UNIFIED], frozen);
  const freezer = dirFor(dirs, 'freezer');
  if (!freezer) throw new RuntimeError('freezer cgroup is not available');
  write(freezer, 'freezer.state', frozen ? 'FROZEN' : 'THAWED');
}

/**
 * Removes the container's cgroup directories, with any cgroups made inside them (a container with
 * its own cgroup namespace may make some). rmdir fails with EBUSY while a dying process is still
 * charged to the cgroup, so it retries until the deadline and names what was left.
 */
export function removeCgroups(dirs: Record<string, string>, deadlineMs = 2000): void {
  let pending = Object.values(dirs);
  const removed = () => {
    pending = pending.filter((dir) => {
      try {
        removeCgroupTree(dir);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code !== 'ENOENT';
      }
    });
    return pending.length === 0;
  };
  if (!pollUntilSync(removed, { timeoutMs: deadlineMs, intervalMs: 10 })) throw new RuntimeError(`unable to remove cgroup paths: ${pending.join(', ')}`);
}
