// The stdio FIFOs between ref-dockerd and the shim, opened without blocking a libuv pool thread
// (a blocking open of a FIFO waits for the other side, and the pool has only four threads).
import fs from 'node:fs';
import net from 'node:net';
import { faultEnabled } from '../../lib/faults.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK } = fs.constants;

export async function makeFifo(path: string): Promise<void> {
  fs.rmSync(path, { force: true });
  const { mkfifo } = await import('../../lib/libc.js');
  mkfifo(path, 0o600);
}

export interface FifoReader {
  socket: net.Socket;
  /**
   * Drop our own write end. Until then a reader opened before the shim would see EOF at once;
   * after it, EOF means every writer (the shim, the container) has closed.
   */
  releaseKeeper(): void;
}

export function openFifoReader(path: string, keepOpen: boolean): FifoReader {
  const fd = fs.openSync(path, O_RDONLY | O_NONBLOCK);
  let keeper = keepOpen ? fs.openSync(path, O_WRONLY | O_NONBLOCK) : -1;
  // Fault switch stdio-dropped-during-outage (lib/faults.ts): a FIFO reopened by a restarted daemon
  // (not fresh) throws away what the pipe kept while nobody read it.
  if (!keepOpen && faultEnabled('stdio-dropped-during-outage')) for (const b = Buffer.alloc(65536); readOrZero(fd, b) > 0; );
  const socket = new net.Socket({ fd, readable: true, writable: false });
  return {
    socket,
    releaseKeeper() {
      if (keeper >= 0) fs.closeSync(keeper);
      keeper = -1;
    },
  };
}

function readOrZero(fd: number, b: Buffer): number {
  try {
    return fs.readSync(fd, b);
  } catch {
    return 0; // EAGAIN: drained
  }
}

/** Stdin: O_RDWR so that the open succeeds before the shim opens its reading end. */
export function openFifoWriter(path: string): net.Socket {
  const fd = fs.openSync(path, O_RDWR | O_NONBLOCK);
  return new net.Socket({ fd, readable: false, writable: true });
}
