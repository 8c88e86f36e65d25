// Process inspection through /proc, the same way `ps` and `ss` see processes. Steps assert on what
// a person can observe, so everything here reads the kernel's view, never an engine's own report.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** one letter as in /proc/<pid>/stat: R, S, D, Z, T … */
  state: string;
  /** kernel comm (at most 15 characters) */
  comm: string;
  argv: string[];
  /** PIDs in each nested pid namespace, outermost first (NSpid in /proc/<pid>/status) */
  nspid: number[];
  /** start time in clock ticks since boot: with the pid it identifies a process across pid reuse */
  startTime: number;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Parses /proc/<pid>/stat; the comm field may contain spaces and parentheses, so split at the last ')'. */
export function parseStat(stat: string): Pick<ProcessInfo, 'pid' | 'comm' | 'state' | 'ppid' | 'pgid' | 'sid' | 'startTime'> {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const pid = Number(stat.slice(0, open).trim());
  const comm = stat.slice(open + 1, close);
  const rest = stat.slice(close + 2).split(' ');
  // Fields after comm, 0-based: state ppid pgrp session tty_nr tpgid flags … starttime is field 22 (1-based).
  return {
    pid,
    comm,
    state: rest[0],
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    sid: Number(rest[3]),
    startTime: Number(rest[19]),
  };
}

/**
 * Splits /proc/<pid>/cmdline. A process that rewrote its title (Node's process.title) leaves one
 * string with spaces followed by NULs; split that on whitespace so argv[0] is still the name.
 */
export function parseCmdline(raw: string): string[] {
  const parts = raw.split('\0');
  while (parts.length && parts[parts.length - 1] === '') parts.pop();
  const nonEmpty = parts.filter((p) => p !== '');
  if (nonEmpty.length === 1 && /\s/.test(nonEmpty[0])) return nonEmpty[0].trim().split(/\s+/);
  return parts;
}

export function parseNSpid(status: string): number[] {
  const line = status.split('\n').find((l) => l.startsWith('NSpid:'));
  if (!line) return [];
  return line.slice('NSpid:'.length).trim().split(/\s+/).map(Number);
}

/** /proc/<pid>/stat alone (one read, for the frequent questions: alive? zombie?); undefined once it is gone. */
export function readStat(pid: number): ReturnType<typeof parseStat> | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : parseStat(stat);
}

export function readProcess(pid: number): ProcessInfo | undefined {
  const stat = readStat(pid);
  if (stat === undefined) return undefined;
  const status = readText(`/proc/${pid}/status`) ?? '';
  const cmdline = readText(`/proc/${pid}/cmdline`) ?? '';
  return { ...stat, argv: parseCmdline(cmdline), nspid: parseNSpid(status) };
}

export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const pid of listPids()) {
    const info = readProcess(pid);
    if (info) out.push(info);
  }
  return out;
}

/** The name a person reads in `ps`: argv[0]'s base name, or comm for kernel threads and empty argv. */
export function processName(p: ProcessInfo): string {
  return p.argv.length && p.argv[0] ? basename(p.argv[0]) : p.comm;
}

