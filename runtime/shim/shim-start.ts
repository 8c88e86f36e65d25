// The shim's `start` step, as containerd-shim-runc-v2 has it: launch the long-running shim in its
// own session with no stdio, wait until it listens, print its address, exit. Exiting is the point:
// the running shim is orphaned and re-parented to PID 1 (or the nearest subreaper), so it outlives
// containerd and dockerd and is nobody's child that a dying daemon could take down with it.
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { ShimFlags } from './shim-flags.js';
import { serveArgs } from './shim-flags.js';
import { shimSocketPath, toAddress } from '../../api/shim-address.js';

export const READY_FD_ENV = 'REF_SHIM_READY_FD';
const READY_DEADLINE_MS = 10_000;

export async function startStep(flags: ShimFlags, script: string): Promise<number> {
  const socketPath = shimSocketPath(flags.address, flags.namespace, flags.id);
  // containerd retries `start` after a crash between start and recording the address: answer with
  // the shim that already serves this id instead of launching a second one.
  if (await answers(socketPath)) {
    process.stdout.write(toAddress(socketPath) + '\n');
    return 0;
  }
  const child = spawn(process.execPath, [script, ...serveArgs(flags)], {
    detached: true,
    cwd: flags.bundle ?? process.cwd(),
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: { ...process.env, [READY_FD_ENV]: '3' },
  });
  const ready = child.stdio[3] as net.Socket;
  let said = '';
  ready.setEncoding('utf8');
  ready.on('data', (d: string) => (said += d));
  const outcome = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(`shim did not listen on ${socketPath} within ${READY_DEADLINE_MS} ms`), READY_DEADLINE_MS);
    ready.on('end', () => {
      clearTimeout(timer);
      resolve(said);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(said || `shim exited with status ${code} before listening`);
    });
  });
  ready.destroy();
  if (outcome.trim() !== 'ok') {
    if (child.exitCode === null) child.kill('SIGKILL');
    process.stderr.write(outcome.trim() + '\n');
    return 1;
  }
  child.unref();
  process.stdout.write(toAddress(socketPath) + '\n');
  return 0;
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
