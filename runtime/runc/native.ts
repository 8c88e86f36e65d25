// Runs the native stage with the caller's stdio passed straight through (the container's stdio
// is the stdio `create` was given) and reads its one-line outcome from fd 3.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RuntimeError } from './errors.js';

export const NSEXEC_PATH = fileURLToPath(new URL('../../native/ref-runc-nsexec', import.meta.url));

export interface NativeOutcome {
  pid: number;
  /** The exit status of the native stage (for an attached exec: the process's own). */
  status: number;
}

export function runNative(args: string[], cwd?: string): NativeOutcome {
  const result = spawnSync(NSEXEC_PATH, args, { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], cwd });
  if (result.error) throw new RuntimeError(`run ${NSEXEC_PATH}: ${result.error.message}`);
  const line = (result.output[3]?.toString() ?? '').split('\n')[0] ?? '';
  if (line.startsWith('pid ')) return { pid: Number(line.slice(4)), status: result.status ?? 1 };
  if (line.startsWith('error ')) throw new RuntimeError(line.slice(6));
  throw new RuntimeError(`native stage ended without an outcome (status ${result.status ?? result.signal})`);
}
