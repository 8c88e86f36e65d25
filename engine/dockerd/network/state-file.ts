// JSON state under <data-root>/network/, written atomically (lib/atomic-file.ts) so that a daemon
// killed mid-write leaves the previous version, never half a file. Not fsynced: it is written on
// the container start path, and a lost or corrupt file is rebuilt from what the controller finds.
import fs from 'node:fs';
import * as atomic from '../../../lib/atomic-file.js';

export function readJson<T>(file: string): T | undefined {
  return atomic.readJson<T>(file, { corruptAsAbsent: true });
}

export function writeJson(file: string, value: unknown): void {
  atomic.writeJsonAtomic(file, value, { durable: false, dirMode: 0o700 });
}

export function removeFile(file: string): void {
  fs.rmSync(file, { force: true });
}
