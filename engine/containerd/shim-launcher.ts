// Launching a container's shim by containerd's runtime v2 contract:
//
//   <shim> -namespace <ns> -address <containerd.sock> -publish-binary <containerd> -id <id> start
//
// run with the bundle as working directory, TTRPC_ADDRESS=<containerd.sock>.ttrpc in the
// environment and the runtime options (an encoded Any) on stdin; the shim prints its address and
// nothing else, and containerd records it in <bundle>/address so that a restarted containerd finds
// the shim again. A dead shim is cleaned up through the same binary's `delete` action, whose
// stdout is an encoded containerd.task.v2.DeleteResponse.
//
// The binary: a runtime name that is an absolute path is used as is; otherwise
// io.containerd.runc.v2 → containerd-shim-runc-v2, looked up in PATH and then beside
// containerd's own executable, as containerd 1.6 resolves it.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaled } from '../../lib/time-scale.js';
import { encode, decode } from '../../api/protos.js';
import type { AnyValue } from '../../api/any.js';
import { fromTimestamp } from '../../api/timestamp.js';
import type { ExitResult } from '../../api/task-types.js';
import { TaskError } from '../../api/errors.js';

export const ADDRESS_FILE = 'address';
// a slow host (DOCKSPEC_TIME_SCALE) stretches the waits for the shim's start and delete steps
const START_DEADLINE_MS = scaled(15_000);
const DELETE_DEADLINE_MS = scaled(10_000);

/** io.containerd.runc.v2 → containerd-shim-runc-v2 (the last three dotted parts). */
export function shimBinaryName(runtime: string): string {
  const parts = runtime.split('.');
  if (parts.length < 2) throw new TaskError('invalid-argument', `invalid runtime name ${runtime}, correct runtime name should be either format like \`io.containerd.runc.v1\` or a full path to the binary`);
  return `containerd-shim-${parts.slice(-2).join('-')}`;
}

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** containerd's own executable, for the shim's -publish-binary and the lookup beside it. */
export function containerdExecutable(): string {
  return fileURLToPath(new URL('../../bin/ref-containerd.js', import.meta.url));
}

export function resolveShimBinary(runtime: string, env: NodeJS.ProcessEnv = process.env): string {
  if (path.isAbsolute(runtime)) {
    if (!executable(runtime)) throw new TaskError('not-found', `runtime ${JSON.stringify(runtime)} binary not installed ${JSON.stringify(runtime)}`);
    return runtime;
  }
  const name = shimBinaryName(runtime);
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
    const p = path.join(dir, name);
    if (executable(p)) return p;
  }
  const beside = path.join(path.dirname(containerdExecutable()), name);
  if (executable(beside)) return beside;
  throw new TaskError('not-found', `runtime ${JSON.stringify(runtime)} binary not installed ${JSON.stringify(name)}`);
}

export interface ShimLaunch {
  binary: string;
  id: string;
  bundle: string;
  namespace: string;
  /** containerd's own socket, passed as `-address`; its ttrpc twin is `<address>.ttrpc` */
  containerdAddress: string;
  /** the runtime options, encoded as an Any on the shim's stdin */
  options: AnyValue | null;
}

function shimArgs(l: Omit<ShimLaunch, 'options'>): string[] {
  return ['-namespace', l.namespace, '-address', l.containerdAddress, '-publish-binary', containerdExecutable(), '-id', l.id];
}

function shimEnv(l: Omit<ShimLaunch, 'options'>): NodeJS.ProcessEnv {
  return { ...process.env, TTRPC_ADDRESS: `${l.containerdAddress}.ttrpc` };
}

/** Runs the `start` step; resolves the address it printed, recorded in the bundle. */
export function launchShim(l: ShimLaunch): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(l.binary, [...shimArgs(l), 'start'], { cwd: l.bundle, env: shimEnv(l), stdio: ['pipe', 'pipe', 'pipe'] });
    // containerd reads stdout and stderr together: anything but the address spoils it
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), START_DEADLINE_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new TaskError('unknown', `failed to start shim: ${err.message}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(l.options ? encode('google.protobuf.Any', l.options) : Buffer.alloc(0));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const address = out.trim();
      if (code !== 0 || !address) {
        reject(new TaskError('unknown', `failed to start shim: ${address || (signal ? `signal: ${signal}` : `exit status ${code}`)}`));
        return;
      }
      try {
        writeAddress(l.bundle, address);
      } catch (e) {
        reject(e as Error);
        return;
      }
      resolve(address);
    });
  });
}

/** The shim binary's `delete` action for a dead shim: it cleans up and reports the exit. */
export function shimDeleteAction(l: Omit<ShimLaunch, 'options'>): Promise<ExitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      l.binary,
      [...shimArgs(l), '-bundle', l.bundle, 'delete'],
      { cwd: l.bundle, env: shimEnv(l), encoding: 'buffer', timeout: DELETE_DEADLINE_MS, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`failed to delete shim: ${Buffer.from(stderr).toString().trim() || err.message}`));
          return;
        }
        try {
          const r = decode<{ pid?: number; exitStatus?: number; exitedAt?: { seconds: number; nanos: number } }>('containerd.task.v2.DeleteResponse', stdout);
          resolve({ pid: Number(r.pid ?? 0), exitStatus: Number(r.exitStatus ?? 0), exitedAt: fromTimestamp(r.exitedAt) });
        } catch (e) {
          reject(e as Error);
        }
      },
    );
  });
}

export function writeAddress(bundle: string, address: string): void {
  const target = path.join(bundle, ADDRESS_FILE);
  fs.writeFileSync(`${target}.tmp`, address);
  fs.renameSync(`${target}.tmp`, target);
}

export function readAddress(bundle: string): string | undefined {
  try {
    const a = fs.readFileSync(path.join(bundle, ADDRESS_FILE), 'utf8').trim();
    return a || undefined;
  } catch {
    return undefined;
  }
}
