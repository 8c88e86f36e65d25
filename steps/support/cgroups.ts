// A container's cgroup as the host's files show it: the directory of each controller for its PID 1
// (lib/cgroup-dirs.ts maps /proc/<pid>/cgroup onto the mounts, as ref-runc and the sweeper do), the
// lines as the kernel printed them (for failure messages), and the files in it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessInfo } from '../../lib/proc.js';
import { cgroupDirsFrom, unifiedOnly } from '../../lib/cgroup-dirs.js';

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
  // Read here rather than through cgroupDirsOf: a step must fail when the process is gone.
  const text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  return { pid, id, dirs: cgroupDirsFrom(text), lines: text.split('\n').filter(Boolean), procs: [] };
}

/** The directory holding a controller's files; v2 keeps them all in one directory. */
export function controllerDir(cg: ContainerCgroup, controller: string): string {
  const dir = unifiedOnly() ? cg.dirs.get('') : cg.dirs.get(controller);
  if (!dir) throw new Error(`no ${controller} cgroup for pid ${cg.pid} in:\n${cg.lines.join('\n')}`);
  return dir;
}

export function readCgroupFile(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}
