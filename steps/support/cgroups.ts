// A process's cgroups as the host's files show them: which hierarchy is mounted where (from
// /proc/self/mountinfo), the directory of each controller for a pid (from /proc/<pid>/cgroup), and
// the files in it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessInfo } from '../../lib/proc.js';

export interface Hierarchy {
  mountPoint: string;
  /** the path inside the hierarchy that is mounted there */
  root: string;
  version: 1 | 2;
  /** controllers (and name=…) of a v1 hierarchy */
  controllers: string[];
}

export function hierarchies(): Hierarchy[] {
  const out: Hierarchy[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const f = left.split(' ');
    const [fstype, , superOpts] = right.split(' ');
    if (fstype === 'cgroup2') out.push({ mountPoint: f[4], root: f[3], version: 2, controllers: [] });
    else if (fstype === 'cgroup') out.push({ mountPoint: f[4], root: f[3], version: 1, controllers: superOpts.split(',').filter((o) => o !== 'rw' && o !== 'ro') });
  }
  return out;
}

/** The machine runs cgroup v2 alone (unified mode): limits live in the unified files. */
export function unifiedMode(): boolean {
  return existsSync('/sys/fs/cgroup/cgroup.controllers');
}

export interface ContainerCgroup {
  pid: number;
  /** the container's full id, which names its cgroup */
  id: string;
  /** controller → directory ('' for the v2 hierarchy) */
  dirs: Map<string, string>;
  /** the paths as /proc/<pid>/cgroup prints them */
  lines: string[];
  procs: ProcessInfo[];
}

export function cgroupOf(pid: number, id = ''): ContainerCgroup {
  const text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  const mounts = hierarchies();
  const dirs = new Map<string, string>();
  const lines = text.split('\n').filter(Boolean);
  for (const line of lines) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, , ctrls, path] = m;
    const names = ctrls ? ctrls.split(',') : [''];
    const h = ctrls ? mounts.find((x) => x.version === 1 && names.every((n) => x.controllers.includes(n))) : mounts.find((x) => x.version === 2);
    if (!h) continue;
    // /proc/<pid>/cgroup is relative to our cgroup namespace's root, as is the mount's root.
    const rel = h.root === '/' ? path : path.startsWith(h.root) ? path.slice(h.root.length) : undefined;
    if (rel === undefined) continue;
    for (const n of names) dirs.set(n, join(h.mountPoint, rel));
  }
  return { pid, id, dirs, lines, procs: [] };
}

/** The directory holding a controller's files; v2 keeps them all in one directory. */
export function controllerDir(cg: ContainerCgroup, controller: string): string {
  const dir = unifiedMode() ? cg.dirs.get('') : cg.dirs.get(controller);
  if (!dir) throw new Error(`no ${controller} cgroup for pid ${cg.pid} in:\n${cg.lines.join('\n')}`);
  return dir;
}

export function readCgroupFile(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}
