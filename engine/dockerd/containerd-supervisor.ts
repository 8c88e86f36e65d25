// ref-dockerd's line to containerd. Without --containerd it runs its own ref-containerd, as dockerd
// runs containerd: a child in its own session (so a terminal's signals do not reach it) that dies
// with the daemon (PR_SET_PDEATHSIG, set through setpriv before node starts, and asked of the child
// by REF_CONTAINERD_PDEATHSIG), restarted when it dies alone. dockerd waits about 10 s before
// restarting; we wait RESTART_DELAY_MS (1 s) because nothing is gained by waiting longer.
// With --containerd the daemon starts none and reconnects when that one comes back.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { TaskEvent, TaskService } from '../containerd/task-service.js';
import type { DaemonConfig } from './daemon-config.js';
import { distDir } from './daemon-config.js';
import { logger } from './log.js';
import { faultEnabled } from '../../lib/faults.js';
import { pidFileHolderAlive, readPidFile } from '../../lib/proc.js';
import { socketAnswers } from '../../lib/unix-socket.js';
import { pollUntil } from '../../lib/poll.js';
import { scaled } from '../../lib/time-scale.js';
import * as E from './errors.js';

// how long containerd may take to listen; a slow host (DOCKSPEC_TIME_SCALE) stretches it
const CONTAINERD_READY_DEADLINE_MS = scaled(15000);
const RESTART_DELAY_MS = 1000;
const RECONNECT_INTERVAL_MS = 1000;
const CONTAINERD_POLL_MS = 5;

type ClientFactory = (address: string) => TaskService | Promise<TaskService>;

/** What the daemon hears from containerd: its task events, and each (re)connection. */
export interface SupervisorHandlers {
  onEvent(e: TaskEvent): void;
  /** after a reconnect: exits may have been missed, the daemon re-reads task states */
  onReconnect(): void;
}

/**
 * The client loads on first use, not at import: grpc-js and the contract take a while to load, and
 * connect() lets that happen while containerd starts.
 */
async function loadClientFactory(): Promise<ClientFactory> {
  const { connectTaskService } = await import('../containerd/client.js');
  return (a) => connectTaskService(a);
}



export class ContainerdSupervisor {
  readonly address: string;
  readonly managed: boolean;
  private child?: ChildProcess;
  private client?: TaskService;
  private unsubscribe?: () => void;
  private closing = false;
  private factory?: ClientFactory;
  private connecting?: Promise<void>;
  private launching?: Promise<void>;
  /** set by the daemon before start(); containerd may be launched before the daemon exists */
  handlers: SupervisorHandlers = { onEvent: () => undefined, onReconnect: () => undefined };

  constructor(private readonly cfg: DaemonConfig) {
    this.managed = !cfg.containerd;
    this.address = cfg.containerd ?? path.join(cfg.execRoot, 'containerd', 'containerd.sock');
  }

  get stateDir(): string {
    return path.join(this.cfg.execRoot, 'containerd');
  }

  /**
   * Start our containerd (when managed) without waiting for it to answer. main.ts calls this as soon
   * as the listeners are bound, as dockerd starts containerd before it builds the daemon, so that
   * containerd's start overlaps the loading of the rest of ref-dockerd. Idempotent.
   */
  launch(): Promise<void> {
    if (!this.launching) {
      this.launching = this.managed ? this.spawnManaged() : Promise.resolve();
      this.launching.catch(() => undefined); // start() reports it
    }
    return this.launching;
  }

  /** launch(), then wait until containerd answers and subscribe to its events. */
  async start(): Promise<void> {
    await this.launch();
    await this.connect(CONTAINERD_READY_DEADLINE_MS);
  }

  private pidFile(): string {
    return path.join(this.stateDir, 'containerd.pid');
  }

