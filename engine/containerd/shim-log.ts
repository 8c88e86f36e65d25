// The shim's log as containerd keeps it: a FIFO `<bundle>/log` that containerd makes before the
// shim's start step (containerd-shim-runc-v2 opens it for writing and does not create it) and reads
// for as long as the shim lives, copying what comes into its own log. Without a reader the shim's
// writes would stall once the pipe is full.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { mkfifo } from '../../lib/libc.js';

export const SHIM_LOG_FIFO = 'log';

/** Make (if needed) and read the bundle's log FIFO; returns the function that stops reading. */
export function openShimLog(bundle: string, sink: (text: string) => void = (t) => process.stderr.write(t)): () => void {
  const p = path.join(bundle, SHIM_LOG_FIFO);
  try {
    if (!fs.existsSync(p)) mkfifo(p, 0o700);
    // non-blocking: there is no writer yet
    const s = new net.Socket({ fd: fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK), readable: true, writable: false });
    s.setEncoding('utf8');
    s.on('data', (d: string) => sink(d));
    s.on('error', () => s.destroy());
    return () => s.destroy();
  } catch {
    return () => undefined;
  }
}
