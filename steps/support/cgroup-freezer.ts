// The freezer of a process's cgroup, as `docker pause` leaves it: on cgroup v1 the freezer
// hierarchy's freezer.state (FROZEN, FREEZING, THAWED), on v2 the cgroup's own cgroup.freeze (1/0).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Freezer {
  /** the file that says whether the cgroup is frozen */
  file: string;
  /** its content, trimmed */
  value: string;
  frozen: boolean;
  /** what to write to thaw it */
  thawValue: string;
}

interface Mount {
  mountPoint: string;
  root: string;
  fstype: string;
  options: string[];
}

function cgroupMounts(): Mount[] {
  const out: Mount[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const f = left.split(' ');
    const [fstype, , superOpts] = right.split(' ');
    if (fstype === 'cgroup' || fstype === 'cgroup2') out.push({ mountPoint: f[4]!, root: f[3]!, fstype, options: (superOpts ?? '').split(',') });
  }
  return out;
}

function below(m: Mount, path: string): string | undefined {
  const rel = m.root === '/' ? path : path.startsWith(m.root) ? path.slice(m.root.length) : undefined;
  return rel === undefined ? undefined : join(m.mountPoint, rel);
}

/** The freezer file of the cgroup `pid` is in: the v1 freezer hierarchy when mounted, else v2's. */
export function freezerOf(pid: number): Freezer {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean);
  const mounts = cgroupMounts();
  for (const line of lines) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m || !m[1]!.split(',').includes('freezer')) continue;
    const mount = mounts.find((x) => x.fstype === 'cgroup' && x.options.includes('freezer'));
    const dir = mount && below(mount, m[2]!);
    if (dir && existsSync(join(dir, 'freezer.state'))) {
      const file = join(dir, 'freezer.state');
      const value = readFileSync(file, 'utf8').trim();
      return { file, value, frozen: value === 'FROZEN', thawValue: 'THAWED' };
    }
  }
  const v2 = lines.map((l) => /^0::(.*)$/.exec(l)).find(Boolean);
  const mount = mounts.find((x) => x.fstype === 'cgroup2');
  const dir = v2 && mount && below(mount, v2[1]!);
  if (!dir || !existsSync(join(dir, 'cgroup.freeze'))) throw new Error(`no freezer for pid ${pid}: /proc/${pid}/cgroup says\n${lines.join('\n')}`);
  const file = join(dir, 'cgroup.freeze');
  const value = readFileSync(file, 'utf8').trim();
  return { file, value, frozen: value === '1', thawValue: '0' };
}

/** Thaw a cgroup left frozen (a scenario that failed while its container was paused). */
export function thaw(file: string, value: string): void {
  if (existsSync(file)) writeFileSync(file, value);
}
