// How the shim learns that a container process exited, without stealing libuv's children.
//
// The container's PID 1 and exec processes are not our child_process children: runc forks them and
// exits, and the kernel re-parents them to us because we are a child subreaper. libuv reaps only
// the pids it spawned, one waitpid(pid) each, so the rule is: never waitpid(-1). On every SIGCHLD
// (the kernel sends one when an adopted process dies) we waitpid(pid, WNOHANG) each adopted pid.
// That is event driven and costs one syscall per tracked process per SIGCHLD: cheaper than a
// blocking waitpid on a worker thread per process (a thread and an isolate each) and exact, unlike
// polling /proc. Other orphans re-parented to us are reaped too, but only while no runtime command
// runs, so a zombie we reap can never be one of libuv's.
import fs from 'node:fs';
import { tryReap } from '../../lib/libc.js';
import { isAlive, readStat } from '../../lib/proc.js';

type OnExit = (exitStatus: number) => void;

export class Reaper {
  private readonly adopted = new Map<number, OnExit>();
  private readonly polled = new Map<number, NodeJS.Timeout>();
  private running = 0;
  private readonly onSigchld = () => this.sweep();

  constructor(private readonly log: (msg: string, pid: number) => void = () => {}) {
    process.on('SIGCHLD', this.onSigchld);
  }

  /**
   * Track `pid`; `onExit` gets its exit status (128+signal when killed). It may have died already,
   * before we knew its pid: its zombie waits for us, so look once now.
   */
  adopt(pid: number, onExit: OnExit): void {
    // waitpid(0) or waitpid(-n) would wait for a whole process group, libuv's children included
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`cannot adopt pid ${pid}`);
    this.adopted.set(pid, onExit);
    this.check(pid);
  }

  /**
   * Bracket each child_process run with this, so stray reaping waits until libuv has collected its
   * own child; and each runtime create/exec until its pid is adopted, so that a process that exits
   * at once is not taken for a stray. Returns the release function.
   */
  hold(): () => void {
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.sweep();
    };
  }

  close(): void {
    process.off('SIGCHLD', this.onSigchld);
    for (const t of this.polled.values()) clearInterval(t);
  }

  private sweep(): void {
    for (const pid of [...this.adopted.keys()]) this.check(pid);
    if (this.running === 0) this.reapStrays();
  }

  private check(pid: number): void {
    const onExit = this.adopted.get(pid);
    if (!onExit || this.polled.has(pid)) return;
    const r = tryReap(pid);
    if (r === null) return;
    if (r === 'gone') {
      // Not our child: we are not its subreaper (a fault switch, or runc ran outside our tree).
      // All we can do is notice it is gone; the status is lost, as containerd's is then (255).
      this.log('container process is not a child of the shim; polling for its exit', pid);
      this.polled.set(pid, setInterval(() => {
        if (!isAlive(pid)) this.finish(pid, 255);
      }, 100));
      return;
    }
    this.finish(pid, r);
  }

  private finish(pid: number, status: number): void {
    const onExit = this.adopted.get(pid);
    this.adopted.delete(pid);
    const t = this.polled.get(pid);
    if (t) clearInterval(t);
    this.polled.delete(pid);
    onExit?.(status);
  }

  private reapStrays(): void {
    for (const pid of childrenOfSelf()) {
      if (this.adopted.has(pid) || readStat(pid)?.state !== 'Z') continue;
      if (typeof tryReap(pid) === 'number') this.log('reaped an orphan re-parented to the shim', pid);
    }
  }
}

/** Children hang off the thread that forked them, and re-parented orphans off the main thread. */
function childrenOfSelf(): number[] {
  const pids: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync('/proc/self/task');
  } catch {
    return pids;
  }
  for (const tid of tasks) {
    try {
      for (const p of fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8').split(' ')) {
        if (p.trim()) pids.push(Number(p));
      }
    } catch {
      // thread gone meanwhile
    }
  }
  return pids;
}
