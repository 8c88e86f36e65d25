// ref-dockerd's main: flags, pid file, listeners bound early, containerd launched, then the daemon;
// requests that arrive before initialisation wait for it, as dockerd's do. Shutdown on SIGTERM/SIGINT.
// Only what comes before containerd's launch is imported here; the daemon and its API
// (daemon-api.ts) load while containerd starts, a chunk of their own in the bundle.
import http from 'node:http';
import type net from 'node:net';
import { FlagError, flagErrorText, parseFlags, type DaemonConfig } from './daemon-config.js';
import { logger, setLogLevel } from './log.js';
import { createPidFile, removePidFile } from './pidfile.js';
import { closeListeners, ListenerError, loadListeners, type Listener } from './listeners.js';
import { DockerError } from './errors.js';
import { ContainerdSupervisor } from './containerd-supervisor.js';
import type { Router } from './api/router.js';
import { ENGINE_VERSION, GIT_COMMIT } from './version.js';

export async function main(argv: string[]): Promise<void> {
  let cfg: DaemonConfig;
  try {
    cfg = parseFlags(argv);
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(flagErrorText(err));
      process.exit(1);
    }
    throw err;
  }
  process.title = ['ref-dockerd', ...argv].join(' ');
  setLogLevel(cfg.logLevel);
  logger.info('Starting up');

  try {
    createPidFile(cfg.pidfile);
  } catch (err) {
    process.stderr.write(`failed to start daemon: ${(err as Error).message}\n`);
    process.exit(1);
  }

  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  let connected: Promise<void> = new Promise(() => undefined);
  // container and exec calls need containerd and the restored containers; the rest does not
  const needsContainers = (url = '') => /^(\/v[0-9.]+)?\/(containers|exec)\//.test(url);
  let containerdUp: Promise<void> = new Promise(() => undefined);
  const gate = async (url?: string) => {
    await ready;
    await (needsContainers(url) ? connected : Promise.race([containerdUp, connected]));
  };
  let router!: Router; // set before `ready`
  // Go's net/http takes up to 1 MiB of headers (and 4 KiB of slack) where Node stops at 16 KiB
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 60000, keepAliveTimeout: 5000, maxHeaderSize: (1 << 20) + 4096 });
  server.timeout = 0;
  server.on('request', (req, res) => {
    gate(req.url).then(
      () => router.dispatch(req, res),
      (err: Error) => {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: err.message }) + '\n');
      },
    );
  });
  server.on('upgrade', (req, socket, head) => {
    gate(req.url).then(
      () => router.dispatch(req, undefined, { socket, head }),
      () => socket.destroy(),
    );
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    // Go's net/http answers a request it cannot parse with a plain-text status line, then closes;
    // a response still being written for an earlier request on the connection goes out first
    const inFlight = (socket as unknown as { _httpMessage?: http.ServerResponse })._httpMessage;
    if (inFlight) return void inFlight.once('finish', () => socket.end());
    if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`);
  });

  let listeners: Listener[] = [];
  try {
    listeners = await loadListeners(cfg, (s: net.Socket) => server.emit('connection', s));
  } catch (err) {
    removePidFile(cfg.pidfile);
    const msg = err instanceof ListenerError ? `failed to load listeners: ${err.message}` : `failed to load listeners: ${(err as Error).message}`;
    process.stderr.write(msg + '\n');
    process.exit(1);
  }

  // containerd next, as dockerd starts it; its start overlaps the loading below
  const containerd = new ContainerdSupervisor(cfg);
  void containerd.launch();
  const { Daemon, apiRouter, warmVersions } = await import('./daemon-api.js');
  const daemon = new Daemon(cfg, containerd);
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info(`Processing signal '${signal}'`);
    // no new work while the containers are being stopped
    closeListeners(listeners);
    try {
      await daemon.shutdown();
    } catch (err) {
      logger.error('shutdown failed', { error: err as Error });
    }
    closeListeners(listeners);
    removePidFile(cfg.pidfile);
    logger.info('Daemon shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('terminated'));
  process.on('SIGINT', () => void shutdown('interrupt'));
  process.on('uncaughtException', (err) => logger.error('uncaught exception', { error: err.stack ?? err.message }));
  process.on('unhandledRejection', (err) => logger.error('unhandled rejection', { error: (err as Error)?.stack ?? String(err) }));

  try {
    daemon.load();
  } catch (err) {
    process.stderr.write(`failed to start daemon: ${(err as Error).message}\n`);
    await containerd.stop().catch(() => undefined);
    closeListeners(listeners);
    removePidFile(cfg.pidfile);
    process.exit(1);
  }
  connected = daemon.connect();
  containerdUp = daemon.containerdUp;
  connected.catch(async (err: Error) => {
    process.stderr.write(`failed to start daemon: ${err instanceof DockerError ? err.message : err.stack}\n`);
    await daemon.shutdown().catch(() => undefined);
    closeListeners(listeners);
    removePidFile(cfg.pidfile);
    process.exit(1);
  });
  router = apiRouter(daemon);
  logger.info('Docker daemon', { commit: GIT_COMMIT, 'graphdriver(s)': 'overlay2', version: ENGINE_VERSION });
  logger.info('Daemon has completed initialization');
  markReady();
  for (const l of listeners) logger.info(`API listen on ${l.address}`);
  void connected.then(() => warmVersions(daemon));
}
