// The few libc calls Node does not expose, through koffi. Loaded lazily so that entry points
// that do not need them (the CLI, the proxy's hot path) do not pay for loading koffi.
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

interface Libc {
  prctl: (option: number, arg2: number, arg3: number, arg4: number, arg5: number) => number;
  mount: (source: string | null, target: string, fstype: string | null, flags: number, data: string | null) => number;
  umount2: (target: string, flags: number) => number;
  setns: (fd: number, nstype: number) => number;
  unshare: (flags: number) => number;
  setsid: () => number;
  mkfifo: (path: string, mode: number) => number;
  errno: () => number;
  strerror: (errnum: number) => string;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  const errnoLocation = lib.func('int *__errno_location()');
  libc = {
    prctl: lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)'),
    mount: lib.func('int mount(const char *, const char *, const char *, unsigned long, const char *)'),
    umount2: lib.func('int umount2(const char *, int)'),
    setns: lib.func('int setns(int, int)'),
    unshare: lib.func('int unshare(int)'),
    setsid: lib.func('int setsid()'),
    mkfifo: lib.func('int mkfifo(const char *, unsigned int)'),
    errno: () => koffi.decode(errnoLocation(), 'int') as number,
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
  if (rc < 0) throw new SyscallError(syscall, load().errno(), detail);
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
