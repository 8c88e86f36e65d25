// Pseudo-terminals as /proc shows them. A container's terminal is a pts of the devpts instance
// mounted in the container (runc makes it there); its master is an open /dev/pts/ptmx (or
// /dev/ptmx) of that same mount, whose fdinfo names the mount (mnt_id) and the pts (tty-index).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readMounts } from '../../lib/mountinfo.js';

export interface Pts {
  /** as the process sees it, e.g. /dev/pts/0 */
  path: string;
  index: number;
  /** the devpts mount it belongs to (mount ids are unique across mount namespaces) */
  mntId: number;
}

function fdinfoField(pid: number, fd: string, field: string): string | undefined {
  try {
    return new RegExp(`^${field}:\\s*(\\S+)`, 'm').exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** The terminal on a process's fd (0 by default), or undefined when it is no pts. */
export function ptsOf(pid: number, fd = 0): Pts | undefined {
  let path: string;
  try {
    path = readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return undefined; // the process is gone (or has no such fd)
  }
  const m = /^\/dev\/pts\/(\d+)$/.exec(path);
  if (!m) return undefined;
  return { path, index: Number(m[1]), mntId: Number(fdinfoField(pid, String(fd), 'mnt_id')) };
}

/** The mount point of mount `mntId` as process `pid` sees it, and whether it is devpts. */
export function mountOf(pid: number, mntId: number): { mountPoint: string; devpts: boolean } | undefined {
  const m = readMounts(pid).find((x) => x.id === mntId);
  return m && { mountPoint: m.mountPoint, devpts: m.fsType === 'devpts' };
}

/** The pids (of `pids`) that hold the master side of `pts` open. */
export function masterHolders(pts: Pts, pids: number[]): number[] {
  const out: number[] = [];
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return false;
      }
      if (link !== '/dev/ptmx' && link !== '/dev/pts/ptmx') return false;
      return Number(fdinfoField(pid, fd, 'mnt_id')) === pts.mntId && Number(fdinfoField(pid, fd, 'tty-index')) === pts.index;
    });
    if (holds) out.push(pid);
  }
  return out;
}
