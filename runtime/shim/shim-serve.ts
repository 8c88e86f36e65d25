// The running shim: subreaper, log file in the bundle, pid file, socket; then it waits for
// containerd's requests.
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { faultEnabled } from '../../lib/faults.js';
import { setChildSubreaper } from '../../lib/libc.js';
import { createLogger, type Logger } from '../../api/logrus.js';
import { serveArgs, type ShimFlags } from './shim-flags.js';
import { READY_FD_ENV } from './shim-start.js';
import { shimSocketPath } from '../../api/shim-address.js';
import { Reaper } from './reaper.js';
import { ShimTask } from './shim-task.js';
import { ShimServer } from './shim-server.js';

/** Fault switch (lib/faults.ts): a shim that is not a subreaper, so the container is re-parented past it. */
export const FAULT_NOT_SUBREAPER = 'shim-not-subreaper';
/** A shim launched by a containerd that then never creates its task goes after this long. */
const UNUSED_SHIM_MS = 120_000;

export async function serve(flags: ShimFlags): Promise<void> {
  process.title = ['ref-containerd-shim', ...serveArgs(flags)].join(' ');
  const bundle = process.cwd();
  const logFd = fs.openSync(path.join(bundle, 'shim.log'), 'a', 0o600);
  const log = createLogger((line) => fs.writeSync(logFd, line), flags.debug ? 'debug' : 'info', { id: flags.id, namespace: flags.namespace });
  const readyFd = process.env[READY_FD_ENV] ? Number(process.env[READY_FD_ENV]) : undefined;
  delete process.env[READY_FD_ENV];
  const socketPath = shimSocketPath(flags.address, flags.namespace, flags.id);
  try {
    // Before any runtime runs: the container's PID 1 is re-parented to the nearest subreaper when
    // runc exits, and it must be us or we can never reap it nor learn its exit status.
    if (faultEnabled(FAULT_NOT_SUBREAPER)) log.warn('fault switch: not a child subreaper', { fault: FAULT_NOT_SUBREAPER });
    else setChildSubreaper();
    fs.writeFileSync(path.join(bundle, 'shim.pid'), String(process.pid));
    await run(flags, bundle, socketPath, log);
    if (readyFd !== undefined) say(readyFd, 'ok\n');
  } catch (err) {
    log.error('shim failed to start', { error: (err as Error).message });
    if (readyFd !== undefined) say(readyFd, `shim failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

async function run(flags: ShimFlags, bundle: string, socketPath: string, log: Logger): Promise<void> {
  const reaper = new Reaper((msg, pid) => log.info(msg, { pid }));
  let server: ShimServer | undefined;
  const task = new ShimTask(flags.id, bundle, reaper, log, (e) => server?.publish(e));
  const done = () => {
    reaper.close();
    server?.close();
    fs.rmSync(path.join(bundle, 'shim.pid'), { force: true });
    process.exit(0);
  };
  server = new ShimServer(socketPath, task, log, done);
  await server.listen();
  log.info('shim listening', { address: socketPath, pid: process.pid });
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
    setInterval(() => {
      const probe = net.createConnection({ path: flags.address });
      probe.on('connect', () => probe.destroy());
      probe.on('error', () => {
        log.warn('fault switch: containerd is gone, the shim goes too', { fault: 'shim-dies-with-daemon' });
        try {
          if (task.initPid) process.kill(task.initPid, 'SIGKILL');
        } finally {
          done();
        }
      });
    }, 500).unref();
  }
  setTimeout(() => {
    if (task.initPid === 0) {
      log.warn('no task created; exiting', { afterMs: UNUSED_SHIM_MS });
      done();
    }
  }, UNUSED_SHIM_MS).unref();
}

function say(fd: number, text: string): void {
  try {
    fs.writeSync(fd, text);
    fs.closeSync(fd);
  } catch {
    // the start step gave up waiting
  }
}
