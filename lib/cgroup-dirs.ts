// Where cgroups are on this host: whether cgroup v2 is mounted alone, which hierarchy is mounted
// where (/proc/self/mountinfo), which cgroup a process is in (/proc/<pid>/cgroup), and how a cgroup
// goes with the cgroups made inside it. One home for these facts, because the engine (docker stats,
// docker info), the runtime (ref-runc's cgroups, the shim's Task.Stats), the harness's sweeper and
// the isolation steps must all read the host the same way.
import fs from 'node:fs';
import path from 'node:path';
import { parseMountinfo, readMounts } from './mountinfo.js';

export const CGROUP_ROOT = '/sys/fs/cgroup';

/** True where the host mounts cgroup v2 alone (unified): only then does the root carry cgroup.controllers. */
export function unifiedOnly(root = CGROUP_ROOT): boolean {
  return fs.existsSync(path.join(root, 'cgroup.controllers'));
}

/** "2" where the host mounts cgroup v2 alone (unified), else "1"; as `docker info` says it. */
export function cgroupVersion(): '1' | '2' {
  return unifiedOnly() ? '2' : '1';
}

export interface CgroupMount {
  mountPoint: string;
  /** the path inside the hierarchy that is mounted there (not "/" inside a cgroup namespace) */
  root: string;
  version: 1 | 2;
  /** controllers (and name=…) of a v1 hierarchy, from its super options */
  controllers: string[];
}

/** The cgroup and cgroup2 mounts of /proc/self/mountinfo (or of the text given), in mount order. */
export function cgroupMounts(mountinfo?: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const m of mountinfo === undefined ? readMounts() : parseMountinfo(mountinfo)) {
    if (m.fsType === 'cgroup2') out.push({ mountPoint: m.mountPoint, root: m.root, version: 2, controllers: [] });
    else if (m.fsType === 'cgroup') out.push({ mountPoint: m.mountPoint, root: m.root, version: 1, controllers: m.superOptions.filter((o) => o !== 'rw' && o !== 'ro' && o !== '') });
  }
  return out;
}

export interface CgroupLine {
  hierarchyId: number;
  /** "memory", "cpu,cpuacct", "name=systemd"; "" on v2's "0::" line */
  controllers: string;
  /** relative to the reader's cgroup namespace */
  path: string;
}

/** The lines of a /proc/<pid>/cgroup text: "<hierarchy id>:<controllers>:<path>". */
export function cgroupLines(text: string): CgroupLine[] {
  const out: CgroupLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (m) out.push({ hierarchyId: Number(m[1]), controllers: m[2], path: m[3] });
  }
  return out;
}

/**
 * Each controller's directory for the process whose /proc/<pid>/cgroup text is given, where the
 * hierarchies are mounted here; the cgroup2 directory (the "0::" line) under the key "".
 */
export function cgroupDirsFrom(procCgroup: string, mounts: CgroupMount[] = cgroupMounts()): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const line of cgroupLines(procCgroup)) {
    const placed = placeCgroupLine(line, mounts);
    if (!placed) continue;
    for (const n of line.controllers ? line.controllers.split(',') : ['']) dirs.set(n, placed.dir);
  }
  return dirs;
}

/**
 * Where one line of /proc/<pid>/cgroup is on this host: the mount of its hierarchy (v1: the one
 * whose controllers include the line's; v2, the "0::" line: the cgroup2 mount) and the cgroup's
 * directory under it. Undefined when that hierarchy is not mounted here, or when the cgroup lies
 * outside the part of the hierarchy that is mounted.
 */
export function placeCgroupLine(line: CgroupLine, mounts: CgroupMount[] = cgroupMounts()): { mount: CgroupMount; dir: string } | undefined {
  const names = line.controllers ? line.controllers.split(',') : [];
  const mount = line.controllers ? mounts.find((x) => x.version === 1 && names.every((n) => x.controllers.includes(n))) : mounts.find((x) => x.version === 2);
  if (!mount) return undefined;
  // Both /proc/<pid>/cgroup and the mount's root are relative to our cgroup namespace.
  const p = line.path;
  const rel = mount.root === '/' ? p : p.startsWith(mount.root) ? p.slice(mount.root.length) : undefined;
  // (path.join keeps the slash of a cgroup at the hierarchy's root: "/" joins to "<mount>/")
  return rel === undefined ? undefined : { mount, dir: path.join(mount.mountPoint, rel).replace(/(.)\/+$/, '$1') };
}

/** cgroupDirsFrom for a live process; none when it is gone. */
export function cgroupDirsOf(pid: number): Map<string, string> {
  let own: string;
  try {
    own = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return new Map();
  }
  return cgroupDirsFrom(own);
}

/** A cgroup file's text, trimmed; undefined without the directory or the file (a controller not enabled). */
export function readCgroupFile(dir: string | undefined, file: string): string | undefined {
  if (!dir) return undefined;
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Removes a cgroup and the cgroups made inside it (a container with its own cgroup namespace may
 * make some): children first, because rmdir takes only a cgroup without children. A child that
 * will not go does not stop its siblings; the error thrown is that of `dir` itself (ENOENT when it
 * was gone already, EBUSY or ENOTEMPTY while something is still charged to it).
 */
export function removeCgroupTree(dir: string): void {
  let children: string[] = [];
  try {
    children = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    // gone already: rmdir below says ENOENT
  }
  for (const child of children) {
    try {
      removeCgroupTree(path.join(dir, child));
    } catch {
      // the rmdir of `dir` below reports it
    }
  }
  fs.rmdirSync(dir);
}
