// dockerd's pid file: refuse to start while a live process holds it (text measured with two
// dockerd 20.10.24 on one pid file), overwrite a stale one, remove it on exit.
import fs from 'node:fs';
import path from 'node:path';
import { DockerError } from './errors.js';
import { faultEnabled } from '../../lib/faults.js';
import { pidFileHolderAlive, readPidFile } from '../../lib/proc.js';

export function createPidFile(file: string): void {
  // Which holder counts as live (not a zombie, not our own pid): lib/proc.ts, pidFileHolderAlive.
  // Fault switch pidfile-not-locked (lib/faults.ts): a live owner no longer stops us.
  if (pidFileHolderAlive(readPidFile(file)) && !faultEnabled('pidfile-not-locked')) {
    throw new DockerError(500, `pid file found, ensure docker is not running or delete ${file}`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, String(process.pid), { mode: 0o644 });
}

export function removePidFile(file: string): void {
  try {
    if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
  } catch {
    /* already gone */
  }
}
