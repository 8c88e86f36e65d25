// The container's exit status and time, kept in the bundle so that a containerd that was down when
// the container exited (or finds the shim gone) can still report the real values. Written to a
// temporary file and renamed, so a reader sees the old state or the new one, never half of it.
import fs from 'node:fs';
import path from 'node:path';
import type { ExitResult } from './task-types.js';

export const EXIT_FILE = 'exit.json';

export function writeExit(bundle: string, exit: ExitResult): void {
  const target = path.join(bundle, EXIT_FILE);
  const tmp = `${target}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(exit) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
}

export function readExit(bundle: string): ExitResult | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(bundle, EXIT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<ExitResult>;
    if (typeof v.pid === 'number' && typeof v.exitStatus === 'number' && typeof v.exitedAt === 'string') {
      return { pid: v.pid, exitStatus: v.exitStatus, exitedAt: v.exitedAt };
    }
  } catch {
    // unreadable: treated as no record
  }
  return undefined;
}
