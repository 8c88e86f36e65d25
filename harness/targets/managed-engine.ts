// An engine the harness starts itself: its own directory, sockets, pid file, bridge and subnet,
// so that engines (and a real Docker) run side by side. Stopped by pid, never by name.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { freeSubnet, shortId, Subnet } from '../resources.js';
import { isAlive, readProcess } from '../../lib/proc.js';
import { EngineOptions } from './types.js';
import { ENGINES_DIR, EngineRecord, saveRecord, sweepEngine } from './sweeper.js';
import { waitForPing } from './ping.js';
import { scaled } from '../../lib/time-scale.js';
import { CONTAINERD_FLAG, ContainerdCommand, namesContainerd, SeparateContainerd, startSeparateContainerd } from './separate-containerd.js';
import { pollUntil } from '../../lib/poll.js';

export interface DaemonCommand {
  /** argv[0] and the arguments that precede the common flags */
  argv: string[];
  /** flags only this target needs (e.g. dockerd's --iptables=false) */
  targetFlags: (engine: ManagedEngine) => string[];
  env?: NodeJS.ProcessEnv;
  /**
   * A containerd the harness runs beside the daemon, which is given `--containerd <its socket>`
   * (separate-containerd.ts); unset: the daemon starts its own, as it does by default.
   */
  containerd?: ContainerdCommand;
}

const READY_DEADLINE_MS = scaled(Number(process.env.DOCKSPEC_READY_TIMEOUT_MS ?? 30000));

export class ManagedEngine {
  readonly id = shortId();
  readonly root = join(ENGINES_DIR, this.id);
  readonly dataRoot = join(this.root, 'data');
  readonly execRoot = join(this.root, 'exec');
  readonly pidFile = join(this.root, 'd.pid');
  readonly defaultSocket = join(this.root, 'd.sock');
  readonly logFile = join(this.root, 'daemon.log');
  readonly bridge = `dsp${this.id.slice(0, 8)}`;
  readonly subnet: Subnet;
  readonly record: EngineRecord;
  /** DOCKER_HOST that clients use */
  dockerHost: string;
  hosts: string[] = [];
  flags: string[] = [];
  daemonPid = 0;
  /** the containerd this engine's daemon runs on when it is not the daemon's own child */
  containerd?: SeparateContainerd;
  private exited = true;
  private exitCode: number | null = null;
  /** the signal that ended the daemon, when one did (a SIGKILL leaves nothing in its log) */
  private exitSignal: NodeJS.Signals | null = null;

  constructor(
    readonly targetName: string,
    private readonly command: DaemonCommand,
  ) {
    mkdirSync(this.root, { recursive: true });
    this.subnet = freeSubnet();
    this.record = {
      id: this.id,
      target: targetName,
      root: this.root,
      bridge: this.bridge,
      subnetIndex: this.subnet.index,
      cgroupParent: `dockspec-${this.id}`,
      ownerPid: process.pid,
      ownerThread: threadId,
      daemons: [],
      helpers: [],
      paths: [],
    };
    saveRecord(this.record);
    this.dockerHost = `unix://${this.defaultSocket}`;
  }

  get cgroupParent(): string {
    return this.record.cgroupParent!;
  }

