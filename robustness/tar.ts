// A tiny ustar writer for hostile archives. Written by hand rather than with tar-stream's packer
// because the corpus needs entries a careful packer refuses or rewrites: `..` names, absolute
// names, links pointing anywhere, device nodes, truncated archives.

export interface TarEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';
  mode?: number;
  body?: string | Buffer;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

const TYPEFLAG: Record<NonNullable<TarEntry['type']>, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  const type = e.type ?? 'file';
  h.write(e.name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? (type === 'dir' ? 0o755 : 0o644), 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(1700000000, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(TYPEFLAG[type], 156, 'latin1');
  h.write(e.linkname ?? '', 157, 100, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.write('root', 265, 'latin1');
  h.write('root', 297, 'latin1');
  h.write(octal(e.devmajor ?? 0, 8), 329, 'latin1');
  h.write(octal(e.devminor ?? 0, 8), 337, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/** The archive's bytes; `truncate` cuts it short (a torn upload). */
export function tar(entries: TarEntry[], opts: { truncate?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    parts.push(header(e, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  const all = Buffer.concat(parts);
  return opts.truncate ? all.subarray(0, opts.truncate) : all;
}
