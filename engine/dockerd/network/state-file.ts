// JSON state under <data-root>/network/, written atomically (temp file + rename) so that a daemon
// killed mid-write leaves the previous version, never half a file.
import fs from 'node:fs';
import path from 'node:path';

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A corrupt file is treated as absent: the controller then rebuilds from what it finds.
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

export function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 1));
  fs.renameSync(tmp, file);
}

export function removeFile(file: string): void {
  fs.rmSync(file, { force: true });
}
