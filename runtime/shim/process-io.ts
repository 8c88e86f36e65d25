// A container process's stdio, held by the shim.
//
// stdout/stderr: the FIFOs dockerd made are opened O_RDWR and handed straight to the runtime, which
// passes them to the container (runc without a terminal does). Holding a read end means a write
// never gets EPIPE/SIGPIPE while no daemon reads, and the pipe buffer (raised with F_SETPIPE_SZ)
// keeps the output until dockerd opens the FIFO again; once it is full the writer blocks, as with
// Docker. No copy through Node, so no cost per byte.
//
// stdin: the container must see EOF when the client closes its end, which it never would on a FIFO
// we also hold for writing. So the container gets a pipe of ours and we copy the FIFO into it,
// ending the pipe when the FIFO's last writer goes. The FIFO is opened O_NONBLOCK for reading: that
// open does not wait for a writer, and epoll reports no hang-up before a first writer has come.
import fs from 'node:fs';
import net from 'node:net';
import { pipe, setPipeSize } from '../../lib/libc.js';

export interface StdioPaths {
  stdin?: string;
  stdout: string;
  stderr: string;
}

/** The pipe-max-size default; F_SETPIPE_SZ fails above /proc/sys/fs/pipe-max-size for non-root. */
const PIPE_BYTES = 1 << 20;

export class ProcessIo {
  readonly terminal = false;
  /** for spawn's `stdio` */
  readonly stdio: (number | 'ignore')[];
  private readonly held: number[] = [];
  private childStdinRead?: number;
  private stdinCopy?: { from: net.Socket; to: net.Socket };

  constructor(paths: StdioPaths) {
    const out = this.openOutput(paths.stdout);
    const err = paths.stderr === paths.stdout ? out : this.openOutput(paths.stderr);
    let stdin: number | 'ignore' = 'ignore';
    if (paths.stdin) {
      const p = pipe();
      this.childStdinRead = p.read;
      stdin = p.read;
      const fifo = fs.openSync(paths.stdin, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const from = new net.Socket({ fd: fifo, readable: true, writable: false });
      const to = new net.Socket({ fd: p.write, readable: false, writable: true });
      // The container may exit or close stdin first: its EPIPE is not ours to report.
      from.on('error', () => to.destroy());
      to.on('error', () => from.destroy());
      from.pipe(to);
      this.stdinCopy = { from, to };
    }
    this.stdio = [stdin, out, err];
  }

  private openOutput(path: string): number | 'ignore' {
    if (!path) return 'ignore';
    const fd = fs.openSync(path, fs.constants.O_RDWR);
    setPipeSize(fd, PIPE_BYTES);
    this.held.push(fd);
    return fd;
  }

  /** The runtime has passed our stdin read end on to the container: drop our copy of it. */
  afterRuntime(): void {
    if (this.childStdinRead !== undefined) {
      closeQuietly(this.childStdinRead);
      this.childStdinRead = undefined;
    }
  }

  /** CloseIO: end the container's stdin now, as if the client had closed its end. */
  closeStdin(): void {
    if (this.stdinCopy) {
      this.stdinCopy.from.destroy();
      this.stdinCopy.to.end();
      this.stdinCopy = undefined;
    }
  }

  /**
   * The process has exited: let go of the FIFOs so that dockerd, reading them, sees EOF once it has
   * drained what is buffered.
   */
  close(): void {
    this.afterRuntime();
    for (const fd of this.held.splice(0)) closeQuietly(fd);
    if (this.stdinCopy) {
      this.stdinCopy.from.destroy();
      this.stdinCopy.to.destroy();
      this.stdinCopy = undefined;
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}
