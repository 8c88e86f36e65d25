// Starting a container, in dockerd's order: rootfs, network endpoint and ports, /etc files, the
// OCI spec, the FIFOs and their reader, then the task through containerd. Whatever was set up is
// undone when a later step fails, and the failure is recorded as dockerd records it.
import fs from 'node:fs';
import path from 'node:path';
import type { Daemon } from '../daemon.js';
import type { Container } from '../container-store.js';
import { nowRfc3339Nano } from '../container.js';
import { buildSpec, DEFAULT_PATH, mergeEnv, writeEtcFiles } from '../bundle.js';
import { makeFifo } from '../fifo.js';
import { DockerError } from '../errors.js';
import * as E from '../errors.js';
import { logger } from '../log.js';
import { removeStaleTask } from './restore.js';

export async function startContainer(d: Daemon, c: Container, byRestartPolicy: boolean): Promise<void> {
  if (c.rec.State.Running && !byRestartPolicy) throw E.alreadyStarted();
  if (d.starting.has(c.rec.ID)) throw E.alreadyStarted();
  // a start by the user begins afresh: restart count 0, no longer "stopped by the user"
  if (!byRestartPolicy) {
    d.restarts.reset(c.rec.ID);
    c.rec.RestartCount = 0;
    c.rec.HasBeenManuallyStopped = false;
  }
  d.oomKilled.delete(c.rec.ID);
  const p = doStart(d, c);
  d.starting.set(c.rec.ID, p.catch(() => undefined));
  try {
    await p;
  } finally {
    d.starting.delete(c.rec.ID);
  }
}

async function doStart(d: Daemon, c: Container): Promise<void> {
  const { rec, hostConfig } = c;
  const id = rec.ID;
  const image = d.images.find(rec.Image);
  if (!image) throw E.noSuchImage(rec.Config.Image);
  const runtimePath = d.cfg.runtimes[hostConfig.Runtime] ?? d.cfg.runtimes[d.cfg.defaultRuntime];
  const dir = d.containers.dir(id);
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  try {
    const tasks = d.containerd.tasks();
    const rootfs = await d.layers.mount(id, image.rootfs);
    cleanups.push(() => d.layers.unmount(id));
    const networkMode = hostConfig.NetworkMode === 'default' ? 'bridge' : hostConfig.NetworkMode;
    const endpoint = await d.network.createEndpoint(id, rec.Name.slice(1), networkMode);
    cleanups.push(() => d.network.deleteEndpoint(id));
    rec.Endpoint = endpoint;
    if (rec.Endpoint.networkId) d.events.network('connect', c, rec.Endpoint.networkId, rec.Endpoint.networkName ?? networkMode);
    rec.HostsPath = path.join(dir, 'hosts');
    rec.HostnamePath = path.join(dir, 'hostname');
    rec.ResolvConfPath = path.join(dir, 'resolv.conf');
    rec.LogPath = path.join(dir, `${id}-json.log`);
    writeEtcFiles(dir, rec.Config.Hostname, endpoint.ipAddress || undefined);
    if (Object.keys(hostConfig.PortBindings ?? {}).length) {
      cleanups.push(() => d.network.unpublishPorts(id));
      rec.Ports = await d.network.publishPorts(endpoint, rec.Name.slice(1), hostConfig.PortBindings);
    } else rec.Ports = [];

    const initOn = hostConfig.Init ?? d.cfg.init;
    rec.InitOn = Boolean(initOn);
    const env = mergeEnv([DEFAULT_PATH, `HOSTNAME=${rec.Config.Hostname}`], rec.Config.Tty ? ['TERM=xterm'] : [], rec.Config.Env);
    const spec = buildSpec({
      container: c,
      rootfs,
      args: [rec.Path, ...rec.Args],
      env,
      netnsPath: endpoint.netnsPath || undefined,
      initPath: initOn ? d.cfg.initPath : undefined,
      cgroupParent: d.cfg.cgroupParent,
    });
    const fifos = d.fifoDir(id);
    fs.mkdirSync(fifos, { recursive: true, mode: 0o700 });
    const paths = {
      stdin: rec.Config.OpenStdin ? path.join(fifos, 'init-stdin') : undefined,
      stdout: path.join(fifos, 'init-stdout'),
      stderr: rec.Config.Tty ? '' : path.join(fifos, 'init-stderr'),
    };
    for (const f of [paths.stdin, paths.stdout, paths.stderr]) if (f) await makeFifo(f);
    const io = d.streams.open(id, paths, rec.LogPath, true, () => tasks.closeStdin(id));
    for (const a of d.streams.attacherSet(id)) if (a.stdin) io.pipeStdin(a.conn, rec.Config.StdinOnce);
    rec.RuntimePath = runtimePath;

    // runc's state under <exec-root>/runtime-runc/<namespace>, as dockerd asks of the runc shim
    const runtimeRoot = path.join(d.cfg.execRoot, 'runtime-runc');
    const req = { id, bundle: fifos, spec, runtimePath, runtimeRoot, stdin: paths.stdin, stdout: paths.stdout, stderr: paths.stderr, terminal: rec.Config.Tty };
    await tasks.create(req).catch(async (err: Error) => {
      // dockerd: "Container not cleaned up from containerd from previous run": delete, try again
      if ((err as { code?: string }).code !== 'already-exists' && !/already exists/.test(err.message)) throw err;
      logger.warn('container not cleaned up from containerd from previous run', { container: id });
      await removeStaleTask(d, id);
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
    d.containers.save(c);
    d.events.container(c, 'start');
    logger.info('container started', { container: id, pid });
  } catch (err) {
    d.streams.drop(id);
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
    d.containers.save(c);
    logger.error('failed to start container', { container: id, error: msg });
    if (c.hostConfig.AutoRemove) await d.remove(c, true).catch(() => undefined);
    if (err instanceof DockerError) throw err;
    throw new DockerError(notFound || /permission denied/.test(msg) ? 400 : 500, msg);
  }
}
