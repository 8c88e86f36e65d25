// Where a process's cgroups are: one directory per controller on a cgroup v1 host, the one
// cgroup2 directory on a v2 host. Read by ref-dockerd (docker stats, docker info) and by
// ref-containerd-shim (Task.Stats), each from the container's PID 1.
import fs from 'node:fs';
import path from 'node:path';

/** "2" where the host mounts cgroup v2 alone (unified), else "1"; as `docker info` says it. */
export function cgroupVersion(): '1' | '2' {
  return fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1';
}

/**
 * Each controller's directory for a process, from /proc/<pid>/cgroup and where the hierarchies are
 * mounted here; the cgroup2 directory (the "0::" line) under the key "".
 */
export function cgroupDirsOf(pid: number): Map<string, string> {
  const dirs = new Map<string, string>();
  let own: string;
  let mountinfo: string;
  try {
    own = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return dirs;
  }
  const mounts: Array<{ point: string; root: string; controllers: string[] }> = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const f = left.split(' ');
    const [fsType, , superOpts] = right.split(' ');
    if (fsType === 'cgroup') mounts.push({ point: f[4], root: f[3], controllers: superOpts.split(',').filter((o) => o !== 'rw' && o !== 'ro') });
    if (fsType === 'cgroup2') mounts.push({ point: f[4], root: f[3], controllers: [''] });
  }
  for (const line of own.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const names = m[2].split(',');
    const mount = mounts.find((x) => names.every((n) => x.controllers.includes(n)));
    if (!mount) continue;
    // Both /proc/<pid>/cgroup and the mount's root are relative to our cgroup namespace.
    const rel = mount.root === '/' ? m[3] : m[3].startsWith(mount.root) ? m[3].slice(mount.root.length) : undefined;
    if (rel === undefined) continue;
    for (const n of names) dirs.set(n, path.join(mount.point, rel));
  }
  return dirs;
}