  /** The bridge exists before the daemon starts; both engines are given it with --bridge. */
  private ensureBridge(): void {
    if (existsSync(`/sys/class/net/${this.bridge}`)) return;
    execFileSync('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', this.subnet.gatewayCidr, 'dev', this.bridge]);
    execFileSync('ip', ['link', 'set', this.bridge, 'up']);
  }

  /** Remember a process started for this engine (sshd, external containerd) so cleanup ends it. */
  adopt(pid: number): void {
    const p = readProcess(pid);
    if (p) this.record.helpers.push({ pid, startTime: p.startTime });
    saveRecord(this.record);
  }

  /** Remember a path outside the engine directory to delete at cleanup. */
  ownPath(path: string): void {
    this.record.paths.push(path);
    saveRecord(this.record);
  }

  async start(opts: EngineOptions = {}): Promise<void> {
    this.ensureBridge();
    this.hosts = opts.hosts ?? [`unix://${this.defaultSocket}`];
    this.flags = opts.flags ?? [];
    this.dockerHost = opts.clientHost ?? this.hosts.find((h) => !h.startsWith('fd://')) ?? this.dockerHost;
    // A scenario that brings its own containerd (daemons.external-containerd) names it itself.
    const containerdFlags = this.command.containerd && !namesContainerd(this.flags) ? [CONTAINERD_FLAG, (await this.ensureContainerd()).address] : [];
    const args = [
      ...this.command.argv.slice(1),
      ...this.hosts.flatMap((h) => ['-H', h]),
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '--pidfile', this.pidFile,
      ...this.command.targetFlags(this),
      ...containerdFlags,
      ...this.flags,
    ];
    // systemd-socket-activate gives the daemon a clean environment: the fault switches of a
    // `dockspec mutate` run (lib/faults.ts) are passed on by name, or that run proves nothing.
    const launcher = [...(opts.launcher ?? [])];
    if (launcher[0]?.endsWith('systemd-socket-activate') && process.env.DOCKSPEC_FAULTS) launcher.push('-E', 'DOCKSPEC_FAULTS');
    const argv = [...launcher, this.command.argv[0], ...args];
    const log = openSync(this.logFile, 'a');
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['ignore', log, log],
      env: { ...process.env, ...this.command.env },
      // Its own process group: a Ctrl-C on the terminal reaches cucumber, which then cleans up,
      // instead of killing the daemon under a scenario that is asserting on it.
      detached: true,
    });
    closeSync(log);
    this.exited = false;
    this.exitCode = null;
    this.exitSignal = null;
    child.on('exit', (code, signal) => {
      // a daemon killed just before a restart may report its exit after the next one started
      if (this.daemonPid !== child.pid) return;
      this.exited = true;
      this.exitCode = code;
      this.exitSignal = signal;
    });
    child.unref();
    this.daemonPid = child.pid!;
    const info = readProcess(this.daemonPid);
    if (info) this.record.daemons.push({ pid: this.daemonPid, startTime: info.startTime });
    saveRecord(this.record);
    if (opts.noWait) return;
    try {
      await waitForPing(this.dockerHost, READY_DEADLINE_MS, () => !this.exited);
    } catch (err) {
      const how = this.exited ? ` (the daemon ${this.exitSignal ? `was killed by ${this.exitSignal}` : `exited with code ${this.exitCode}`})` : '';
      throw new Error(`${(err as Error).message}${how}\n--- daemon log (${this.logFile}) ---\n${this.logTail()}`);
    }
  }

  /** Start the separate containerd, or keep the one already running (a daemon restart keeps it). */
  private async ensureContainerd(): Promise<SeparateContainerd> {
    if (this.containerd && isAlive(this.containerd.pid)) return this.containerd;
    this.containerd = await startSeparateContainerd(this.command.containerd!, join(this.execRoot, 'containerd'), (pid) => this.adopt(pid));
    return this.containerd;
  }

  /**
   * SIGKILL the separate containerd, if the engine has one: killing "both daemons" must reach it,
   * since it is not the daemon's child and does not die with it. The next start() starts it again.
   */
  killSeparateContainerd(): void {
    if (this.containerd && isAlive(this.containerd.pid)) process.kill(this.containerd.pid, 'SIGKILL');
  }

  get running(): boolean {
    return !this.exited && isAlive(this.daemonPid);
  }

  get lastExitCode(): number | null {
    return this.exitCode;
  }

  /** Wait for the daemon process to exit; returns its exit code (null when killed by a signal). */
  async waitExit(ms: number): Promise<number | null> {
    if (!(await pollUntil(() => this.exited, { timeoutMs: ms, intervalMs: 50 }))) throw new Error(`the daemon (pid ${this.daemonPid}) did not exit within ${ms} ms`);
    return this.exitCode;
  }

  signal(sig: NodeJS.Signals): void {
    process.kill(this.daemonPid, sig);
  }

  /** Graceful stop as an init system does it: SIGTERM, then SIGKILL after the deadline. */
  async stop(ms = 30000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    try {
      await this.waitExit(ms);
    } catch {
      this.signal('SIGKILL');
      await this.waitExit(5000);
    }
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  async cleanup(): Promise<string[]> {
    return sweepEngine(this.record);
  }
}
