// The engine daemon: its stores, its containerd, its networking, and the container lifecycle that
// the API calls. Each job of the lifecycle has its own module under daemon/, named as dockerd's
// daemon package names them (create, start, monitor for exits, stop, delete, rename, exec,
// restore); they take the Daemon as their first argument, as Go's methods on *Daemon spread over
// files. This class keeps the state they share and the methods the API and main.ts call. Startup,
// restore and shutdown, with and without live-restore, follow dockerd 20.10 as measured (the @shim
// and @daemons scenarios check it).
import fs from 'node:fs';
import path from 'node:path';
import type { DaemonConfig } from './daemon-config.js';
import { ImageStore } from './image-store.js';
import { ContainerStore, type Container } from './container-store.js';
import { LayerStore } from './layer-store.js';
import { ContainerdSupervisor } from './containerd-supervisor.js';
import type { NetworkController } from './network/types.js';
import { createNetworkController } from './network/controller.js';
import type { Attacher, ProcessIO } from './container-io.js';
import type { JsonFileLogger } from './log-file.js';
import { logger } from './log.js';
import { EventLog } from './events.js';
import type { PauseDeps } from './pause.js';
import { RestartPolicies } from './restart-manager.js';
import { ContainerStreams } from './daemon/streams.js';
import { Waiters, type WaitCondition, type WaitResult } from './daemon/waiters.js';
import { createContainer } from './daemon/create.js';
import { startContainer } from './daemon/start.js';
import { onTaskEvent } from './daemon/monitor.js';
import { restartAfterRestore, restartByPolicy, restartCalledOff } from './daemon/restart.js';
import { killContainer, stopContainer } from './daemon/stop.js';
import { removeContainer } from './daemon/delete.js';
import { renameContainer } from './daemon/rename.js';
import { createExec, startExec, type ExecConfig, type ExecInstance } from './daemon/exec.js';
import { dropStaleEndpoints, restoreContainers, resync } from './daemon/restore.js';

export type { WaitCondition, WaitResult } from './daemon/waiters.js';
export type { ExecConfig, ExecInstance } from './daemon/exec.js';

export class Daemon {
  readonly images: ImageStore;
  readonly containers: ContainerStore;
  readonly layers: LayerStore;
  readonly containerd: ContainerdSupervisor;
  network!: NetworkController;
  readonly execs = new Map<string, ExecInstance>();
  /** each container's output, log and attached clients */
  readonly streams = new ContainerStreams();
  readonly waiters = new Waiters();
  /** what `docker events` shows */
  readonly events = new EventLog();
  readonly restarts = new RestartPolicies({ restart: (id) => restartByPolicy(this, id), stopped: (id) => restartCalledOff(this, id) });
  /** containers whose task reported an OOM kill in this run (State.OOMKilled at the exit) */
  readonly oomKilled = new Set<string>();
  /** what pause.ts needs of the daemon: thawing after a signal, as dockerd does */
  readonly pauseDeps: PauseDeps = { tasks: () => this.containerd.tasks(), save: (c) => this.containers.save(c) };
  /** starts in progress, by container id (and exec starts, by exec id): an exit waits for its start */
  readonly starting = new Map<string, Promise<unknown>>();
  /** exits being recorded, by container id */
  readonly exiting = new Map<string, Promise<void>>();
  /** set by shutdown: exits no longer auto-remove */
  shuttingDown = false;
  /** set once restore has read every task: resyncs before that would duplicate its work */
  restored = false;
  private markContainerdUp!: () => void;
  /**
   * containerd answers and networking is loaded. The API is held until then, as dockerd holds it:
   * a client that got /_ping may expect containerd's socket and process to exist.
   */
  readonly containerdUp = new Promise<void>((r) => (this.markContainerdUp = r));

  /** `containerd`: a supervisor main.ts has already launched (ContainerdSupervisor.launch). */
  constructor(
    readonly cfg: DaemonConfig,
    containerd = new ContainerdSupervisor(cfg),
  ) {
    this.images = new ImageStore(cfg.dataRoot);
    this.containers = new ContainerStore(cfg.dataRoot);
    this.layers = new LayerStore(cfg.dataRoot);
    this.containerd = containerd;
    this.containerd.handlers = { onEvent: (e) => onTaskEvent(this, e), onReconnect: () => void resync(this) };
  }

