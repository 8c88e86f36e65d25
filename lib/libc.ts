// The few libc calls Node does not expose, through koffi: the one binding of libc in the project.
// koffi is required when first used, so that entry points that do not need it (the CLI, the
// proxy's hot path) do not pay for loading it. errno is read with koffi.errno() straight after the
// failed call: reading it through a second FFI call (__errno_location) ran more of koffi first,
// which may itself set errno.
//
// The calls a serving shim makes for its container's whole life (prctl, waitpid, pipe2, fcntl,
// eventfd) go through lib/libc-addon.c instead when it was built (dist/native/libc-addon.node): a
// few kilobytes of Node-API, where koffi costs ~14 ms of CPU to load and ~1.5 MiB of memory per
// shim (docs/benchmarks.md).
import type Koffi from 'koffi';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import util from 'node:util';

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

export const AF_UNIX = 1;
export const SOCK_STREAM = 1;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_DONTWAIT = 0x40;
const MSG_CMSG_CLOEXEC = 0x40000000;
const EAGAIN = 11;
const TIOCSWINSZ = 0x5414;
const F_DUPFD_CLOEXEC = 1030;
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
  waitpid: (pid: number, status: number[], options: number) => number;
  pipe2: (fds: number[], flags: number) => number;
  fcntl: (fd: number, cmd: number, ...args: unknown[]) => number;
  strerror: (errnum: number) => string;
  socket: (domain: number, type: number, protocol: number) => number;
  bind: (fd: number, addr: Buffer, len: number) => number;
  listen: (fd: number, backlog: number) => number;
  accept4: (fd: number, addr: null, len: null, flags: number) => number;
  recvmsg: (fd: number, msg: unknown, flags: number) => number;
  close: (fd: number) => number;
  ioctlWinsize: (fd: number, request: number, ws: Buffer) => number;
  eventfd: (initval: number, flags: number) => number;
}

let koffi: typeof Koffi | undefined;

/** koffi, required when first called: a process that never needs it never loads its addon. */
function ffi(): typeof Koffi {
  koffi ??= createRequire(import.meta.url)('koffi') as typeof Koffi;
  return koffi;
}

let libc: Libc | undefined;

/** lib/libc-addon.c: each call returns the system call's result or -errno; pairs for two results. */
interface Addon {
  waitpid: (pid: number, options: number) => [number, number];
  prctl: (option: number, arg2: number) => number;
  fcntl: (fd: number, cmd: number, arg: number) => number;
  pipe2: (flags: number) => [number, number];
  eventfd: (initval: number, flags: number) => number;
}

let addon: Addon | null | undefined;

function loadAddon(): Addon | null {
  if (addon !== undefined) return addon;
  const m = { exports: {} as Addon };
  try {
    process.dlopen(m, new URL('../native/libc-addon.node', import.meta.url).pathname);
    addon = m.exports;
  } catch {
    addon = null; // not built here: koffi does these calls
  }
  return addon;
}

/** -errno from the addon as the same SyscallError koffi's path throws. */
function checkAddon(syscall: string, rc: number, detail = ''): number {
  if (rc < 0) throw new SyscallError(syscall, -rc, detail);
  return rc;
}

function load(): Libc {
  if (libc) return libc;
  const lib = ffi().load('libc.so.6');
  libc = {
    prctl: lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)'),
    mount: lib.func('int mount(const char *, const char *, const char *, unsigned long, const char *)'),
    umount2: lib.func('int umount2(const char *, int)'),
    setns: lib.func('int setns(int, int)'),
    unshare: lib.func('int unshare(int)'),
    setsid: lib.func('int setsid()'),
    mkfifo: lib.func('int mkfifo(const char *, unsigned int)'),
    waitpid: lib.func('int waitpid(int, _Out_ int *, int)'),
    pipe2: lib.func('int pipe2(_Out_ int *fds, int)') as unknown as Libc['pipe2'],
    fcntl: lib.func('int fcntl(int, int, ...)'),
    strerror: lib.func('const char *strerror(int)'),
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, const void *, unsigned int)'),
    listen: lib.func('int listen(int, int)'),
    accept4: lib.func('int accept4(int, void *, void *, int)'),
    recvmsg: lib.func('long recvmsg(int, void *, int)'),
    close: lib.func('int close(int)'),
    ioctlWinsize: lib.func('int ioctl(int, unsigned long, void *)'),
    eventfd: lib.func('int eventfd(unsigned int, int)'),
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
    super(`${syscall} ${detail}: ${strerror(errno)}`);
  }
}

