// The libc calls the shim needs beyond lib/libc.ts: waitpid for one pid, pipe2, and fcntl for the
// pipe size. Kept here (not in lib/) because only the shim uses them.
import koffi from 'koffi';

const WNOHANG = 1;
const F_SETPIPE_SZ = 1031;
const O_CLOEXEC = 0o2000000;

interface Sys {
  waitpid: (pid: number, status: number[], options: number) => number;
  pipe2: (fds: number[], flags: number) => number;
  fcntl: (fd: number, cmd: number, ...args: unknown[]) => number;
  errno: () => number;
}

let sys: Sys | undefined;

function load(): Sys {
  if (sys) return sys;
  const lib = koffi.load('libc.so.6');
  const errnoLocation = lib.func('int *__errno_location()');
  sys = {
    waitpid: lib.func('int waitpid(int, _Out_ int *, int)'),
    pipe2: lib.func('int pipe2(_Out_ int *fds, int)') as unknown as Sys['pipe2'],
    fcntl: lib.func('int fcntl(int, int, ...)'),
    errno: () => koffi.decode(errnoLocation(), 'int') as number,
  };
  return sys;
}

/** The kernel's wait status, decoded as containerd reports it: exit code, or 128 + signal. */
export function exitStatusOf(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  if (signal === 0) return (waitStatus >> 8) & 0xff;
  return 128 + signal;
}

/**
 * Reap `pid` if it has exited, without blocking. Returns its exit status, null while it runs,
 * or 'gone' when it is not our child (already reaped, or never re-parented to us).
 */
export function tryReap(pid: number): number | null | 'gone' {
  const s = load();
  const status = [0];
  const rc = s.waitpid(pid, status, WNOHANG);
  if (rc === 0) return null;
  if (rc < 0) return 'gone';
  return exitStatusOf(status[0]!);
}

/** A pipe whose ends are closed on exec; the end given to a child is dup2'ed by spawn anyway. */
export function pipe(): { read: number; write: number } {
  const s = load();
  const fds = [0, 0];
  if (s.pipe2(fds, O_CLOEXEC) < 0) throw new Error(`pipe2: errno ${s.errno()}`);
  return { read: fds[0]!, write: fds[1]! };
}

/** Best effort: a bigger pipe holds more of a container's output while no daemon reads it. */
export function setPipeSize(fd: number, bytes: number): number {
  const rc = load().fcntl(fd, F_SETPIPE_SZ, 'int', bytes);
  return rc < 0 ? -1 : rc;
}
