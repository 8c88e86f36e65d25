// The freezer of a process's cgroup, as `docker pause` leaves it: on cgroup v1 the freezer
// hierarchy's freezer.state (FROZEN, FREEZING, THAWED), on v2 the cgroup's own cgroup.freeze (1/0).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupOf } from './cgroups.js';

export interface Freezer {
  /** the file that says whether the cgroup is frozen */
  file: string;
  /** its content, trimmed */
  value: string;
  frozen: boolean;
  /** what to write to thaw it */
  thawValue: string;
}

/** The freezer file of the cgroup `pid` is in: the v1 freezer hierarchy when mounted, else v2's. */
export function freezerOf(pid: number): Freezer {
  const cg = cgroupOf(pid);
  const v1 = cg.dirs.get('freezer');
  if (v1 && existsSync(join(v1, 'freezer.state'))) {
    const file = join(v1, 'freezer.state');
    const value = readFileSync(file, 'utf8').trim();
    return { file, value, frozen: value === 'FROZEN', thawValue: 'THAWED' };
  }
  const v2 = cg.dirs.get('');
  if (!v2 || !existsSync(join(v2, 'cgroup.freeze'))) throw new Error(`no freezer for pid ${pid}: /proc/${pid}/cgroup says\n${cg.lines.join('\n')}`);
  const file = join(v2, 'cgroup.freeze');
  const value = readFileSync(file, 'utf8').trim();
  return { file, value, frozen: value === '1', thawValue: '0' };
}

/** Thaw a cgroup left frozen (a scenario that failed while its container was paused). */
export function thaw(file: string, value: string): void {
  if (existsSync(file)) writeFileSync(file, value);
}
