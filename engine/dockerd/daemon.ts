// The daemon's container lifecycle: create, start, stop, kill, remove, wait, exec, and the exit
// path that every stop goes through (the exit event from containerd). Also restore at start and
// shutdown on SIGTERM, with and without live-restore, as dockerd 20.10 was measured doing (the @shim
// and @daemons scenarios check it).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { DaemonConfig } from './daemon-config.js';
import { ImageStore } from './image-store.js';
import { ContainerStore, type Container } from './container-store.js';
import { LayerStore } from './layer-store.js';
import { ContainerdSupervisor } from './containerd-supervisor.js';
import type { NetworkController } from './network/types.js';
import type { TaskEvent } from '../containerd/task-service.js';
import { initialState, nowRfc3339Nano, type ContainerConfig, type ContainerRecord, type HostConfig } from './container.js';
import { generateName, validateName } from './names.js';
import { buildSpec, DEFAULT_CAPS, DEFAULT_PATH, mergeEnv, parseBinds, resolveUser, writeEtcFiles } from './bundle.js';
import { makeFifo } from './fifo.js';
import { ProcessIO, type Attacher } from './container-io.js';
import { JsonFileLogger } from './log-file.js';
import { parseSignal } from './signals.js';
import { DockerError } from './errors.js';
import * as E from './errors.js';
import { logger } from './log.js';
import { loadNetworkController } from './network-fallback.js';
import { cgroupVersion } from './stats.js';
import { EventLog } from './events.js';
import { RestartPolicies, policyRestarts } from './restart-manager.js';
import { restorePaused, thawAfterSignal, type PauseDeps } from './pause.js';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';
export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

export interface ExecConfig {
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Tty: boolean;
  Cmd: string[];
  Env: string[] | null;
  User: string;
  WorkingDir: string;
  Privileged: boolean;
  DetachKeys: string;
}

export interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  io?: ProcessIO;
  finished: Promise<void>;
  finish: () => void;
}

