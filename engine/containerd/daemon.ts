// ref-containerd, the daemon. ref-dockerd starts its managed instance as:
//
//   ref-containerd --address <exec-root>/containerd/containerd.sock --root <data-root>/containerd --state <exec-root>/containerd
//
// (plus `--log-level <level>` and `--pidfile <exec-root>/containerd/containerd.pid` if it wants).
// Flags are containerd's own (`-a/--address`, `--root`, `--state`, `-l/--log-level`; `-c/--config`
// is accepted and ignored), so a target adapter can start either daemon the same way.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { setParentDeathSignal } from '../../lib/libc.js';
import { pidFileHolderAlive, readPidFile, readStat } from '../../lib/proc.js';
import { parseGoFlags } from '../../lib/go-flag.js';
import { socketAnswers } from '../../lib/unix-socket.js';
import { setProcessName } from './process-name.js';
import { GrpcServer } from '../../api/grpc/server.js';
import { createLogger, parseLogLevel, type Logger } from '../../api/logrus.js';
import { Tasks } from './tasks.js';
import { Metadata } from './metadata.js';
import { EventExchange } from './event-exchange.js';
import { addServices, VERSION } from './services.js';
import { serveTtrpcEvents } from './ttrpc-events.js';

export interface ContainerdFlags {
  address: string;
  root: string;
  state: string;
  logLevel: string;
  pidfile?: string;
  config?: string;
}

const aliases: Record<string, keyof ContainerdFlags> = {
  a: 'address',
  address: 'address',
  root: 'root',
  state: 'state',
  l: 'logLevel',
  'log-level': 'logLevel',
  pidfile: 'pidfile',
  c: 'config',
  config: 'config',
};

export function parseFlags(argv: string[]): ContainerdFlags {
  const f: ContainerdFlags = {
    address: '/run/ref-containerd/containerd.sock',
    root: '/var/lib/ref-containerd',
    state: '/run/ref-containerd',
    logLevel: 'info',
  };
  // containerd's urfave/cli reads its flags with Go's flag package, as the shim and runc do
  const parsed = parseGoFlags(argv, { valued: Object.keys(aliases) });
  // its subcommands (config, publish, …) are not modelled: an argument is refused like a flag
  if (parsed.args.length) throw new Error(`flag provided but not defined: ${parsed.args[0]}`);
  for (const [name, value] of parsed.ordered) f[aliases[name]!] = value as string;
  f.address = f.address.replace(/^unix:\/\//, '');
  return f;
}

function takePidfile(file: string): void {
  if (pidFileHolderAlive(readPidFile(file))) throw new Error(`pid file found, ensure ref-containerd is not running or delete ${file}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, String(process.pid));
}

/** A socket file left by a killed daemon is stale; one that answers belongs to a live daemon. */
async function clearSocket(sock: string): Promise<void> {
  if (!fs.existsSync(sock)) return;
  if (await socketAnswers(sock)) throw new Error(`failed to get listener for main endpoint: listen unix ${sock}: bind: address already in use`);
  fs.rmSync(sock, { force: true });
}

/**
 * ref-dockerd asks (REF_CONTAINERD_PDEATHSIG=SIGKILL) that its managed containerd die with it, as
 * dockerd's does. Set here as well as by a launcher such as setpriv, which may be missing. The
 * variable is dropped so that nothing we start inherits the request.
 */
function dieWithParent(): void {
  const name = process.env.REF_CONTAINERD_PDEATHSIG;
  delete process.env.REF_CONTAINERD_PDEATHSIG;
  if (!name) return;
  const signal = os.constants.signals[name as keyof typeof os.constants.signals] ?? Number(name);
  if (!signal) return;
  setParentDeathSignal(signal);
  // The parent may have died before the request took effect: then we are PID 1's already.
  // (process.ppid is read once by Node and cached, so ask the kernel.)
  if (readStat(process.pid)?.ppid === 1) process.kill(process.pid, signal);
}

export async function main(argv: string[]): Promise<void> {
  const started = process.hrtime.bigint();
  let flags: ContainerdFlags;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
  setProcessName(['ref-containerd', ...argv]);
  dieWithParent();
  const log = createLogger((line) => process.stderr.write(line), parseLogLevel(flags.logLevel));
  try {
    await run(flags, log, started);
  } catch (err) {
    log.error((err as Error).message);
    // logrus' fatal level, then exit 1, as containerd does on a failed start
    process.stderr.write(`containerd: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

async function run(flags: ContainerdFlags, log: Logger, started: bigint): Promise<void> {
  log.info('starting containerd', { revision: VERSION.revision, version: VERSION.version });
  if (flags.pidfile) takePidfile(flags.pidfile);
  for (const dir of [flags.root, flags.state, path.dirname(flags.address)]) fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
  await clearSocket(flags.address);

  const metadata = new Metadata(flags.root);
  const events = new EventExchange();
  const tasks = new Tasks({ state: flags.state, address: flags.address, log, events });
  await tasks.restore();
  // The shims' line back, served once the tasks are back: an event forwarded during the restore
  // would reach no subscriber, so the shim is made to retry it instead.
  const ttrpcAddress = `${flags.address}.ttrpc`;
  const ttrpc = await serveTtrpcEvents(ttrpcAddress, events, tasks);

  const server = new GrpcServer();
  addServices(server, { metadata, tasks, events, log });
  await server.listen(flags.address);
  // containerd's socket is for root and the daemon's group only, like dockerd's.
  fs.chmodSync(flags.address, 0o660);
  log.info('serving...', { address: flags.address });
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  log.info(`containerd successfully booted in ${secs.toFixed(6)}s`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping containerd', { signal });
    // Shims and their containers stay: containerd's shutdown never takes them down.
    tasks.close();
    server.forceShutdown();
    void ttrpc.close();
    fs.rmSync(flags.address, { force: true });
    fs.rmSync(ttrpcAddress, { force: true });
    if (flags.pidfile) fs.rmSync(flags.pidfile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
