// The shim's watch on its container's memory cgroup: when the kernel's OOM killer kills a process
// there, the shim tells containerd (/tasks/oom), as containerd-shim-runc-v2's epoller does.
//   cgroup v1: an eventfd registered for memory.oom_control through cgroup.event_control; the kernel
//              signals it on every OOM in the cgroup (and once more when the cgroup is removed).
//   cgroup v2: inotify on memory.events, whose oom_kill count the kernel raises.
// Both count kills with oom_kill (memory.oom_control on v1 since Linux 4.13, memory.events on v2), so
// each kill is reported once however the wake-ups come, and the init's exit can first report a kill
// whose wake-up has not been read yet: subscribers see the oom before the exit, as dockerd needs.
import fs from 'node:fs';
import path from 'node:path';
import { eventfd } from '../../lib/libc.js';
import { cgroupDirsOf, unifiedOnly } from '../../lib/cgroup-dirs.js';
import type { Logger } from '../../api/logrus.js';

interface MemoryCgroup {
  version: 1 | 2;
  dir: string;
}

/** The memory cgroup of `pid` as the host sees it (the shim is in the host's cgroup namespace). */
export function memoryCgroupOf(pid: number): MemoryCgroup | undefined {
  const dirs = cgroupDirsOf(pid);
  const version = unifiedOnly() ? 2 : 1;
  const dir = dirs.get(version === 2 ? '' : 'memory');
  return dir ? { version, dir } : undefined;
}

/** The oom_kill count of a memory.oom_control (v1) or memory.events (v2) text; undefined without one. */
export function oomKillCount(text: string): number | undefined {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

export class OomWatcher {
  private cgroup?: MemoryCgroup;
  private reported = 0;
  private closed = false;
  private efd?: number;
  private controlFd?: number;
  private watcher?: fs.FSWatcher;
  /** a read of the eventfd is in the thread pool: its fd must stay open (and unreused) until it returns */
  private reading = false;

  constructor(
    private readonly onOOM: () => void,
    private readonly log: Logger,
  ) {}

  /** Watch the cgroup that the container's init (`pid`, just created) is in. */
  watch(pid: number): void {
    const cg = memoryCgroupOf(pid);
    if (!cg) {
      this.log.warn('no memory cgroup found; OOM kills will not be reported', { pid });
      return;
    }
    this.cgroup = cg;
    this.reported = this.count() ?? 0;
    try {
      if (cg.version === 1) this.watchV1(cg.dir);
      else this.watchV2(cg.dir);
      this.log.debug('watching for OOM kills', { cgroup: cg.dir, version: cg.version });
    } catch (err) {
      this.log.warn('cannot watch the memory cgroup for OOM kills', { cgroup: cg.dir, error: (err as Error).message });
    }
  }

  private counterFile(): string | undefined {
    if (!this.cgroup) return undefined;
    return path.join(this.cgroup.dir, this.cgroup.version === 1 ? 'memory.oom_control' : 'memory.events');
  }

  private count(): number | undefined {
    const f = this.counterFile();
    if (!f) return undefined;
    try {
      return oomKillCount(fs.readFileSync(f, 'utf8'));
    } catch {
      return undefined;
    }
  }

  /**
   * Report the kills counted since the last report. `woken`: an eventfd wake-up, which on a kernel
   * without the oom_kill count is itself the news (while the cgroup still exists).
   */
  check(woken = false): void {
    if (!this.cgroup) return;
    const n = this.count();
    if (n === undefined) {
      if (woken && fs.existsSync(this.cgroup.dir)) this.onOOM();
      return;
    }
    if (n > this.reported) {
      this.reported = n;
      this.log.info('OOM kill in the container', { cgroup: this.cgroup.dir, oomKills: n });
      this.onOOM();
    }
  }

  private watchV1(dir: string): void {
    const efd = eventfd();
    this.efd = efd;
    this.controlFd = fs.openSync(path.join(dir, 'memory.oom_control'), 'r');
    fs.writeFileSync(path.join(dir, 'cgroup.event_control'), `${efd} ${this.controlFd}`);
    const buf = Buffer.alloc(8);
    // a blocking read in libuv's thread pool: the eventfd is no stream Node can poll
    const next = () => {
      this.reading = true;
      fs.read(efd, buf, 0, 8, null, (err) => {
        this.reading = false;
        if (this.closed || err) return this.close();
        // the last wake-up comes when the cgroup is removed (the container is deleted)
        if (!fs.existsSync(path.join(dir, 'cgroup.event_control'))) return this.close();
        this.check(true);
        next();
      });
    };
    next();
  }

  private watchV2(dir: string): void {
    this.watcher = fs.watch(path.join(dir, 'memory.events'), () => this.check());
    this.watcher.on('error', () => this.close());
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.reading) return; // the wake-up at the cgroup's removal ends the read, then close() again
    for (const fd of [this.controlFd, this.efd]) {
      if (fd === undefined) continue;
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    this.efd = this.controlFd = undefined;
  }
}
