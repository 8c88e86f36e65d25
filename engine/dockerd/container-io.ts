// A running process's output: read from its FIFOs, written to the json-file log (for the
// container's main process) and sent to every attached client as stdcopy frames. `drained`
// resolves when both streams reached EOF, which is when attach streams may be closed.
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { openFifoReader, openFifoWriter, type FifoReader } from './fifo.js';
import { frame, STDERR, STDOUT, type StreamId } from './stream.js';
import type { JsonFileLogger } from './log-file.js';

export interface Attacher {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  conn: Duplex;
}

export class ProcessIO {
  private readers: FifoReader[] = [];
  private stdinSocket?: net.Socket;
  private isStarted = false;
  private closeStdinWhenStarted = false;
  private readonly onStdinClosed?: () => Promise<void>;
  readonly attachers = new Set<Attacher>();
  readonly drained: Promise<void>;

  constructor(
    paths: { stdin?: string; stdout: string; stderr: string },
    opts: {
      fresh: boolean;
      logger?: JsonFileLogger;
      attachers?: Set<Attacher>;
      /** tells the shim, after our end of the stdin FIFO is closed (TaskService.closeStdin) */
      onStdinClosed?: () => Promise<void>;
    },
  ) {
    if (opts.attachers) this.attachers = opts.attachers;
    this.onStdinClosed = opts.onStdinClosed;
    const ends: Promise<void>[] = [];
    for (const [path, id, name] of [
      [paths.stdout, STDOUT, 'stdout'],
      [paths.stderr, STDERR, 'stderr'],
    ] as const) {
      // a process with a terminal has one output stream: no stderr FIFO
      if (!path) continue;
      const r = openFifoReader(path, opts.fresh);
      this.readers.push(r);
      r.socket.on('data', (chunk: Buffer) => {
        opts.logger?.write(name, chunk);
        this.broadcast(id, chunk);
      });
      ends.push(
        new Promise((resolve) => {
          r.socket.on('end', () => {
            opts.logger?.flush(name);
            resolve();
          });
          r.socket.on('error', () => resolve());
          r.socket.on('close', () => resolve());
        }),
      );
    }
    this.drained = Promise.all(ends).then(() => undefined);
    if (paths.stdin) this.stdinSocket = openFifoWriter(paths.stdin);
  }

  private broadcast(id: StreamId, chunk: Buffer): void {
    for (const a of this.attachers) {
      if ((id === STDOUT && !a.stdout) || (id === STDERR && !a.stderr)) continue;
      if (a.conn.destroyed) {
        this.attachers.delete(a);
        continue;
      }
      a.conn.write(a.tty ? chunk : frame(id, chunk));
    }
  }

  /** The shim has its write ends now: EOF from here on means the process is gone. */
  started(): void {
    for (const r of this.readers) r.releaseKeeper();
    this.isStarted = true;
    if (this.closeStdinWhenStarted) this.closeStdin();
  }

  /** Feed a client's input to the process; `once` closes stdin when the client's input ends. */
  pipeStdin(conn: Duplex, once: boolean): void {
    const sink = this.stdinSocket;
    if (!sink) return;
    conn.on('data', (c: Buffer) => sink.write(c));
    conn.on('end', () => {
      if (once) this.closeStdin();
    });
    // attached before the start, the connection was paused so that no input was lost
    conn.resume();
  }

  closeStdin(): void {
    // Closing the last open end of a FIFO discards what is buffered in it: input that came
    // before the shim opened its end must wait there until the process runs.
    if (!this.isStarted) {
      this.closeStdinWhenStarted = true;
      return;
    }
    const sink = this.stdinSocket;
    if (!sink) return;
    this.stdinSocket = undefined;
    // dockerd's order: its end of the FIFO first (what is written reaches the shim), then CloseIO
    sink.end(() => void this.onStdinClosed?.().catch(() => undefined));
  }

  /** Wait for EOF (bounded: a grandchild may hold the pipe open forever), then let go. */
  async finish(deadlineMs: number): Promise<void> {
    await Promise.race([this.drained, new Promise((r) => setTimeout(r, deadlineMs))]);
    this.destroy();
  }

  destroy(): void {
    for (const r of this.readers) {
      r.releaseKeeper();
      r.socket.destroy();
    }
    this.stdinSocket?.destroy();
    this.stdinSocket = undefined;
  }

  endAttachers(): void {
    for (const a of this.attachers) a.conn.end();
    this.attachers.clear();
  }
}