/** The namespace a process is in, as `readlink /proc/<pid>/ns/<type>` names it ("pid:[4026531836]"). */
export function namespaceOf(pid: number, type: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${type}`);
  } catch {
    return undefined;
  }
}

/** Every process in the same `type` namespace as `pid` (a container's PID 1), seen from the host. */
export function pidsInNamespaceOf(pid: number, type = 'pid'): Set<number> {
  const ns = namespaceOf(pid, type);
  const out = new Set<number>();
  if (ns === undefined) return out;
  for (const p of listPids()) if (namespaceOf(p, type) === ns) out.add(p);
  return out;
}

/**
 * Whether a process with this pid exists at all (a zombie counts): what a lock's owner file is
 * checked with, where only a pid that is gone means the lock may be taken over. EPERM is an
 * answer too: the process is there, we may only not signal it.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a pid file holds (runc's --pid-file, a shim's init.pid, a daemon's --pidfile); 0 when it is missing or holds no pid. */
export function readPidFile(file: string): number {
  const pid = Number(readText(file)?.trim() || NaN);
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

/** Running and not yet exited: a zombie (Z) or a dying process (X) is not; with startTime, the same process too. */
export function isAlive(pid: number, startTime?: number): boolean {
  const p = readStat(pid);
  if (!p || p.state === 'Z' || p.state === 'X') return false;
  return startTime === undefined || p.startTime === startTime;
}

/**
 * Whether the pid a daemon's pid file names still holds it, so that a second daemon must refuse
 * to start (ref-dockerd's --pidfile, ref-containerd's --pidfile). The file is stale, and is
 * overwritten, when:
 * - it names no valid pid, or no process has that pid;
 * - that process is a zombie: the daemon has exited and holds no socket or lock any more, only its
 *   parent has not collected it yet (a daemon killed a moment ago and started again at once);
 * - it is our own pid: an earlier holder of our pid wrote it (pids start over after a reboot or in
 *   a new pid namespace), and no other daemon can have our pid.
 * A pid recycled by an unrelated live process still counts as alive, as dockerd counts it: it
 * cannot be told from the owner without trusting the wall clock (process start after the file's
 * mtime), which an NTP step after boot makes lie, and the wrong answer there would let two daemons
 * share one data root. Refusing is the safe side of a lock; the error tells the person which file
 * to delete. A process that /proc hides from us (hidepid) is asked with kill(pid, 0).
 */
export function pidFileHolderAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  const stat = readStat(pid);
  if (stat === undefined) return processExists(pid);
  return stat.state !== 'Z' && stat.state !== 'X';
}

export function childrenOf(pid: number, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  return all.filter((p) => p.ppid === pid);
}

/** The process and everything below it, parents before children. */
export function descendantsOf(pid: number, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const byParent = new Map<number, ProcessInfo[]>();
  for (const p of all) {
    const list = byParent.get(p.ppid) ?? [];
    list.push(p);
    byParent.set(p.ppid, list);
  }
  const out: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length) {
    const next = queue.shift()!;
    for (const child of byParent.get(next) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

export interface TcpListener {
  address: string;
  port: number;
  family: 4 | 6;
  inode: number;
}

function hexToIPv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

function hexToIPv6(hex: string): string {
  // /proc prints the address as four 32-bit words, each in host (little-endian) byte order.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  const joined = groups.join(':');
  if (joined === '0:0:0:0:0:0:0:0') return '::';
  return joined.replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** TCP sockets in LISTEN state (st 0A) of this process's network namespace. */
export function parseTcpListeners(table: string, family: 4 | 6): TcpListener[] {
  const out: TcpListener[] = [];
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10 || cols[3] !== '0A') continue;
    const [addrHex, portHex] = cols[1].split(':');
    out.push({
      address: family === 4 ? hexToIPv4(addrHex) : hexToIPv6(addrHex),
      port: parseInt(portHex, 16),
      family,
      inode: Number(cols[9]),
    });
  }
  return out;
}

export function tcpListeners(): TcpListener[] {
  return [
    ...parseTcpListeners(readText('/proc/net/tcp') ?? '', 4),
    ...parseTcpListeners(readText('/proc/net/tcp6') ?? '', 6),
  ];
}

/** Socket inodes that a process holds open, read from its fd links (`socket:[1234]`). */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // the fd closed while we looked
    }
  }
  return out;
}

export interface PortOwner {
  listener: TcpListener;
  process: ProcessInfo;
}

/** Which processes listen on a TCP port (what `ss -ltnp sport = :PORT` shows). */
export function listenersOnPort(port: number, all: ProcessInfo[] = listProcesses()): PortOwner[] {
  const wanted = tcpListeners().filter((l) => l.port === port);
  if (!wanted.length) return [];
  const out: PortOwner[] = [];
  for (const p of all) {
    const inodes = socketInodes(p.pid);
    for (const l of wanted) if (inodes.has(l.inode)) out.push({ listener: l, process: p });
  }
  return out;
}
