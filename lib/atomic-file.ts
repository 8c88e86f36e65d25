// State files that survive a crash at any instant: write a temporary file, rename it over the old
// one. rename(2) is atomic, so a reader sees the old file or the new one, never a torn mix; a crash
// before the rename leaves only a stray temporary file, which the next read removes.
//
// `durable` (the default) also fsyncs the file and its directory, so the new version is on disk
// once the call returns (container and image records: a power loss must not lose a container).
// The network's files are written on the container start path and rebuilt from what the daemon
// finds when they are lost, so they skip the two fsyncs (`durable: false`).
import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

const TMP_SUFFIX = '.tmp-';

export interface WriteOptions {
  /** fsync the file and its directory before returning (default true) */
  durable?: boolean;
  /** the file's mode (default 0o600) */
  mode?: number;
  /** the mode of directories made on the way (default 0o777 minus umask) */
  dirMode?: number;
}

function fsyncPath(p: string, flags: string): void {
  const fd = fs.openSync(p, flags);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function writeFileAtomic(file: string, data: string | Buffer, { durable = true, mode = 0o600, dirMode }: WriteOptions = {}): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: dirMode });
  const tmp = `${file}${TMP_SUFFIX}${process.pid}-${threadId}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.writeFileSync(tmp, data, { mode });
    if (durable) fsyncPath(tmp, 'r+');
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  if (durable) fsyncPath(dir, 'r');
}

export function writeJsonAtomic(file: string, value: unknown, options?: WriteOptions): void {
  writeFileAtomic(file, JSON.stringify(value), options);
}

export interface ReadOptions {
  /** a file that is not JSON reads as absent (for state the daemon rebuilds from what it finds) */
  corruptAsAbsent?: boolean;
}

/** Read a JSON state file; undefined when absent. Leftover temporary files are removed. */
export function readJson<T>(file: string, { corruptAsAbsent = false }: ReadOptions = {}): T | undefined {
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
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    if (corruptAsAbsent && err instanceof SyntaxError) return undefined;
    throw err;
  }
}
