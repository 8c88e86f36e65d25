// The running shim: subreaper, log file in the bundle, pid file, the socket the start step bound;
// then it waits for containerd's requests, which speak ttrpc (containerd.task.v2.Task).
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { faultEnabled } from '../../lib/faults.js';
import { setChildSubreaper } from '../../lib/libc.js';
import { socketAnswers } from '../../lib/unix-socket.js';
import { createLogger, type Logger } from '../../api/logrus.js';
import { serveArgs, type ShimFlags } from './shim-flags.js';
import { LISTENER_FD_ENV, SOCKET_PATH_ENV } from './shim-start.js';
import { shimSocketPath } from '../../api/shim-address.js';
import { Reaper } from './reaper.js';
import { ShimTask } from './shim-task.js';
import { taskServer } from './task-api.js';
import { TaskEvents } from './task-events.js';
import { EventForwarder } from './event-forwarder.js';
import { OomWatcher } from './oom-watcher.js';

/** containerd's ttrpc address for events, set by containerd on the start step and inherited. */
const TTRPC_ADDRESS_ENV = 'TTRPC_ADDRESS';

/** Fault switch (lib/faults.ts): a shim that is not a subreaper, so the container is re-parented past it. */
export const FAULT_NOT_SUBREAPER = 'shim-not-subreaper';
/** A shim launched by a containerd that then never creates its task goes after this long. */
const UNUSED_SHIM_MS = 120_000;
/** How long without a request before the shim compacts its heap. */
const COMPACT_AFTER_IDLE_MS = 1_000;
/** How much the heap must have grown again since the last compaction to be worth another. */
const COMPACT_REGROWTH_BYTES = 1 << 20;

/**
 * A serving shim lives as long as its container and is idle nearly all of that time. Once no
 * request has come for a while, V8 is asked for its most thorough collection ('last-resort'),
 * which also gives back the young generation and code space that start-up grew: ~1.6 MiB less
 * resident per shim (docs/benchmarks.md). Each burst of requests re-arms it; a collection (~27 ms
 * of CPU) is made again only when the heap has grown back by a MiB, so a client polling once a
 * second (docker stats) does not pay for one each time. It needs --expose-gc (both start steps
 * pass it); a shim started by hand without it does without.
 */
function idleCompaction(): () => void {
  const gc = (globalThis as { gc?: (options: object) => void }).gc;
  if (!gc) return () => {};
  let compactedHeap = 0;
  const timer = setTimeout(() => {
    if (process.memoryUsage().heapTotal < compactedHeap + COMPACT_REGROWTH_BYTES) return;
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    compactedHeap = process.memoryUsage().heapTotal;
  }, COMPACT_AFTER_IDLE_MS).unref();
  return () => timer.refresh();
}

export async function serve(flags: ShimFlags): Promise<void> {
  process.title = ['ref-containerd-shim', ...serveArgs(flags)].join(' ');
  const bundle = process.cwd();
  const logFd = fs.openSync(path.join(bundle, 'shim.log'), 'a', 0o600);
  const log = createLogger((line) => fs.writeSync(logFd, line), flags.debug ? 'debug' : 'info', { id: flags.id, namespace: flags.namespace });
  const listenerFd = process.env[LISTENER_FD_ENV] ? Number(process.env[LISTENER_FD_ENV]) : undefined;
  // The start step names the socket it bound: worked out again here, shimSocketPath's sha256 would
  // load node:crypto (~1.2 MiB per shim) for one hash.
  const handedPath = process.env[SOCKET_PATH_ENV];
  delete process.env[LISTENER_FD_ENV];
  delete process.env[SOCKET_PATH_ENV];
  try {
    // Before any runtime runs: the container's PID 1 is re-parented to the nearest subreaper when
    // runc exits, and it must be us or we can never reap it nor learn its exit status.
    if (faultEnabled(FAULT_NOT_SUBREAPER)) log.warn('fault switch: not a child subreaper', { fault: FAULT_NOT_SUBREAPER });
    else setChildSubreaper();
    fs.writeFileSync(path.join(bundle, 'shim.pid'), String(process.pid));
    await run(flags, bundle, listenerFd, handedPath, log);
  } catch (err) {
    log.error('shim failed to start', { error: (err as Error).message });
    process.exit(1);
  }
}

async function run(flags: ShimFlags, bundle: string, listenerFd: number | undefined, handedPath: string | undefined, log: Logger): Promise<void> {
  const reaper = new Reaper((msg, pid) => log.info(msg, { pid }));
  const ttrpcAddress = process.env[TTRPC_ADDRESS_ENV];
  const forwarder = ttrpcAddress ? new EventForwarder(ttrpcAddress, flags.namespace, log) : undefined;
  const events = forwarder ? new TaskEvents((topic, type, event) => forwarder.publish(topic, type, event)) : undefined;
  events?.watchOOM(new OomWatcher(() => events.oom(flags.id), log));
  const task = new ShimTask(flags.id, bundle, reaper, log, events);
  let listener: net.Server | undefined;
  const socketPath = listenerFd !== undefined && handedPath ? handedPath : shimSocketPath(flags.address, flags.namespace, flags.id);
  let ending = false;
  const done = () => {
    if (ending) return;
    ending = true;
    reaper.close();
    listener?.close();
    fs.rmSync(socketPath, { force: true });
    fs.rmSync(path.join(bundle, 'shim.pid'), { force: true });
    // The events already queued (the init's exit and delete) still go out before the shim does.
    void (forwarder?.flush() ?? Promise.resolve()).finally(() => {
      forwarder?.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  const ttrpc = taskServer(task, flags.namespace, log, { shutdown: done });
  const activity = idleCompaction();
  listener = net.createServer((c) => {
    c.on('error', () => c.destroy());
    c.on('data', activity);
    ttrpc.serveConnection(c);
  });
  await new Promise<void>((resolve, reject) => {
    listener!.once('error', reject);
    if (listenerFd !== undefined) {
      listener!.listen({ fd: listenerFd }, resolve);
    } else {
      // started by hand, without a start step: bind the socket ourselves
      fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o711 });
      fs.rmSync(socketPath, { force: true });
      listener!.listen(socketPath, () => {
        fs.chmodSync(socketPath, 0o600);
        resolve();
      });
    }
  });
  log.info('shim listening', { address: socketPath, pid: process.pid, events: ttrpcAddress ?? 'none' });
  // A shim must outlive everything but its container; log surprises instead of dying of them.
  process.on('uncaughtException', (err) => log.error('uncaught exception', { error: err.stack ?? err.message }));
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { error: String(err) }));
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      log.info('shim stopping on signal', { signal: sig });
      done();
    });
  }
  // Fault switch shim-dies-with-daemon (lib/faults.ts): the shim follows containerd down and takes
  // its container with it, as if it were containerd's child.
  if (faultEnabled('shim-dies-with-daemon')) {
    setInterval(async () => {
      if (await socketAnswers(flags.address)) return;
      log.warn('fault switch: containerd is gone, the shim goes too', { fault: 'shim-dies-with-daemon' });
      try {
        if (task.initPid) process.kill(task.initPid, 'SIGKILL');
      } finally {
        done();
      }
    }, 500).unref();
  }
  setTimeout(() => {
    if (task.initPid === 0) {
      log.warn('no task created; exiting', { afterMs: UNUSED_SHIM_MS });
      done();
    }
  }, UNUSED_SHIM_MS).unref();
}
