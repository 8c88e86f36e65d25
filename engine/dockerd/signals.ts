// Signal names and numbers as `docker kill --signal` and StopSignal accept them: "KILL",
// "SIGKILL" or "9".
import os from 'node:os';
import { DockerError } from './errors.js';

export function parseSignal(s: string | null | undefined, fallback = 'SIGKILL'): number {
  const v = (s ?? '').trim() || fallback;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n > 0 && n <= 64) return n;
    throw new DockerError(400, `Invalid signal: ${v}`);
  }
  const name = v.toUpperCase().startsWith('SIG') ? v.toUpperCase() : `SIG${v.toUpperCase()}`;
  const n = (os.constants.signals as Record<string, number>)[name];
  if (!n) throw new DockerError(400, `Invalid signal: ${v}`);
  return n;
}