const IO_DRAIN_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Daemon {
  readonly images: ImageStore;
  readonly containers: ContainerStore;
  readonly layers: LayerStore;
  readonly containerd: ContainerdSupervisor;
  network!: NetworkController;
  readonly execs = new Map<string, ExecInstance>();
  /** what `docker events` shows */
  readonly events = new EventLog();
  private readonly restarts = new RestartPolicies({ restart: (id) => this.restartByPolicy(id), stopped: (id) => this.restartCalledOff(id) });
  /** containers whose task reported an OOM kill in this run (State.OOMKilled at the exit) */
  private readonly oomKilled = new Set<string>();
  private io = new Map<string, ProcessIO>();
  private loggers = new Map<string, JsonFileLogger>();
  private attachers = new Map<string, Set<Attacher>>();
  private waiters = new Map<string, Array<{ cond: WaitCondition; resolve: (r: WaitResult) => void }>>();
  private starting = new Map<string, Promise<unknown>>();
  private exiting = new Map<string, Promise<void>>();
  private shuttingDown = false;
  private restored = false;
  private markContainerdUp!: () => void;
  /**
   * containerd answers and networking is loaded. The API is held until then, as dockerd holds it:
   * a client that got /_ping may expect containerd's socket and process to exist.
   */
  readonly containerdUp = new Promise<void>((r) => (this.markContainerdUp = r));

  constructor(readonly cfg: DaemonConfig) {
    this.images = new ImageStore(cfg.dataRoot);
    this.containers = new ContainerStore(cfg.dataRoot);
    this.layers = new LayerStore(cfg.dataRoot);
    this.containerd = new ContainerdSupervisor(
      cfg,
      (e) => this.onTaskEvent(e),
      () => void this.resync(),
    );
  }

  // ---- paths -------------------------------------------------------------------------------

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
      loadNetworkController({
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
    await this.restore();
    await this.dropStaleEndpoints();
    this.restored = true;
    logger.info('Loading containers: done.');
    await this.restartAfterRestore();
  }

  /** Containers from disk against containerd's tasks: keep (live-restore), stop, or mark exited. */
  private async restore(): Promise<void> {
    const tasks = this.containerd.tasks();
    const live = new Map((await tasks.list().catch(() => [])).map((t) => [t.id, t]));
    await Promise.all(
      this.containers.list().map(async (c) => {
        const id = c.rec.ID;
        const t = live.get(id);
        if (!c.rec.State.Running) {
          // a task for a container not recorded running: the previous daemon died while starting
          // it; like dockerd, remove that stale task so the container can start again (and its
          // shim does not outlive it)
          if (t) await this.removeStaleTask(id);
          await this.layers.unmount(id).catch(() => undefined);
          return;
        }
        if (!t || t.status === 'stopped' || t.status === 'unknown') {
          const res = await tasks.delete(id).catch(() => undefined);
          await this.handleExit(c, res?.exitStatus ?? t?.exitStatus ?? 255, res?.exitedAt ?? t?.exitedAt ?? nowRfc3339Nano());
          return;
        }
        // the task is alive: take its output again (the shim kept it while we were away)
        this.reattach(c);
        restorePaused(c, t.status);
        if (this.cfg.liveRestore) {
          if (c.rec.Endpoint && Object.keys(c.hostConfig.PortBindings ?? {}).length) {
            try {
              c.rec.Ports = await this.network.publishPorts(
                { containerId: id, ...c.rec.Endpoint },
                c.rec.Name.slice(1),
                c.hostConfig.PortBindings,
              );
            } catch (err) {
              logger.error('failed to restore published ports', { container: id, error: err as Error });
            }
          }
          this.containers.save(c);
          logger.info('container restored (live-restore)', { container: id, pid: c.rec.State.Pid });
        } else {
          logger.info('stopping container left running by the previous daemon', { container: id });
          await this.stop(c, undefined).catch((err) => logger.error('failed to stop restored container', { container: id, error: err as Error }));
        }
      }),
    );
  }

  /** Kill and delete a task that dockerd's state does not know as running. */
  private async removeStaleTask(id: string): Promise<void> {
    const tasks = this.containerd.tasks();
    await tasks.kill(id, 9, { all: true }).catch(() => undefined);
    await Promise.race([tasks.wait(id).catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    await tasks.delete(id).catch((err: Error) => logger.warn('failed to delete stale task', { container: id, error: err }));
  }

  /** Endpoints on disk whose container is gone or stopped (a daemon killed mid-way leaves them). */
  private async dropStaleEndpoints(): Promise<void> {
    const list = (this.network as NetworkController & { listEndpoints?: () => string[] | Promise<string[]> }).listEndpoints;
    if (typeof list !== 'function') return;
    for (const id of await list.call(this.network)) {
      const c = this.containers.find(id);
      if (c?.rec.State.Running) continue;
      await this.network.deleteEndpoint(id).catch((err) => logger.warn('stale endpoint', { container: id, error: err as Error }));
    }
  }

  private reattach(c: Container): void {
    const id = c.rec.ID;
    const dir = this.fifoDir(id);
    const log = new JsonFileLogger(c.rec.LogPath);
    this.loggers.set(id, log);
    // stdin too: a container started with -i takes input again (its shim kept its end open)
    const stdin = path.join(dir, 'init-stdin');
    const io = new ProcessIO(
      {
        stdin: c.rec.Config.OpenStdin && fs.existsSync(stdin) ? stdin : undefined,
        stdout: path.join(dir, 'init-stdout'),
        stderr: c.rec.Config.Tty ? '' : path.join(dir, 'init-stderr'),
      },
      { fresh: false, logger: log, attachers: this.attacherSet(id) },
    );
    io.started();
    this.io.set(id, io);
  }

  /** After containerd comes back: an exit may have happened while we were not listening. */
  private async resync(): Promise<void> {
    // the first connection is followed by restore(), which reads every task itself
    if (this.shuttingDown || !this.restored) return;
    let tasks;
    try {
      tasks = this.containerd.tasks();
    } catch {
      return;
    }
    for (const c of this.containers.list()) {
      if (!c.rec.State.Running || c.rec.State.Restarting || this.starting.has(c.rec.ID)) continue;
      try {
        const st = await tasks.state(c.rec.ID);
        if (st.status === 'stopped') this.onTaskExit({ type: 'exit', containerId: c.rec.ID, execId: '', pid: st.pid, exitStatus: st.exitStatus ?? 0, exitedAt: st.exitedAt ?? nowRfc3339Nano() });
      } catch (err) {
        if ((err as { code?: string }).code === 'not-found') {
          this.onTaskExit({ type: 'exit', containerId: c.rec.ID, execId: '', pid: 0, exitStatus: 255, exitedAt: nowRfc3339Nano() });
        }
      }
    }
  }

  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    if (!this.cfg.liveRestore) {
      const running = this.containers.list().filter((c) => c.rec.State.Running);
      await Promise.all(running.map((c) => this.stop(c, undefined).catch((err) => logger.error('failed to stop container', { container: c.rec.ID, error: err as Error }))));
    } else {
      for (const io of this.io.values()) io.destroy();
      for (const l of this.loggers.values()) l.close();
    }
    await this.network?.close().catch((err) => logger.error('network shutdown failed', { error: err as Error }));
    await this.containerd.stop();
  }

  // ---- create ------------------------------------------------------------------------------

  async create(body: Record<string, unknown>, nameParam: string | null): Promise<Container> {
    const name = nameParam ? validateName(nameParam) : generateName((n) => Boolean(this.containers.byName(n)));
    const holder = this.containers.byName(name);
    if (holder) throw E.nameConflict(name, holder.rec.ID);
    const imageName = String(body.Image ?? '');
    if (!imageName) throw new DockerError(400, 'Config cannot be empty in order to create a container');
    const image = this.images.get(imageName);
    const ic = image.config.config ?? {};
    const hc = (body.HostConfig ?? {}) as Partial<HostConfig>;
    parseBinds(hc.Binds);
    const runtime = hc.Runtime || this.cfg.defaultRuntime;
    if (!(runtime in this.cfg.runtimes)) throw E.unknownRuntime(runtime);

    const userEntrypoint = (body.Entrypoint as string[] | null | undefined) ?? null;
    const userCmd = (body.Cmd as string[] | null | undefined) ?? null;
    const entrypoint = userEntrypoint && userEntrypoint.length ? userEntrypoint : (ic.Entrypoint ?? null);
    // an entrypoint given at create time drops the image's CMD, as Docker does
    const cmd = userCmd && userCmd.length ? userCmd : userEntrypoint && userEntrypoint.length ? null : (ic.Cmd ?? null);
    const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
    if (argv.length === 0) throw E.noCommand();

    const id = crypto.randomBytes(32).toString('hex');
    const env = mergeEnv(ic.Env, body.Env as string[] | null);
    const config: ContainerConfig = {
      Hostname: (body.Hostname as string) || id.slice(0, 12),
      Domainname: (body.Domainname as string) ?? '',
      User: (body.User as string) || ic.User || '',
      AttachStdin: Boolean(body.AttachStdin),
      AttachStdout: Boolean(body.AttachStdout),
      AttachStderr: Boolean(body.AttachStderr),
      ...(body.ExposedPorts || ic.ExposedPorts ? { ExposedPorts: { ...(ic.ExposedPorts ?? {}), ...((body.ExposedPorts as object) ?? {}) } } : {}),
      Tty: Boolean(body.Tty),
      OpenStdin: Boolean(body.OpenStdin),
      StdinOnce: Boolean(body.StdinOnce),
      Env: env.length ? env : null,
      Cmd: cmd,
      Image: imageName,
      Volumes: (body.Volumes as Record<string, object>) ?? null,
      WorkingDir: (body.WorkingDir as string) || ic.WorkingDir || '',
      Entrypoint: entrypoint,
      OnBuild: null,
      Labels: { ...(ic.Labels ?? {}), ...((body.Labels as Record<string, string>) ?? {}) },
      ...(body.StopSignal || ic.StopSignal ? { StopSignal: (body.StopSignal as string) || ic.StopSignal } : {}),
      ...(typeof body.StopTimeout === 'number' ? { StopTimeout: body.StopTimeout } : {}),
    };
    const hostConfig: HostConfig = {
      ...hc,
      Binds: hc.Binds ?? null,
      NetworkMode: hc.NetworkMode || 'default',
      PortBindings: hc.PortBindings ?? {},
      RestartPolicy: hc.RestartPolicy?.Name ? hc.RestartPolicy : { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: Boolean(hc.AutoRemove),
      Runtime: runtime,
      PublishAllPorts: Boolean(hc.PublishAllPorts),
      Privileged: Boolean(hc.Privileged),
      Memory: hc.Memory ?? 0,
      NanoCpus: hc.NanoCpus ?? 0,
      CpuShares: hc.CpuShares ?? 0,
      PidsLimit: hc.PidsLimit ?? null,
      ShmSize: hc.ShmSize || 67108864,
      LogConfig: { Type: 'json-file', Config: {} },
      // dockerd's default: a private cgroup namespace where the host has cgroup v2 alone.
      CgroupnsMode: (hc.CgroupnsMode as string | undefined) || (cgroupVersion() === '2' ? 'private' : 'host'),
    };
    if (hc.Init === undefined) delete hostConfig.Init;
    const rec: ContainerRecord = {
      ID: id,
      Created: nowRfc3339Nano(),
      Path: argv[0],
      Args: argv.slice(1),
      Config: config,
      State: initialState(),
      Image: image.id,
      Name: name,
      LogPath: '',
      ResolvConfPath: '',
      HostnamePath: '',
      HostsPath: '',
      RestartCount: 0,
      Driver: 'overlay2',
    };
    const c: Container = { rec, hostConfig };
    this.containers.add(c);
    this.layers.create(id);
    this.events.container(c, 'create');
    logger.info('container created', { container: id, name: name.slice(1) });
    return c;
  }

  // ---- start -------------------------------------------------------------------------------

  async start(c: Container, byRestartPolicy = false): Promise<void> {
    if (c.rec.State.Running && !byRestartPolicy) throw E.alreadyStarted();
    if (this.starting.has(c.rec.ID)) throw E.alreadyStarted();
    // a start by the user begins afresh: restart count 0, no longer "stopped by the user"
    if (!byRestartPolicy) {
      this.restarts.reset(c.rec.ID);
      c.rec.RestartCount = 0;
      c.rec.HasBeenManuallyStopped = false;
    }
    this.oomKilled.delete(c.rec.ID);
    const p = this.doStart(c);
    this.starting.set(c.rec.ID, p.catch(() => undefined));
    try {
      await p;
    } finally {
      this.starting.delete(c.rec.ID);
    }
  }

  private async doStart(c: Container): Promise<void> {
    const { rec, hostConfig } = c;
    const id = rec.ID;
    const image = this.images.find(rec.Image);
    if (!image) throw E.noSuchImage(rec.Config.Image);
    const runtimePath = this.cfg.runtimes[hostConfig.Runtime] ?? this.cfg.runtimes[this.cfg.defaultRuntime];
    const dir = this.containers.dir(id);
    const cleanups: Array<() => Promise<unknown> | unknown> = [];
    let io: ProcessIO | undefined;
    let log: JsonFileLogger | undefined;
    try {
      const tasks = this.containerd.tasks();
      const rootfs = await this.layers.mount(id, image.rootfs);
      cleanups.push(() => this.layers.unmount(id));
      const networkMode = hostConfig.NetworkMode === 'default' ? 'bridge' : hostConfig.NetworkMode;
      const endpoint = await this.network.createEndpoint(id, rec.Name.slice(1), networkMode);
      cleanups.push(() => this.network.deleteEndpoint(id));
      rec.Endpoint = {
        endpointId: endpoint.endpointId,
        ipAddress: endpoint.ipAddress,
        ipPrefixLen: endpoint.ipPrefixLen,
        gateway: endpoint.gateway,
        macAddress: endpoint.macAddress,
        sandboxKey: endpoint.sandboxKey,
        netnsPath: endpoint.netnsPath,
        // extras of engine/dockerd/network's endpoints (README there), shown by inspect
        sandboxId: (endpoint as { sandboxId?: string }).sandboxId,
        networkId: (endpoint as { networkId?: string }).networkId,
        networkName: (endpoint as { networkName?: string }).networkName,
      };
      if (rec.Endpoint.networkId) this.events.network('connect', c, rec.Endpoint.networkId, rec.Endpoint.networkName ?? networkMode);
      rec.HostsPath = path.join(dir, 'hosts');
      rec.HostnamePath = path.join(dir, 'hostname');
      rec.ResolvConfPath = path.join(dir, 'resolv.conf');
      rec.LogPath = path.join(dir, `${id}-json.log`);
      writeEtcFiles(dir, rec.Config.Hostname, endpoint.ipAddress || undefined);
      if (Object.keys(hostConfig.PortBindings ?? {}).length) {
        cleanups.push(() => this.network.unpublishPorts(id));
        rec.Ports = await this.network.publishPorts(endpoint, rec.Name.slice(1), hostConfig.PortBindings);
      } else rec.Ports = [];

      const initOn = hostConfig.Init ?? this.cfg.init;
      rec.InitOn = Boolean(initOn);
      const env = mergeEnv([DEFAULT_PATH, `HOSTNAME=${rec.Config.Hostname}`], rec.Config.Tty ? ['TERM=xterm'] : [], rec.Config.Env);
      const spec = buildSpec({
        container: c,
        rootfs,
        args: [rec.Path, ...rec.Args],
        env,
        netnsPath: endpoint.netnsPath || undefined,
        initPath: initOn ? this.cfg.initPath : undefined,
        cgroupParent: this.cfg.cgroupParent,
      });
      const fifos = this.fifoDir(id);
      fs.mkdirSync(fifos, { recursive: true, mode: 0o700 });
      const paths = {
        stdin: rec.Config.OpenStdin ? path.join(fifos, 'init-stdin') : undefined,
        stdout: path.join(fifos, 'init-stdout'),
        stderr: rec.Config.Tty ? '' : path.join(fifos, 'init-stderr'),
      };
      for (const f of [paths.stdin, paths.stdout, paths.stderr]) if (f) await makeFifo(f);
      log = new JsonFileLogger(rec.LogPath);
      io = new ProcessIO(paths, { fresh: true, logger: log, attachers: this.attacherSet(id), onStdinClosed: () => tasks.closeStdin(id) });
      for (const a of this.attacherSet(id)) if (a.stdin) io.pipeStdin(a.conn, rec.Config.StdinOnce);
      this.io.set(id, io);
      this.loggers.set(id, log);
      rec.RuntimePath = runtimePath;

      // runc's state under <exec-root>/runtime-runc/<namespace>, as dockerd asks of the runc shim
      const runtimeRoot = path.join(this.cfg.execRoot, 'runtime-runc');
      const req = { id, bundle: fifos, spec, runtimePath, runtimeRoot, stdin: paths.stdin, stdout: paths.stdout, stderr: paths.stderr, terminal: rec.Config.Tty };
      await tasks.create(req).catch(async (err: Error) => {
        // dockerd: "Container not cleaned up from containerd from previous run": delete, try again
        if ((err as { code?: string }).code !== 'already-exists' && !/already exists/.test(err.message)) throw err;
        logger.warn('container not cleaned up from containerd from previous run', { container: id });
        await this.removeStaleTask(id);
        await tasks.create(req);
      });
      cleanups.push(() => tasks.delete(id).catch(() => undefined));
      const { pid } = await tasks.start(id);
      io.started();
      rec.State = {
        ...rec.State,
        Status: 'running',
        Running: true,
        Restarting: false,
        OOMKilled: false,
        Pid: pid,
        ExitCode: 0,
        Error: '',
        StartedAt: nowRfc3339Nano(),
        FinishedAt: rec.State.FinishedAt,
      };
      rec.HasBeenStartedBefore = true;
      this.containers.save(c);
      this.events.container(c, 'start');
      logger.info('container started', { container: id, pid });
    } catch (err) {
      this.io.delete(id);
      this.loggers.delete(id);
      io?.destroy();
      log?.close();
      for (const f of cleanups.reverse()) {
        try {
          await f();
        } catch (e) {
          logger.warn('cleanup after failed start', { container: id, error: e as Error });
        }
      }
      const msg = err instanceof Error ? err.message : String(err);
      const notFound = /executable file not found|no such file or directory/.test(msg);
      rec.State.Error = msg;
      // dockerd records 128 for a failed start (network README: port conflicts) and 127/126 for the runtime's exec errors
      rec.State.ExitCode = notFound ? 127 : /permission denied/.test(msg) ? 126 : 128;
      rec.Endpoint = undefined;
      rec.Ports = [];
      this.containers.save(c);
      logger.error('failed to start container', { container: id, error: msg });
      if (c.hostConfig.AutoRemove) await this.remove(c, true).catch(() => undefined);
      if (err instanceof DockerError) throw err;
      throw new DockerError(notFound || /permission denied/.test(msg) ? 400 : 500, msg);
    }
  }

  attacherSet(id: string): Set<Attacher> {
    let s = this.attachers.get(id);
    if (!s) this.attachers.set(id, (s = new Set()));
    return s;
  }

  ioOf(id: string): ProcessIO | undefined {
    return this.io.get(id);
  }

  loggerOf(id: string): JsonFileLogger | undefined {
    return this.loggers.get(id);
  }

  // ---- exits -------------------------------------------------------------------------------

  private onTaskEvent(e: TaskEvent): void {
    if (e.type === 'oom') {
      const c = this.containers.find(e.containerId);
      if (c) this.recordOOM(c);
      return;
    }
    this.onTaskExit(e);
  }

  private onTaskExit(e: Extract<TaskEvent, { type: 'exit' }>): void {
    if (e.execId) {
      void this.execExited(e.execId, e.exitStatus);
      return;
    }
    const c = this.containers.find(e.containerId);
    if (c) void this.handleExit(c, e.exitStatus, e.exitedAt);
  }

  /** One exit, however many times it is reported (event, restore, resync after a reconnect). */
  private handleExit(c: Container, exitStatus: number, exitedAt: string): Promise<void> {
    const id = c.rec.ID;
    const pending = this.exiting.get(id);
    if (pending) return pending;
    const p = (async () => {
      await this.starting.get(id);
      if (!c.rec.State.Running) return;
      await this.recordExit(c, exitStatus, exitedAt);
    })()
      .catch((err) => logger.error('handling exit failed', { container: id, error: err as Error }))
      .finally(() => this.exiting.delete(id));
    this.exiting.set(id, p);
    return p;
  }

  /** Everything a stop implies, in dockerd's order: drain output, delete the task, free resources, record, notify. */
  private async recordExit(c: Container, exitStatus: number, exitedAt: string): Promise<void> {
    const id = c.rec.ID;
    const io = this.io.get(id);
    this.io.delete(id);
    if (io) await io.finish(IO_DRAIN_MS);
    this.loggers.get(id)?.close();
    this.loggers.delete(id);
    try {
      await this.containerd.tasks().delete(id);
    } catch {
      /* already gone */
    }
    for (const e of this.execs.values()) if (e.containerId === id && e.running) void this.execExited(e.id, 137);
    await this.network.unpublishPorts(id).catch((err) => logger.warn('unpublish ports', { container: id, error: err as Error }));
    await this.network.deleteEndpoint(id).catch((err) => logger.warn('delete endpoint', { container: id, error: err as Error }));
    const ep = c.rec.Endpoint;
    await this.layers.unmount(id).catch((err) => logger.warn('unmount rootfs', { container: id, error: err as Error }));
    fs.rmSync(this.fifoDir(id), { recursive: true, force: true });
    // dockerd's monitor: the policy decides while the daemon runs; at its start, restore does
    const restartIn = this.restored
      ? this.restarts.afterExit(id, c.hostConfig.RestartPolicy, exitStatus, this.shuttingDown || Boolean(c.rec.HasBeenManuallyStopped), Date.now() - Date.parse(c.rec.State.StartedAt))
      : undefined;
    const oom = this.oomKilled.delete(id);
    const finished = { Pid: 0, ExitCode: exitStatus, OOMKilled: oom, FinishedAt: exitedAt || nowRfc3339Nano() };
    // restarting counts as running, as in dockerd: stop, kill and rm treat it so
    c.rec.State =
      restartIn === undefined
        ? { ...c.rec.State, ...finished, Status: 'exited', Running: false, Paused: false, Restarting: false }
        : { ...c.rec.State, ...finished, Status: 'restarting', Running: true, Paused: false, Restarting: true };
    if (restartIn !== undefined) c.rec.RestartCount++;
    c.rec.Ports = [];
    c.rec.Endpoint = undefined;
    this.containers.save(c);
    this.events.container(c, 'die', { exitCode: String(exitStatus) });
    if (ep?.networkId) this.events.network('disconnect', c, ep.networkId, ep.networkName ?? 'bridge');
    logger.info('container exited', { container: id, exitCode: exitStatus });
    for (const a of this.attacherSet(id)) a.conn.end();
    this.attacherSet(id).clear();
    this.notify(id, ['not-running', 'next-exit'], exitStatus);
    if (restartIn !== undefined) this.restarts.schedule(id, c.hostConfig.RestartPolicy, restartIn);
    else if (c.hostConfig.AutoRemove && !this.shuttingDown) await this.remove(c, true).catch((err) => logger.error('auto-remove failed', { container: id, error: err as Error }));
  }

  // ---- restart policies and OOM (restart-manager.ts) -----------------------------------------

  private async restartByPolicy(id: string): Promise<void> {
    const c = this.containers.find(id);
    if (!c || !c.rec.State.Restarting) return;
    await this.start(c, true);
  }

  /** dockerd's SetStopped after a restart that was cancelled or failed. */
  private restartCalledOff(id: string): void {
    const c = this.containers.find(id);
    if (!c || !c.rec.State.Restarting) return;
    c.rec.State = { ...c.rec.State, Status: 'exited', Running: false, Restarting: false };
    this.containers.save(c);
    if (c.hostConfig.AutoRemove && !this.shuttingDown) void this.remove(c, true).catch(() => undefined);
  }

  /** At daemon start: what the policy restarts among the stopped, never one only created. */
  private async restartAfterRestore(): Promise<void> {
    const due = this.containers
      .list()
      .filter((c) => !c.rec.State.Running && c.rec.HasBeenStartedBefore && policyRestarts(c.hostConfig.RestartPolicy, c.rec.State.ExitCode, Boolean(c.rec.HasBeenManuallyStopped), 0));
    await Promise.all(
      due.map((c) => this.start(c).catch((err) => logger.error('failed to start container on daemon start', { container: c.rec.ID, error: err as Error }))),
    );
  }

  private recordOOM(c: Container): void {
    this.oomKilled.add(c.rec.ID);
    this.events.container(c, 'oom');
    logger.info('container OOM-killed', { container: c.rec.ID });
  }

  private notify(id: string, conds: WaitCondition[], code: number, error = ''): void {
    const list = this.waiters.get(id) ?? [];
    const keep = list.filter((w) => {
      if (!conds.includes(w.cond)) return true;
      w.resolve({ StatusCode: code, Error: error ? { Message: error } : null });
      return false;
    });
    this.waiters.set(id, keep);
  }

  wait(c: Container, cond: WaitCondition): Promise<WaitResult> {
    const s = c.rec.State;
    if (cond === 'not-running' && !s.Running && !this.starting.has(c.rec.ID)) {
      return Promise.resolve({ StatusCode: s.ExitCode, Error: s.Error ? { Message: s.Error } : null });
    }
    return new Promise((resolve) => {
      const list = this.waiters.get(c.rec.ID) ?? [];
      list.push({ cond, resolve });
      this.waiters.set(c.rec.ID, list);
    });
  }

  /** Resolves when the current run has been recorded as exited (false on timeout). */
  private waitExited(c: Container, ms: number): Promise<boolean> {
    if (!c.rec.State.Running) return Promise.resolve(true);
    const exited = new Promise<boolean>((resolve) => {
      const list = this.waiters.get(c.rec.ID) ?? [];
      list.push({ cond: 'next-exit', resolve: () => resolve(true) });
      this.waiters.set(c.rec.ID, list);
    });
    if (ms < 0) return exited;
    return Promise.race([exited, sleep(ms).then(() => false)]);
  }

  // ---- stop, kill, restart, remove ---------------------------------------------------------

  private readonly pauseDeps: PauseDeps = { tasks: () => this.containerd.tasks(), save: (c) => this.containers.save(c) };

  async kill(c: Container, signal: number, nameForError: string): Promise<void> {
    if (!c.rec.State.Running) throw E.notRunningKill(nameForError, c.rec.ID);
    this.stoppedByUser(c, signal);
    // a restarting container has no process: calling off its restart is the whole kill
    if (c.rec.State.Restarting) return;
    await this.containerd.tasks().kill(c.rec.ID, signal, { all: false });
    this.events.container(c, 'kill', { signal: String(signal) });
    await thawAfterSignal(this.pauseDeps, c);
    logger.info('container killed', { container: c.rec.ID, signal });
  }

  /**
   * dockerd's killWithSignal: SIGKILL, the configured stop signal, or any signal when none is
   * configured ends the restarts; any signal marks the container stopped by the user.
   */
  private stoppedByUser(c: Container, signal: number): void {
    if (!c.rec.Config.StopSignal || signal === 9 || signal === parseSignal(c.rec.Config.StopSignal, 'SIGTERM')) this.restarts.cancel(c.rec.ID);
    // also the stop of a survivor while the daemon starts without live-restore: unless-stopped then stays stopped
    if (this.shuttingDown) return;
    c.rec.HasBeenManuallyStopped = true;
    this.containers.save(c);
  }

  /** SIGTERM (or StopSignal), then SIGKILL after the timeout; 304 when not running. */
  async stop(c: Container, timeout: number | undefined): Promise<void> {
    if (!c.rec.State.Running) throw new DockerError(304, 'Container already stopped');
    const t = timeout ?? c.rec.Config.StopTimeout ?? 10;
    const sig = parseSignal(c.rec.Config.StopSignal, 'SIGTERM');
    this.stoppedByUser(c, sig);
    if (c.rec.State.Restarting) {
      this.events.container(c, 'stop');
      return;
    }
    const tasks = this.containerd.tasks();
    try {
      await tasks.kill(c.rec.ID, sig);
      this.events.container(c, 'kill', { signal: String(sig) });
      await thawAfterSignal(this.pauseDeps, c);
    } catch (err) {
      logger.warn('stop signal failed', { container: c.rec.ID, error: err as Error });
    }
    if (!(await this.waitExited(c, t < 0 ? -1 : t * 1000))) {
      logger.info(`Container ${c.rec.ID} failed to exit within ${t} seconds of signal ${sig} - using the force`, { container: c.rec.ID });
      this.events.container(c, 'kill', { signal: '9' });
      await tasks.kill(c.rec.ID, 9).catch(() => undefined);
      if (!(await this.waitExited(c, 30000))) throw new DockerError(500, `container ${c.rec.ID} did not exit after SIGKILL`);
    }
    this.events.container(c, 'stop');
  }

  async remove(c: Container, force: boolean): Promise<void> {
    const id = c.rec.ID;
    if (c.rec.State.Restarting) {
      if (!force) throw E.removeRestarting(id);
      this.stoppedByUser(c, 9);
    }
    if (c.rec.State.Running) {
      if (!force) throw E.removeRunning(id);
      this.stoppedByUser(c, 9);
      this.events.container(c, 'kill', { signal: '9' });
      await this.containerd.tasks().kill(id, 9).catch(() => undefined);
      await thawAfterSignal(this.pauseDeps, c);
      if (!(await this.waitExited(c, 30000))) throw new DockerError(500, `Could not kill running container ${id}, cannot remove`);
      await this.exiting.get(id);
    }
    for (const a of this.attacherSet(id)) a.conn.end();
    this.attachers.delete(id);
    for (const [eid, e] of this.execs) if (e.containerId === id) this.execs.delete(eid);
    await this.layers.remove(id);
    this.containers.remove(id);
    this.restarts.reset(id);
    fs.rmSync(this.fifoDir(id), { recursive: true, force: true });
    this.events.container(c, 'destroy');
    logger.info('container removed', { container: id });
    this.notify(id, ['not-running', 'next-exit', 'removed'], c.rec.State.ExitCode);
    this.waiters.delete(id);
  }

  // ---- exec --------------------------------------------------------------------------------

  createExec(c: Container, body: Partial<ExecConfig>): ExecInstance {
    if (!c.rec.State.Running) throw E.execNotRunning(c.rec.ID);
    if (!body.Cmd || body.Cmd.length === 0) throw new DockerError(400, 'No exec command specified');
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    const e: ExecInstance = {
      id: crypto.randomBytes(32).toString('hex'),
      containerId: c.rec.ID,
      config: {
        AttachStdin: Boolean(body.AttachStdin),
        AttachStdout: Boolean(body.AttachStdout),
        AttachStderr: Boolean(body.AttachStderr),
        Tty: Boolean(body.Tty),
        Cmd: body.Cmd,
        Env: body.Env ?? null,
        User: body.User ?? '',
        WorkingDir: body.WorkingDir ?? '',
        Privileged: Boolean(body.Privileged),
        DetachKeys: body.DetachKeys ?? '',
      },
      running: false,
      started: false,
      exitCode: null,
      pid: 0,
      finished,
      finish,
    };
    this.execs.set(e.id, e);
    return e;
  }

  async startExec(e: ExecInstance, attacher: Attacher | undefined): Promise<void> {
    const c = this.containers.get(e.containerId);
    if (!c.rec.State.Running) throw E.execNotRunning(c.rec.ID);
    if (e.started) throw new DockerError(409, `Error: Exec command ${e.id} is already running`);
    e.started = true;
    const fifos = this.fifoDir(c.rec.ID);
    fs.mkdirSync(fifos, { recursive: true, mode: 0o700 });
    const paths = {
      stdin: e.config.AttachStdin && attacher ? path.join(fifos, `${e.id}-stdin`) : undefined,
      stdout: path.join(fifos, `${e.id}-stdout`),
      stderr: e.config.Tty ? '' : path.join(fifos, `${e.id}-stderr`),
    };
    for (const f of [paths.stdin, paths.stdout, paths.stderr]) if (f) await makeFifo(f);
    const attachers = new Set<Attacher>(attacher ? [attacher] : []);
    const io = new ProcessIO(paths, { fresh: true, attachers, onStdinClosed: () => this.containerd.tasks().closeStdin(c.rec.ID, e.id) });
    e.io = io;
    if (attacher && paths.stdin) io.pipeStdin(attacher.conn, true);
    const rootfs = this.layers.paths(c.rec.ID).merged;
    const user = resolveUser(e.config.User || c.rec.Config.User, rootfs);
    const env = mergeEnv([DEFAULT_PATH, `HOSTNAME=${c.rec.Config.Hostname}`], e.config.Tty ? ['TERM=xterm'] : [], c.rec.Config.Env, e.config.Env);
    const spec = {
      terminal: e.config.Tty,
      user: { uid: user.uid, gid: user.gid },
      args: e.config.Cmd,
      env,
      cwd: e.config.WorkingDir || c.rec.Config.WorkingDir || '/',
      capabilities: { bounding: DEFAULT_CAPS, effective: DEFAULT_CAPS, permitted: DEFAULT_CAPS },
      noNewPrivileges: false,
    };
    const p = (async () => {
      // containerd down is a failed start like any other: exit code 126, as dockerd reports it
      const tasks = this.containerd.tasks();
      await tasks.exec({ containerId: c.rec.ID, execId: e.id, spec, stdin: paths.stdin, stdout: paths.stdout, stderr: paths.stderr, terminal: e.config.Tty });
      const { pid } = await tasks.start(c.rec.ID, e.id);
      e.pid = pid;
      e.running = true;
      io.started();
    })();
    this.starting.set(e.id, p.catch(() => undefined));
    try {
      await p;
      logger.info('exec started', { container: c.rec.ID, exec: e.id, pid: e.pid });
    } catch (err) {
      io.destroy();
      for (const f of Object.values(paths)) if (f) fs.rmSync(f, { force: true });
      e.exitCode = 126;
      e.finish();
      const msg = err instanceof Error ? err.message : String(err);
      throw new DockerError(/executable file not found|no such file or directory/.test(msg) ? 400 : 500, msg);
    } finally {
      this.starting.delete(e.id);
    }
  }

  private async execExited(execId: string, exitStatus: number): Promise<void> {
    const e = this.execs.get(execId);
    if (!e || e.exitCode !== null) return;
    await this.starting.get(execId);
    if (e.exitCode !== null) return;
    await e.io?.finish(IO_DRAIN_MS);
    e.exitCode = exitStatus;
    e.running = false;
    e.io?.endAttachers();
    try {
      await this.containerd.tasks().delete(e.containerId, execId);
    } catch {
      /* the exec is gone with its container */
    }
    const dir = this.fifoDir(e.containerId);
    for (const s of ['stdin', 'stdout', 'stderr']) fs.rmSync(path.join(dir, `${execId}-${s}`), { force: true });
    logger.info('exec exited', { container: e.containerId, exec: execId, exitCode: exitStatus });
    e.finish();
  }
}
