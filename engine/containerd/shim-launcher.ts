// Launching a container's shim the way containerd does: run the shim binary's `start` step with the
// bundle as working directory, take the address it prints, and record it in `<bundle>/address` so
// that a restarted containerd can find the shim again.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaled } from '../../lib/time-scale.js';

export const ADDRESS_FILE = 'address';
// a slow host (DOCKSPEC_TIME_SCALE) stretches the wait for the shim's start step
const START_DEADLINE_MS = scaled(15_000);

export interface ShimLaunch {
  id: string;
  bundle: string;
  namespace: string;
  /** containerd's own socket, passed as `-address` */
  containerdAddress: string;
}

/** The compiled shim entry point beside ours; REF_CONTAINERD_SHIM names another shim executable. */
function shimCommand(): { file: string; args: string[] } {
  const override = process.env.REF_CONTAINERD_SHIM;
  if (override && !override.endsWith('.js')) return { file: override, args: [] };
  const script = override ?? fileURLToPath(new URL('../../bin/ref-containerd-shim.js', import.meta.url));
  return { file: process.execPath, args: [script] };
}

function publishBinary(): string {
  return fileURLToPath(new URL('../../bin/ref-containerd.js', import.meta.url));
}

export function launchShim(l: ShimLaunch): Promise<string> {
  const { file, args } = shimCommand();
  const argv = [...args, '-namespace', l.namespace, '-id', l.id, '-address', l.containerdAddress, '-publish-binary', publishBinary(), 'start'];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { cwd: l.bundle, timeout: START_DEADLINE_MS, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) {
        const why = stderr.trim() || err.message;
        reject(new Error(`failed to start shim: ${why}`));
        return;
      }
      const address = stdout.trim().split('\n').pop() ?? '';
      if (!address.startsWith('unix://')) {
        reject(new Error(`failed to start shim: it printed no address (${JSON.stringify(stdout.slice(0, 200))})`));
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
