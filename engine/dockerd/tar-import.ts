// Unpack an image tar into a rootfs directory without letting it write outside: `docker import`
// takes arbitrary tars, and the daemon runs as root. Refused: absolute names, `..`, entries
// reached through a symlink, hard links whose target is outside the tree, and device nodes.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';

export class UnsafeTarError extends Error {}

export interface ImportResult {
  /** sha256 of the uncompressed tar: the layer's DiffID */
  diffId: string;
  size: number;
}

function cleanName(name: string): string {
  if (name.startsWith('/')) throw new UnsafeTarError(`invalid tar entry ${JSON.stringify(name)}: absolute path`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeTarError(`invalid tar entry ${JSON.stringify(name)}: path escapes the root`);
  return parts.join('/');
}

/** Refuse to follow a symlink in any parent component: that is how a tar writes outside its root. */
function checkParents(root: string, rel: string): void {
  const parts = rel.split('/');
  let cur = root;
  for (const p of parts.slice(0, -1)) {
    cur = path.join(cur, p);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(cur);
    } catch {
      fs.mkdirSync(cur, { mode: 0o755 });
      continue;
    }
    if (st.isSymbolicLink()) throw new UnsafeTarError(`invalid tar entry ${JSON.stringify(rel)}: path goes through a symlink`);
    if (!st.isDirectory()) throw new UnsafeTarError(`invalid tar entry ${JSON.stringify(rel)}: parent is not a directory`);
  }
}

function removeExisting(target: string, keepDir: boolean): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch {
    return;
  }
  if (keepDir && st.isDirectory()) return;
  fs.rmSync(target, { recursive: true, force: true });
}

/** Sniff gzip by its magic bytes, as Docker's DecompressStream does. */
async function sniff(input: Readable): Promise<{ source: Readable; gzip: boolean }> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : (first.value as Buffer);
  async function* all() {
    yield head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value as Buffer;
    }
  }
  return { source: Readable.from(all(), { objectMode: false }), gzip: head[0] === 0x1f && head[1] === 0x8b };
}

export async function extractTar(input: Readable, root: string): Promise<ImportResult> {
  const tarStream = (await import('tar-stream')).default;
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  const hash = crypto.createHash('sha256');
  let size = 0;
  const dirTimes: Array<[string, Date]> = [];
  const extract = tarStream.extract();
  extract.on('entry', (header, stream, next) => {
    const done = (err?: unknown) => {
      if (err) {
        stream.resume();
        extract.destroy(err as Error);
      } else next();
    };
    try {
      const rel = cleanName(header.name);
      if (rel === '') {
        if (header.type === 'directory' && header.mode !== undefined) fs.chmodSync(root, header.mode & 0o7777);
        stream.resume();
        stream.on('end', () => done());
        return;
      }
      checkParents(root, rel);
      const target = path.join(root, rel);
      const mode = (header.mode ?? 0o644) & 0o7777;
      const own = () => {
        try {
          fs.lchownSync(target, header.uid ?? 0, header.gid ?? 0);
        } catch {
          /* not root: keep our ownership */
        }
      };
      switch (header.type) {
        case 'directory':
          removeExisting(target, true);
          fs.mkdirSync(target, { recursive: true, mode });
          fs.chmodSync(target, mode);
          own();
          if (header.mtime) dirTimes.push([target, header.mtime]);
          stream.resume();
          stream.on('end', () => done());
          return;
        case 'file':
        case 'contiguous-file': {
          removeExisting(target, false);
          const ws = fs.createWriteStream(target, { mode });
          stream.on('data', (c: Buffer) => (size += c.length));
          pipeline(stream, ws)
            .then(() => {
              fs.chmodSync(target, mode);
              own();
              if (header.mtime) fs.utimesSync(target, header.mtime, header.mtime);
              done();
            })
            .catch(done);
          return;
        }
        case 'symlink':
          removeExisting(target, false);
          // the link's text is not followed here; it is resolved inside the container's root
          fs.symlinkSync(header.linkname ?? '', target);
          own();
          if (header.mtime) fs.lutimesSync(target, header.mtime, header.mtime);
          stream.resume();
          stream.on('end', () => done());
          return;
        case 'link': {
          const src = cleanName(header.linkname ?? '');
          checkParents(root, src);
          const srcPath = path.join(root, src);
          if (fs.lstatSync(srcPath).isDirectory()) throw new UnsafeTarError(`invalid hard link ${JSON.stringify(rel)} to a directory`);
          removeExisting(target, false);
          fs.linkSync(srcPath, target);
          stream.resume();
          stream.on('end', () => done());
          return;
        }
        case 'fifo':
          removeExisting(target, false);
          stream.resume();
          stream.on('end', () => done());
          return;
        case 'character-device':
        case 'block-device':
          throw new UnsafeTarError(`invalid tar entry ${JSON.stringify(rel)}: device nodes are not imported`);
        default:
          // pax headers and the like carry no file
          stream.resume();
          stream.on('end', () => done());
      }
    } catch (err) {
      done(err);
    }
  });
  const { source, gzip } = await sniff(input);
  const hasher = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  if (gzip) await pipeline(source, createGunzip(), hasher, extract);
  else await pipeline(source, hasher, extract);
  for (const [d, t] of dirTimes.reverse()) fs.utimesSync(d, t, t);
  return { diffId: `sha256:${hash.digest('hex')}`, size };
}
