// The shim's `start` step, as containerd-shim-runc-v2 has it: bind the shim's socket, launch the
// long-running shim in its own session with the listening socket as fd 3 and no stdio, record the
// address in the bundle's `address` file, print it (and nothing else: containerd reads stdout and
// stderr together as the address), exit. Exiting is the point: the serving shim is orphaned and
// re-parented to PID 1 (or the nearest subreaper), so it outlives containerd and dockerd and is
// nobody's child that a dying daemon could take down with it. Because the socket is bound before
// the serving process exists, containerd may connect at once: its first request waits in the
// socket's backlog until the shim accepts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ShimFlags } from './shim-flags.js';
import { serveArgs } from './shim-flags.js';
import { shimSocketPath, toAddress } from '../../api/shim-address.js';
import { socketAnswers } from '../../lib/unix-socket.js';

/** The serving shim finds its listening socket here (as the runc shim's does). */
export const LISTENER_FD = 3;
export const LISTENER_FD_ENV = 'REF_SHIM_LISTENER_FD';
/** the path of the listener's socket, so the serving shim can remove it without hashing it again */
export const SOCKET_PATH_ENV = 'REF_SHIM_SOCKET';
/**
 * Node's flags for the serving shim, as the native start step (ref-containerd-shim.c) has them: it
 * lives as long as its container and allocates little once it serves, so small semi-spaces keep
 * ~2 MiB less of its young generation resident, --expose-gc lets it compact its heap once it is
 * idle (shim-serve.ts), and no V8 worker threads, no optimising compilers (its per-request
 * JavaScript is small; its stdio bytes move in libuv) and one malloc arena keep ~1 MiB more off
 * each container (docs/benchmarks.md).
 */
export const SERVE_NODE_FLAGS = ['--max-semi-space-size=1', '--expose-gc', '--single-threaded', '--v8-pool-size=1', '--lite-mode'];
/** glibc's malloc arenas for the serving shim, as the native start step sets them. */
export const SERVE_MALLOC_ARENA_MAX = '1';
/** The file in the bundle that holds the shim's address, read by containerd when it reconnects. */
export const ADDRESS_FILE = 'address';

export async function startStep(flags: ShimFlags, script: string): Promise<number> {
  const bundle = process.cwd();
  drainStdin();
  const socketPath = shimSocketPath(flags.address, flags.namespace, flags.id);
  // containerd retries `start` after a crash between start and recording the address: answer with
  // the shim that already serves this id instead of launching a second one.
  if (await socketAnswers(socketPath)) return announce(bundle, socketPath);
  let listener: net.Server;
  try {
    listener = await bind(socketPath);
  } catch (err) {
    process.stderr.write(`failed to create shim socket ${socketPath}: ${(err as Error).message}\n`);
    return 1;
  }
  const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
  const child = spawn(process.execPath, [...SERVE_NODE_FLAGS, script, ...serveArgs(flags)], {
    detached: true,
    cwd: bundle,
    stdio: ['ignore', 'ignore', 'ignore', fd],
    env: { ...process.env, [LISTENER_FD_ENV]: String(LISTENER_FD), [SOCKET_PATH_ENV]: socketPath, MALLOC_ARENA_MAX: SERVE_MALLOC_ARENA_MAX },
  });
  child.unref();
  const spawned = await new Promise<string | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (err) => resolve(err.message));
  });
  if (spawned) {
    fs.rmSync(socketPath, { force: true });
    process.stderr.write(`failed to start shim: ${spawned}\n`);
    return 1;
  }
  // As the runc shim's start step does: the serving shim's pid in the bundle before the address is out.
  fs.writeFileSync(path.join(bundle, 'shim.pid'), String(child.pid));
  // The listener is the serving shim's now. Closing it here would unlink the socket file, so this
  // process just exits (main calls process.exit) with it open.
  return announce(bundle, socketPath);
}

function announce(bundle: string, socketPath: string): number {
  const address = toAddress(socketPath);
  const file = path.join(bundle, ADDRESS_FILE);
  fs.writeFileSync(`${file}.tmp`, address, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
  process.stdout.write(address);
  return 0;
}

/**
 * containerd writes the runtime options (an encoded Any) to our stdin. The serving shim gets the
 * same options again in Create, so they are read here only to let containerd's write complete.
 */
function drainStdin(): void {
  try {
    if (!fs.fstatSync(0).isFIFO()) return;
    fs.readFileSync(0);
  } catch {
    // no stdin, or a closed one
  }
}

function bind(socketPath: string): Promise<net.Server> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o711 });
  // A socket file that nobody answers on is a dead shim's leftover.
  fs.rmSync(socketPath, { force: true });
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(socketPath, () => {
      fs.chmodSync(socketPath, 0o600);
      resolve(server);
    });
  });
}


