// The few libc calls Node does not expose, through koffi: the one binding of libc in the project.
// Loaded lazily, once per process, so that entry points that do not need it (the CLI, the proxy's
// hot path) do not pay for loading it. errno is read with koffi.errno() straight after the failed
// call: reading it through a second FFI call (__errno_location) ran more of koffi first, which may
// itself set errno.
import koffi from 'koffi';

export const PR_SET_PDEATHSIG = 1;
export const PR_SET_NAME = 15;
export const PR_SET_CHILD_SUBREAPER = 36;
export const PR_GET_CHILD_SUBREAPER = 37;

export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_REMOUNT = 0x20;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 1 << 18;
export const MNT_DETACH = 0x2;

export const CLONE_NEWNET = 0x40000000;

const WNOHANG = 1;
const F_SETPIPE_SZ = 1031;
const O_CLOEXEC = 0o2000000;
/** the kernel's comm holds 15 bytes and a NUL */
const TASK_COMM_LEN = 16;

interface Libc {
  prctl: (option: number, arg2: number, arg3: number, arg4: number, arg5: number) => number;
  mount: (source: string | null, target: string, fstype: string | null, flags: number, data: string | null) => number;
  umount2: (target: string, flags: number) => number;
  setns: (fd: number, nstype: number) => number;
  unshare: (flags: number) => number;
  setsid: () => number;
  mkfifo: (path: string, mode: number) => number;
  /** prctl with a string argument (PR_SET_NAME) */
  prctlName: (option: number, name: string, arg3: number, arg4: number, arg5: number) => number;
  waitpid: (pid: number, status: number[], options: number) => number;
  pipe2: (fds: number[], flags: number) => number;
  fcntl: (fd: number, cmd: number, ...args: unknown[]) => number;
  strerror: (errnum: number) => string;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  libc = {
    prctl: lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)'),
    mount: lib.func('int mount(const char *, const char *, const char *, unsigned long, const char *)'),
    umount2: lib.func('int umount2(const char *, int)'),
    setns: lib.func('int setns(int, int)'),
    unshare: lib.func('int unshare(int)'),
    setsid: lib.func('int setsid()'),
    mkfifo: lib.func('int mkfifo(const char *, unsigned int)'),
    prctlName: lib.func('int prctl(int, const char *, unsigned long, unsigned long, unsigned long)'),
    waitpid: lib.func('int waitpid(int, _Out_ int *, int)'),
    pipe2: lib.func('int pipe2(_Out_ int *fds, int)') as unknown as Libc['pipe2'],
    fcntl: lib.func('int fcntl(int, int, ...)'),
    strerror: lib.func('const char *strerror(int)'),
  };
  return libc;
}

/** A failed libc call as an Error with errno's name, like Node's own system errors. */
export class SyscallError extends Error {
  constructor(
    readonly syscall: string,
    readonly errno: number,
    detail: string,
  ) {
    super(`${syscall} ${detail}: ${load().strerror(errno)}`);
  }
}

function check(syscall: string, rc: number, detail = ''): void {
  if (rc < 0) throw new SyscallError(syscall, koffi.errno(), detail);
}

export function prctl(option: number, arg2 = 0): number {
  const rc = load().prctl(option, arg2, 0, 0, 0);
  check('prctl', rc, String(option));
  return rc;
}

/** Make this process a child subreaper: orphans below it are re-parented to it, not to PID 1. */
export function setChildSubreaper(): void {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/** Ask the kernel to send `signal` to this process when its parent thread exits. */
export function setParentDeathSignal(signal: number): void {
  prctl(PR_SET_PDEATHSIG, signal);
}

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  check('mount', load().mount(source, target, fstype, flags, data), target);
}

export function umount(target: string, flags = 0): void {
  check('umount2', load().umount2(target, flags), target);
}

export function setns(fd: number, nstype: number): void {
  check('setns', load().setns(fd, nstype));
}

export function mkfifo(path: string, mode = 0o600): void {
  check('mkfifo', load().mkfifo(path, mode), path);
}

/** Set the kernel's comm (what `ps -o comm` and /proc/<pid>/stat show) to `name`, cut to 15 bytes. */
export function setCommName(name: string): void {
  check('prctl', load().prctlName(PR_SET_NAME, name.slice(0, TASK_COMM_LEN - 1), 0, 0, 0), 'PR_SET_NAME');
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
  const status = [0];
  const rc = load().waitpid(pid, status, WNOHANG);
  if (rc === 0) return null;
  if (rc < 0) return 'gone';
  return exitStatusOf(status[0]!);
}

/** A pipe whose ends are closed on exec; the end given to a child is dup2'ed by spawn anyway. */
export function pipe(): { read: number; write: number } {
  const fds = [0, 0];
  check('pipe2', load().pipe2(fds, O_CLOEXEC));
  return { read: fds[0]!, write: fds[1]! };
}

/** Best effort: a bigger pipe holds more of a container's output while no daemon reads it. */
export function setPipeSize(fd: number, bytes: number): number {
  const rc = load().fcntl(fd, F_SETPIPE_SZ, 'int', bytes);
  return rc < 0 ? -1 : rc;
}
