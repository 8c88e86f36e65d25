// The machine an engine runs on, as steps that observe processes read it: /proc (processes, their
// sockets, namespaces), /proc/net, and files. For an engine on this machine that is our own /proc;
// for DOCKER_HOST=ssh://user@host:port it is the remote host's, read through the same ssh command
// the docker CLI uses (`ssh -l user -p port -- host …`), a few shell commands per look.
import { readFileSync, readlinkSync } from 'node:fs';
import { ChildProcess, spawn } from 'node:child_process';
import {
  descendantsOf,
  isAlive,
  listenersOnPort,
  listProcesses,
  parseCmdline,
  parseNSpid,
  parseStat,
  parseTcpListeners,
  PortOwner,
  ProcessInfo,
  readProcess,
  socketInodes,
  TcpListener,
  tcpListeners,
} from '../../lib/proc.js';
import { listeningUnixSockets } from './sweeper.js';

export interface HostView {
  /** true: this machine's /proc; false: another host's, through ssh */
  readonly local: boolean;
  /** for messages: "this machine" or "root@host:port (through ssh)" */
  readonly description: string;
  listProcesses(): Promise<ProcessInfo[]>;
  readProcess(pid: number): Promise<ProcessInfo | undefined>;
  isAlive(pid: number, startTime?: number): Promise<boolean>;
  descendantsOf(pid: number, all?: ProcessInfo[]): Promise<ProcessInfo[]>;
  listeningUnixSockets(pids: number[]): Promise<string[]>;
  listenersOnPort(port: number, all?: ProcessInfo[]): Promise<PortOwner[]>;
  readFile(path: string): Promise<string>;
  readlink(path: string): Promise<string>;
  /** where the engine daemon listens on its host: DOCKER_HOST itself, or, behind ssh, the remote side's */
  daemonAddress(dockerHost: string): Promise<{ socket?: string; port?: number }>;
  /** end what the view keeps open (the ssh session) */
  close?(): void;
}

function addressOf(dockerHost: string): { socket?: string; port?: number } {
  if (dockerHost.startsWith('unix://')) return { socket: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('tcp://')) return { port: Number(new URL(dockerHost.replace(/^tcp:/, 'http:')).port || 2375) };
  return {};
}

export const localHost: HostView = {
  local: true,
  description: 'this machine',
  listProcesses: async () => listProcesses(),
  readProcess: async (pid) => readProcess(pid),
  isAlive: async (pid, startTime) => isAlive(pid, startTime),
  descendantsOf: async (pid, all) => descendantsOf(pid, all ?? listProcesses()),
  listeningUnixSockets: async (pids) => listeningUnixSockets(pids),
  listenersOnPort: async (port, all) => listenersOnPort(port, all ?? listProcesses()),
  readFile: async (path) => readFileSync(path, 'utf8'),
  readlink: async (path) => readlinkSync(path),
  daemonAddress: async (dockerHost) => addressOf(dockerHost),
};

/** ssh://user@host:port → the arguments the docker CLI gives ssh before the remote command. */
export function sshArgs(dockerHost: string): string[] {
  const u = new URL(dockerHost);
  const args: string[] = [];
  if (u.username) args.push('-l', decodeURIComponent(u.username));
  if (u.port) args.push('-p', u.port);
  args.push('--', u.hostname.replace(/^\[|\]$/g, ''));
  return args;
}

/**
 * One shell on the remote host per worker, kept open: a look at /proc costs a round trip, not an
 * ssh handshake (about a second here), so that steps can poll a short-lived process. Commands run
 * one at a time; each ends with a marker line carrying its exit status. When the worker ends, the
 * pipe closes and both ssh and the remote shell exit.
 */
class SshShell {
  private child?: ChildProcess;
  private buffer = '';
  private queue: Promise<unknown> = Promise.resolve();
  private waiting?: (text: string) => void;
  private stderr = '';

  constructor(private readonly dockerHost: string) {}