  private async spawnManaged(): Promise<void> {
    // the roots with the modes Daemon.load gives them, before containerd's directories inside them
    fs.mkdirSync(this.cfg.dataRoot, { recursive: true, mode: 0o711 });
    fs.mkdirSync(this.cfg.execRoot, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.stateDir, { recursive: true, mode: 0o711 });
    const root = path.join(this.cfg.dataRoot, 'containerd');
    fs.mkdirSync(root, { recursive: true, mode: 0o711 });
    // A containerd left by a daemon that was killed is reused, as dockerd reuses it.
    const old = readPidFile(this.pidFile());
    if (pidFileHolderAlive(old) && (await socketAnswers(this.address))) {
      logger.warn('libcontainerd: containerd is still running', { pid: old });
      return;
    }
    const bin = path.join(distDir(), 'bin/ref-containerd.js');
    const args = ['--address', this.address, '--root', root, '--state', this.stateDir];
    const logFd = fs.openSync(path.join(root, 'containerd.log'), 'a');
    const usePriv = fs.existsSync('/usr/bin/setpriv');
    const cmd = usePriv ? '/usr/bin/setpriv' : process.execPath;
    const argv = usePriv ? ['--pdeathsig', 'KILL', '--', process.execPath, bin, ...args] : [bin, ...args];
    const child = spawn(cmd, argv, {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, REF_CONTAINERD_PDEATHSIG: 'SIGKILL' },
    });
    fs.closeSync(logFd);
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    fs.writeFileSync(this.pidFile(), String(child.pid));
    logger.info('libcontainerd: started new containerd process', { pid: child.pid });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.closing) return;
      logger.error('containerd did not exit successfully', { error: signal ? `signal: ${signal}` : `exit status ${code}`, module: 'libcontainerd' });
      this.markDown();
      // Fault switch containerd-not-restarted (lib/faults.ts): the engine carries on without it.
      if (faultEnabled('containerd-not-restarted')) return;
      setTimeout(() => {
        if (this.closing) return;
        this.spawnManaged()
          .then(() => this.connect(CONTAINERD_READY_DEADLINE_MS))
          .catch((err) => logger.error('failed to restart containerd', { error: err as Error }));
      }, RESTART_DELAY_MS);
    });
  }

  private markDown(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.client?.close();
    this.client = undefined;
  }

  /** Wait for the socket, then open the client and subscribe to exit events. */
  private connect(deadlineMs: number): Promise<void> {
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      // The client (its gRPC transport and the contract) loads while containerd starts, not after it listens.
      const factory = this.factory ? Promise.resolve(this.factory) : loadClientFactory();
      factory.catch(() => undefined);
      // a refused connect costs microseconds; a longer interval would be waited out on every start
      const listening = await pollUntil(async () => this.closing || (await socketAnswers(this.address)), { timeoutMs: deadlineMs, intervalMs: CONTAINERD_POLL_MS });
      if (this.closing) return;
      if (!listening) throw new Error(`timeout waiting for containerd to listen on ${this.address}`);
      this.factory ??= await factory;
      const client = await this.factory(this.address);
      this.client = client;
      this.unsubscribe = client.subscribe((e) => this.handlers.onEvent(e), (err) => {
        if (this.closing || this.client !== client) return;
        logger.warn('containerd event stream lost, reconnecting', { error: err, module: 'libcontainerd' });
        this.markDown();
        if (!this.managed) this.reconnectLoop();
      });
      logger.info('containerd connected', { address: this.address, module: 'libcontainerd' });
    })().finally(() => (this.connecting = undefined));
    return this.connecting.then(() => {
      if (this.client) this.handlers.onReconnect();
    });
  }

  private reconnectLoop(): void {
    const tick = async () => {
      if (this.closing || this.client) return;
      if (await socketAnswers(this.address)) {
        await this.connect(5000).catch(() => undefined);
        if (this.client) return;
      }
      setTimeout(tick, RECONNECT_INTERVAL_MS);
    };
    setTimeout(tick, RECONNECT_INTERVAL_MS);
  }

  /** The task service, or Docker's `connection refused` error while containerd is down. */
  tasks(): TaskService {
    if (!this.client) throw E.containerdDown(this.address);
    return this.client;
  }

  get connected(): boolean {
    return Boolean(this.client);
  }

  async stop(): Promise<void> {
    this.closing = true;
    // a launch in progress ends with a child to stop
    await this.launching?.catch(() => undefined);
    this.markDown();
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(t);
    fs.rmSync(this.pidFile(), { force: true });
  }
}