  /** dockerd's bundle directory: the FIFOs of a container's processes (containerd keeps the runtime's bundle). */
  fifoDir(id: string): string {
    return path.join(this.cfg.execRoot, 'containerd', id);
  }

  // ---- startup and shutdown ---------------------------------------------------------------

  /** Stores from disk: enough to answer /_ping, /version, /info and the image calls. */
  load(): void {
    fs.mkdirSync(this.cfg.dataRoot, { recursive: true, mode: 0o711 });
    fs.mkdirSync(this.cfg.execRoot, { recursive: true, mode: 0o700 });
    this.images.load();
    this.containers.load();
  }

  /**
   * containerd, networking, and the containers restored against them. Container calls wait for
   * all of it (see main.ts); the rest of the API only for containerUp, so that restoring (which
   * may stop containers for 10 s) does not hold /_ping.
   */
  async connect(): Promise<void> {
    const [, network] = await Promise.all([
      this.containerd.start(),
      createNetworkController({
        execRoot: this.cfg.execRoot,
        dataRoot: this.cfg.dataRoot,
        bridge: this.cfg.bridge,
        bip: this.cfg.bip,
        userlandProxy: this.cfg.userlandProxy,
        userlandProxyPath: this.cfg.userlandProxyPath,
      }),
    ]);
    this.network = network;
    this.markContainerdUp();
    logger.info('Loading containers: start.');
    await restoreContainers(this);
    await dropStaleEndpoints(this);
    this.restored = true;
    logger.info('Loading containers: done.');
    await restartAfterRestore(this);
  }

  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    if (!this.cfg.liveRestore) {
      const running = this.containers.list().filter((c) => c.rec.State.Running);
      await Promise.all(running.map((c) => this.stop(c, undefined).catch((err) => logger.error('failed to stop container', { container: c.rec.ID, error: err as Error }))));
    } else {
      this.streams.dropAll();
    }
    await this.network?.close().catch((err) => logger.error('network shutdown failed', { error: err as Error }));
    await this.containerd.stop();
  }

  // ---- containers --------------------------------------------------------------------------

  /** `body` has passed the decoder (api/go-json.ts); `nameParam` is the ?name= query. */
  create(body: Record<string, unknown>, nameParam: string | null): Promise<Container> {
    return createContainer(this, body, nameParam);
  }

  /** `byRestartPolicy`: the restart manager's start, which keeps the restart count. */
  start(c: Container, byRestartPolicy = false): Promise<void> {
    return startContainer(this, c, byRestartPolicy);
  }

  kill(c: Container, signal: number, nameForError: string): Promise<void> {
    return killContainer(this, c, signal, nameForError);
  }

  /** SIGTERM (or StopSignal), then SIGKILL after the timeout; 304 when not running. */
  stop(c: Container, timeout: number | undefined): Promise<void> {
    return stopContainer(this, c, timeout);
  }

  /** Stop when running, then start: dockerd's restart. */
  async restart(c: Container, timeout: number | undefined): Promise<void> {
    if (c.rec.State.Running) await this.stop(c, timeout);
    await this.start(c);
    this.events.container(c, 'restart');
  }

  remove(c: Container, force: boolean): Promise<void> {
    return removeContainer(this, c, force);
  }

  rename(c: Container, name: string): void {
    renameContainer(this, c, name);
  }

  wait(c: Container, cond: WaitCondition): Promise<WaitResult> {
    return this.waiters.wait(c, cond, this.starting.has(c.rec.ID));
  }

  attacherSet(id: string): Set<Attacher> {
    return this.streams.attacherSet(id);
  }

  ioOf(id: string): ProcessIO | undefined {
    return this.streams.ioOf(id);
  }

  loggerOf(id: string): JsonFileLogger | undefined {
    return this.streams.loggerOf(id);
  }

  // ---- exec --------------------------------------------------------------------------------

  createExec(c: Container, body: Partial<ExecConfig>): ExecInstance {
    return createExec(this, c, body);
  }

  startExec(e: ExecInstance, attacher: Attacher | undefined): Promise<void> {
    return startExec(this, e, attacher);
  }
}