  private start(): ChildProcess {
    // `ssh` from PATH, as the docker CLI finds it: the same configuration, keys and wrapper.
    const child = spawn('ssh', [...sshArgs(this.dockerHost), 'sh'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.buffer += d;
      this.waiting?.(this.buffer);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    child.on('close', () => {
      if (this.child === child) this.child = undefined;
      this.waiting?.(this.buffer);
    });
    child.stdin!.on('error', () => {});
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    return child;
  }

  run(script: string, timeoutMs = 20000): Promise<string> {
    const next = this.queue.then(() => this.runNow(script, timeoutMs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private runNow(script: string, timeoutMs: number): Promise<string> {
    this.child ??= this.start();
    const child = this.child;
    const marker = `@@dockspec-done-${Math.random().toString(36).slice(2)}@@`;
    this.buffer = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        child.kill('SIGKILL');
        reject(new Error(`no answer from ${this.dockerHost} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (text) => {
        const at = text.indexOf(marker);
        if (at >= 0) {
          clearTimeout(timer);
          this.waiting = undefined;
          resolve(text.slice(0, at));
        } else if (this.child !== child) {
          clearTimeout(timer);
          this.waiting = undefined;
          reject(new Error(`ssh to ${this.dockerHost} ended: ${this.stderr.trim()}`));
        }
      };
      // In a subshell, so that a failing command or an `exit` cannot end the session.
      child.stdin!.write(`( ${script}
) 2>/dev/null; echo; echo '${marker}'
`);
    });
  }

  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}

const SEP = '@@dockspec@@';

/** The three files per process that lib/proc reads, for every process, in one round trip. */
function processScript(pids = '[0-9]*'): string {
  return [
    `cd /proc || exit 1`,
    `grep -aH '' ${pids.split(' ').map((p) => `${p}/stat`).join(' ')} 2>/dev/null`,
    `echo ${SEP}`,
    `grep -H '^NSpid:' ${pids.split(' ').map((p) => `${p}/status`).join(' ')} 2>/dev/null`,
    `echo ${SEP}`,
    `grep -aH '' ${pids.split(' ').map((p) => `${p}/cmdline`).join(' ')} 2>/dev/null | tr '\\000' '\\001'`,
    'true',
  ].join('; ');
}

/** "123/stat:content" lines → pid → content. */
function byPid(block: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of block.split('\n')) {
    const m = /^(\d+)\/[a-z]+:(.*)$/s.exec(line);
    if (m) out.set(Number(m[1]), m[2]);
  }
  return out;
}

export function parseProcessDump(dump: string): ProcessInfo[] {
  const [stats = '', statuses = '', cmdlines = ''] = dump.split(`${SEP}\n`);
  const status = byPid(statuses);
  const cmdline = byPid(cmdlines);
  const out: ProcessInfo[] = [];
  for (const [pid, stat] of byPid(stats)) {
    out.push({ ...parseStat(stat), argv: parseCmdline((cmdline.get(pid) ?? '').replace(/\x01/g, '\0')), nspid: parseNSpid(status.get(pid) ?? '') });
  }
  return out;
}

export class SshHost implements HostView {
  readonly local = false;
  readonly description: string;
  private readonly shell: SshShell;

  constructor(dockerHost: string) {
    this.description = `${dockerHost.replace(/^ssh:\/\//, '')} (through ssh)`;
    this.shell = new SshShell(dockerHost);
  }

  private async run(script: string): Promise<string> {
    // The marker line is preceded by an `echo`, so that output without a final newline ends cleanly.
    return (await this.shell.run(script)).replace(/\n$/, '');
  }

  close(): void {
    this.shell.close();
  }

  async listProcesses(): Promise<ProcessInfo[]> {
    return parseProcessDump(await this.run(processScript()));
  }

  async readProcess(pid: number): Promise<ProcessInfo | undefined> {
    return parseProcessDump(await this.run(processScript(String(pid))))[0];
  }

  async isAlive(pid: number, startTime?: number): Promise<boolean> {
    const p = await this.readProcess(pid);
    if (!p || p.state === 'Z' || p.state === 'X') return false;
    return startTime === undefined || p.startTime === startTime;
  }

  async descendantsOf(pid: number, all?: ProcessInfo[]): Promise<ProcessInfo[]> {
    return descendantsOf(pid, all ?? (await this.listProcesses()));
  }

  private async socketInodes(pids: number[]): Promise<Map<number, Set<number>>> {
    const out = await this.run(pids.map((p) => `echo "@${p}"; ls -l /proc/${p}/fd 2>/dev/null | grep -o 'socket:\\[[0-9]*\\]'`).join('; ') + '; true');
    const map = new Map<number, Set<number>>();
    let current = new Set<number>();
    for (const line of out.split('\n')) {
      const pid = /^@(\d+)$/.exec(line);
      if (pid) map.set(Number(pid[1]), (current = new Set()));
      const s = /^socket:\[(\d+)\]$/.exec(line);
      if (s) current.add(Number(s[1]));
    }
    return map;
  }

  async listeningUnixSockets(pids: number[]): Promise<string[]> {
    const table = await this.run('cat /proc/net/unix');
    const byInode = new Map<number, string>();
    for (const line of table.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 8 && cols[3] === '00010000' && cols[7].startsWith('/')) byInode.set(Number(cols[6]), cols[7]);
    }
    const out: string[] = [];
    for (const inodes of (await this.socketInodes(pids)).values()) for (const i of inodes) if (byInode.has(i)) out.push(byInode.get(i)!);
    return out;
  }

  async tcpListeners(): Promise<TcpListener[]> {
    const [v4 = '', v6 = ''] = (await this.run(`cat /proc/net/tcp; echo ${SEP}; cat /proc/net/tcp6 2>/dev/null; true`)).split(`${SEP}\n`);
    return [...parseTcpListeners(v4, 4), ...parseTcpListeners(v6, 6)];
  }

  async listenersOnPort(port: number, all?: ProcessInfo[]): Promise<PortOwner[]> {
    const wanted = (await this.tcpListeners()).filter((l) => l.port === port);
    if (!wanted.length) return [];
    const procs = all ?? (await this.listProcesses());
    const inodes = await this.socketInodes(procs.map((p) => p.pid));
    const out: PortOwner[] = [];
    for (const p of procs) for (const l of wanted) if (inodes.get(p.pid)?.has(l.inode)) out.push({ listener: l, process: p });
    return out;
  }

  async readFile(path: string): Promise<string> {
    const out = await this.run(`cat '${path.replace(/'/g, '')}' && echo ${SEP}`);
    if (!out.endsWith(`${SEP}\n`)) throw new Error(`${path} on ${this.description}: cannot be read`);
    return out.slice(0, -(SEP.length + 1));
  }

  async readlink(path: string): Promise<string> {
    const out = (await this.run(`readlink '${path.replace(/'/g, '')}'`)).trim();
    if (!out) throw new Error(`${path} on ${this.description}: not a link`);
    return out;
  }

  async daemonAddress(): Promise<{ socket?: string; port?: number }> {
    // The remote side runs `docker system dial-stdio`, which dials its own DOCKER_HOST.
    const remote = (await this.run('echo "${DOCKER_HOST:-unix:///var/run/docker.sock}"')).trim();
    return addressOf(remote);
  }
}

/** The view of the machine that runs the engine DOCKER_HOST names. */
export function hostViewFor(dockerHost: string): HostView {
  return dockerHost.startsWith('ssh://') ? new SshHost(dockerHost) : localHost;
}

export { socketInodes, tcpListeners };
