// /proc/<pid>/mountinfo, read in one place: the engine (is a layer mounted?), the cgroup lookup
// (lib/cgroup-dirs.ts), the sweeper and the robustness probe (what is still mounted under an engine's
// root), and the steps (which mount a file or pty is on) all read the same lines the same way.
//
// A line (proc(5)): "<id> <parent> <major:minor> <root> <mount point> <options> [optional fields…]
// - <fs type> <source> <super options>". The optional fields vary in number, so the part after
// " - " is found by that separator. The kernel writes a space, tab, newline or backslash in a path
// as an octal escape (\040, \011, \012, \134).
import { readFileSync } from 'node:fs';

export interface MountInfo {
  id: number;
  parent: number;
  /** the path inside the mounted file system that is mounted here ("/" for its root) */
  root: string;
  mountPoint: string;
  /** per-mount options: "rw", "ro", "nosuid" … */
  options: string[];
  fsType: string;
  source: string;
  superOptions: string[];
}

/** "\040" → " ": the kernel's octal escapes in mountinfo's paths. */
export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses a mountinfo text; lines that are not mount lines are skipped. */
export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const f = line.slice(0, sep).split(' ');
    const [fsType = '', source = '', superOptions = ''] = line.slice(sep + 3).split(' ');
    if (f.length < 6) continue;
    out.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      root: unescapeMountPath(f[3]),
      mountPoint: unescapeMountPath(f[4]),
      options: f[5].split(','),
      fsType,
      source: unescapeMountPath(source),
      superOptions: superOptions.split(','),
    });
  }
  return out;
}

/** The mounts `pid` sees (this process by default); none when its /proc entry cannot be read. */
export function readMounts(pid: number | 'self' = 'self'): MountInfo[] {
  try {
    return parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
  } catch {
    return [];
  }
}

/** Mount points at `root` or below it, in mount order. */
export function mountPointsUnder(root: string, mounts: MountInfo[] = readMounts()): string[] {
  return mounts.map((m) => m.mountPoint).filter((p) => p === root || p.startsWith(`${root}/`));
}
