// Unpack an image tar into a rootfs directory as dockerd does for `docker import`, which unpacks in
// a chroot: every name, link target and symlink met on the way resolves inside the root, so `..`
// and absolute names are clamped at the root (accepted, like Docker), a symlink to /etc leads to
// the image's own /etc, and a hard link can only point at a file of the image. The daemon runs as
// root and takes arbitrary tars: nothing may be written outside the root.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DockerError } from './errors.js';

/** An archive dockerd would not apply; the texts are dockerd 20.10.24's (measured). */
export class UnsafeTarError extends DockerError {
  constructor(detail: string, why = 'exit status 1') {
    super(500, `Error processing tar file(${why}): ${detail}`);
  }
}

export interface ImportResult {
  /** sha256 of the uncompressed tar: the layer's DiffID */
  diffId: string;
  size: number;
}

/** The entry's path as the chroot sees it, without the leading slash; `..` stops at the root. */
function cleanName(name: string): string {
  return path.posix.normalize(`/${name}`).slice(1).replace(/\/+$/, '');
}

/**
 * Resolve `rel` inside `root` as a chroot would: symlinks in the middle (and at the end when
 * `followLast`) are followed, absolute link texts restart at the root, `..` stops there. The
 * result is a host path inside root; `exists` tells whether it names something.
 */
function resolveInRoot(root: string, rel: string, followLast: boolean): { hostPath: string; exists: boolean } {
  const todo = rel.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const cur = path.join(root, ...done, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(cur);
    } catch {
      return { hostPath: path.join(root, ...done, part, ...todo), exists: false };
    }
    if (st.isSymbolicLink() && (todo.length > 0 || followLast)) {
      if (++hops > 40) throw new UnsafeTarError(`open /${rel}: too many levels of symbolic links`);
      const link = fs.readlinkSync(cur);
      if (link.startsWith('/')) done.length = 0;
      todo.unshift(...link.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    }
    if (todo.length > 0 && !st.isDirectory()) throw new UnsafeTarError(`open /${rel}: not a directory`);
    done.push(part);
  }
  return { hostPath: path.join(root, ...done), exists: true };
}

/** Where the entry goes: its parent resolved (and made, as dockerd does), its own name not followed. */
function placeEntry(root: string, rel: string, op: string): string {
  const parentRel = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
  const parent = resolveInRoot(root, parentRel, true);
  if (!parent.exists) {
    // a dangling symlink as parent: the chroot's open fails, nothing is made through it
    if (parentRel && resolveInRoot(root, parentRel, false).exists) throw new UnsafeTarError(`${op} /${rel}: no such file or directory`);
    fs.mkdirSync(parent.hostPath, { recursive: true, mode: 0o755 });
  } else if (!fs.statSync(parent.hostPath).isDirectory()) {
    throw new UnsafeTarError(`${op} /${rel}: not a directory`);
  }
  return path.join(parent.hostPath, path.posix.basename(rel));
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

/** tar-stream's complaints in the words of Go's archive/tar. */
function tarReadError(err: Error): Error {
  if (err instanceof DockerError) return err;
  if (/Invalid tar header/i.test(err.message)) return new UnsafeTarError('archive/tar: invalid tar header');
  if (/Unexpected end of data|premature close/i.test(err.message)) return new UnsafeTarError('unexpected EOF');
  return err;
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
  const seen = new Set<string>();
  const run = promisify(execFile);
  extract.on('entry', (header, stream, next) => {
    const done = (err?: unknown) => {
      if (err) {
        stream.resume();
        extract.destroy(err as Error);
      } else next();
    };
    const skipBody = () => {
      stream.resume();
      stream.on('end', () => done());
    };
    try {
      const rel = cleanName(header.name);
      if (rel === '') {
        if (header.type === 'directory' && header.mode !== undefined) fs.chmodSync(root, header.mode & 0o7777);
        return skipBody();
      }
      if (['file', 'contiguous-file', 'directory', 'symlink', 'link', 'fifo', 'character-device', 'block-device'].includes(header.type ?? '')) {
        // dockerd's layer store refuses an archive naming one path twice (a symlink then a file through it, …)
        if (seen.has(rel)) throw new UnsafeTarError('', 'duplicates of file paths not supported');
        seen.add(rel);
      }
      const mode = (header.mode ?? 0o644) & 0o7777;
      const opFor: Record<string, string> = { directory: 'mkdir', symlink: 'symlink', link: 'link', fifo: 'mknod', 'character-device': 'mknod', 'block-device': 'mknod' };
      const target = header.type === 'link' ? '' : placeEntry(root, rel, opFor[header.type ?? ''] ?? 'open');
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
          return skipBody();
        case 'file':
        case 'contiguous-file': {
          removeExisting(target, false);
          // wx: never open through something that appeared at the name in the meantime
          const ws = fs.createWriteStream(target, { mode, flags: 'wx' });
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
          return skipBody();
        case 'link': {
          const linkRel = cleanName(header.linkname ?? '');
          const src = resolveInRoot(root, linkRel, false);
          if (!src.exists) throw new UnsafeTarError(`link /${linkRel} /${rel}: no such file or directory`);
          const dst = placeEntry(root, rel, 'link');
          if (fs.lstatSync(src.hostPath).isDirectory()) throw new UnsafeTarError(`link /${linkRel} /${rel}: operation not permitted`);
          removeExisting(dst, false);
          // link(2) does not follow a symlink named as its source: at most the link itself is shared
          fs.linkSync(src.hostPath, dst);
          return skipBody();
        }
        case 'fifo':
        case 'character-device':
        case 'block-device': {
          removeExisting(target, false);
          const kind = header.type === 'fifo' ? ['p'] : [header.type === 'block-device' ? 'b' : 'c', String(header.devmajor ?? 0), String(header.devminor ?? 0)];
          // Docker keeps device nodes and pipes of an imported image; the device cgroup, not the
          // image, decides what a container may open
          stream.resume();
          run('mknod', ['-m', mode.toString(8), target, ...kind])
            .then(() => {
              own();
              done();
            })
            .catch((err: Error & { stderr?: string }) => done(new UnsafeTarError(`mknod /${rel}: ${String(err.stderr ?? err.message).trim()}`)));
          return;
        }
        default:
          // pax headers and the like carry no file
          return skipBody();
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
  try {
    if (gzip) await pipeline(source, createGunzip(), hasher, extract);
    else await pipeline(source, hasher, extract);
  } catch (err) {
    throw tarReadError(err as Error);
  }
  for (const [d, t] of dirTimes.reverse()) fs.utimesSync(d, t, t);
  return { diffId: `sha256:${hash.digest('hex')}`, size };
}