function strerror(errno: number): string {
  if (loadAddon()) {
    // libuv's numbers are -errno on Linux; Node's own text for them saves loading koffi for an error
    const getMessage = (util as { getSystemErrorMessage?: (n: number) => string }).getSystemErrorMessage;
    return getMessage ? getMessage(-errno) : util.getSystemErrorName(-errno);
  }
  return load().strerror(errno);
}

function check(syscall: string, rc: number, detail = ''): void {
  if (rc < 0) throw new SyscallError(syscall, ffi().errno(), detail);
}

export function prctl(option: number, arg2 = 0): number {
  const a = loadAddon();
  if (a) return checkAddon('prctl', a.prctl(option, arg2), String(option));
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

/**
 * A listening unix stream socket at `path`, non-blocking (accept polls), closed on exec. Node's
 * own sockets cannot take a file descriptor out of a message (SCM_RIGHTS); this one's can.
 */
export function listenUnix(path: string): number {
  const l = load();
  const fd = l.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  check('socket', fd);
  // struct sockaddr_un: sa_family_t (2 bytes), then the path, NUL-terminated, at most 108 bytes
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  if (Buffer.byteLength(path) >= 108) throw new Error(`socket path too long: ${path}`);
  addr.write(path, 2);
  try {
    check('bind', l.bind(fd, addr, 2 + Buffer.byteLength(path) + 1), path);
    check('listen', l.listen(fd, 1), path);
  } catch (err) {
    l.close(fd);
    throw err;
  }
  return fd;
}

/** A pending connection on a listening socket from listenUnix, or undefined while none is. */
export function acceptNow(listener: number): number | undefined {
  const l = load();
  const fd = l.accept4(listener, null, null, SOCK_CLOEXEC);
  if (fd >= 0) return fd;
  if (ffi().errno() === EAGAIN) return undefined;
  throw new SyscallError('accept4', ffi().errno(), '');
}

/**
 * One message on a connected unix socket that carries a file descriptor (SCM_RIGHTS): the
 * descriptor (closed on exec) and the message's bytes, or undefined while nothing has arrived.
 */
export function receiveFd(sock: number): { fd: number; data: string } | undefined {
  const l = load();
  const k = ffi();
  // struct iovec { void *base; size_t len } and struct msghdr on x86-64/arm64 (56 bytes):
  // name(8) namelen(4)+pad(4) iov(8) iovlen(8) control(8) controllen(8) flags(4)+pad(4)
  const data = k.alloc('uint8_t', 256);
  const control = k.alloc('uint8_t', 64);
  const iov = k.alloc('uint8_t', 16);
  const msg = k.alloc('uint8_t', 56);
  try {
    const addr = (p: unknown) => k.address(p) as bigint;
    const iovBuf = Buffer.alloc(16);
    iovBuf.writeBigUInt64LE(addr(data), 0);
    iovBuf.writeBigUInt64LE(256n, 8);
    k.encode(iov, k.array('uint8_t', 16), [...iovBuf]);
    const msgBuf = Buffer.alloc(56);
    msgBuf.writeBigUInt64LE(addr(iov), 16);
    msgBuf.writeBigUInt64LE(1n, 24);
    msgBuf.writeBigUInt64LE(addr(control), 32);
    msgBuf.writeBigUInt64LE(64n, 40);
    k.encode(msg, k.array('uint8_t', 56), [...msgBuf]);
    const n = Number(l.recvmsg(sock, msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
    if (n < 0) {
      if (k.errno() === EAGAIN) return undefined;
      throw new SyscallError('recvmsg', k.errno(), '');
    }
    const back = Buffer.from(k.decode(msg, k.array('uint8_t', 56)) as number[]);
    const controlLen = Number(back.readBigUInt64LE(40));
    const ctl = Buffer.from(k.decode(control, k.array('uint8_t', 64)) as number[]);
    // struct cmsghdr { size_t len; int level; int type; unsigned char data[] }
    if (controlLen < 20 || ctl.readInt32LE(8) !== SOL_SOCKET || ctl.readInt32LE(12) !== SCM_RIGHTS) {
      throw new Error(`the message on the socket carried no file descriptor (${n} bytes, ${controlLen} bytes of control data)`);
    }
    const text = Buffer.from(k.decode(data, k.array('uint8_t', 256)) as number[]).subarray(0, n).toString();
    return { fd: ctl.readInt32LE(16), data: text };
  } finally {
    for (const p of [data, control, iov, msg]) k.free(p);
  }
}

export function closeFd(fd: number): void {
  load().close(fd);
}

/** A second descriptor for the same open file, closed on exec. */
export function dupFd(fd: number): number {
  const rc = load().fcntl(fd, F_DUPFD_CLOEXEC, 'int', 0);
  check('fcntl', rc, 'F_DUPFD_CLOEXEC');
  return rc;
}

/** The window size of a terminal (TIOCSWINSZ on its master or slave). */
export function setWindowSize(fd: number, columns: number, rows: number): void {
  // struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel }
  const ws = Buffer.alloc(8);
  ws.writeUInt16LE(rows, 0);
  ws.writeUInt16LE(columns, 2);
  check('ioctl', load().ioctlWinsize(fd, TIOCSWINSZ, ws), 'TIOCSWINSZ');
}

/**
 * Set the kernel's comm (what `ps -o comm` and /proc/<pid>/stat show) to `name`, cut to 15 bytes.
 * Written to /proc/self/comm, the main thread's (what prctl(PR_SET_NAME) from it sets): ref-containerd
 * names itself while it starts, and loading koffi for this one call cost it ~14 ms of CPU there.
 */
export function setCommName(name: string): void {
  fs.writeFileSync('/proc/self/comm', Buffer.from(name).subarray(0, TASK_COMM_LEN - 1));
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
  const a = loadAddon();
  if (a) {
    const [rc, waitStatus] = a.waitpid(pid, WNOHANG);
    if (rc === 0) return null;
    return rc < 0 ? 'gone' : exitStatusOf(waitStatus);
  }
  const status = [0];
  const rc = load().waitpid(pid, status, WNOHANG);
  if (rc === 0) return null;
  if (rc < 0) return 'gone';
  return exitStatusOf(status[0]!);
}

/** A pipe whose ends are closed on exec; the end given to a child is dup2'ed by spawn anyway. */
export function pipe(): { read: number; write: number } {
  const a = loadAddon();
  if (a) {
    const [read, write] = a.pipe2(O_CLOEXEC);
    checkAddon('pipe2', read);
    return { read, write };
  }
  const fds = [0, 0];
  check('pipe2', load().pipe2(fds, O_CLOEXEC));
  return { read: fds[0]!, write: fds[1]! };
}

/** Best effort: a bigger pipe holds more of a container's output while no daemon reads it. */
export function setPipeSize(fd: number, bytes: number): number {
  const a = loadAddon();
  if (a) return Math.max(a.fcntl(fd, F_SETPIPE_SZ, bytes), -1);
  const rc = load().fcntl(fd, F_SETPIPE_SZ, 'int', bytes);
  return rc < 0 ? -1 : rc;
}

/** An eventfd (closed on exec), for the cgroup v1 OOM notification of the shim's container. */
export function eventfd(flags = O_CLOEXEC): number {
  const a = loadAddon();
  if (a) return checkAddon('eventfd', a.eventfd(0, flags));
  const rc = load().eventfd(0, flags);
  check('eventfd', rc);
  return rc;
}
