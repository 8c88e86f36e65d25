// State files that survive a crash at any instant: write a temporary file, fsync it, rename it
// over the old one, fsync the directory. rename(2) is atomic, so a reader sees the old file or the
// new one, never a torn mix; a crash before the rename leaves only a stray temporary file.
import fs from 'node:fs';
import path from 'node:path';

const TMP_SUFFIX = '.tmp-';

export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}${TMP_SUFFIX}${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value));
}

/** Read a JSON state file; undefined when absent. Leftover temporary files are removed. */
export function readJson<T>(file: string): T | undefined {
  const dir = path.dirname(file);
  const base = path.basename(file) + TMP_SUFFIX;
  try {
    for (const f of fs.readdirSync(dir)) if (f.startsWith(base)) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    return undefined;
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}
