// A process's terminal, held by the shim. With process.terminal the runtime makes the pty inside
// the container (in the container's own devpts) and sends its master over the console socket the
// shim listens on (`runc create --console-socket`), as one SCM_RIGHTS message. The shim keeps the
// master for the life of the process, whatever happens to the daemons, and copies it to the stdout
// FIFO and the stdin FIFO to it; a terminal has no separate stderr.
//
// The stdin FIFO is opened read-write: a daemon that dies (the FIFO's last writer) must not end the
// terminal's input, since a restarted daemon opens the FIFO again and types on. End of input on a
// terminal is a byte the client sends (^D), not the end of a pipe.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tty from 'node:tty';
import { acceptNow, closeFd, dupFd, listenUnix, receiveFd, setPipeSize, setWindowSize } from '../../lib/libc.js';
import { faultEnabled } from '../../lib/faults.js';
import { pollUntil } from '../../lib/poll.js';
import type { StdioPaths } from './process-io.js';

const PIPE_BYTES = 1 << 20;
/** How long the runtime may take to send the master once its create or exec has returned. */
const RECEIVE_DEADLINE_MS = 10_000;
/** After the process exits: how long the copy may take to drain what is left on the master. */
const DRAIN_MS = 2000;

/** The socket the runtime connects to; a directory of its own, as the path must be short. */
export class ConsoleSocket {
  readonly path: string;
  private readonly dir: string;
  private listener?: number;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pty'));
    this.path = path.join(this.dir, 'pty.sock');
    this.listener = listenUnix(this.path);
  }

  /** The master the runtime sent (a file descriptor of this process). */
  async receiveMaster(): Promise<number> {
    const deadline = Date.now() + RECEIVE_DEADLINE_MS;
    const left = () => ({ timeoutMs: deadline - Date.now(), intervalMs: 5 });
    let conn: number | undefined;
    try {
      if (!(await pollUntil(() => (conn = acceptNow(this.listener!)) !== undefined, left()))) {
        throw new Error(`the runtime did not connect to the console socket ${this.path}`);
      }
      let msg: ReturnType<typeof receiveFd>;
      if (!(await pollUntil(() => (msg = receiveFd(conn!)) !== undefined, left()))) {
        throw new Error(`the runtime sent no pty master over the console socket ${this.path}`);
      }
      return msg!.fd;
    } finally {
      if (conn !== undefined) closeFd(conn);
    }
  }

  close(): void {
    if (this.listener !== undefined) closeFd(this.listener);
    this.listener = undefined;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The stdio of a process that has a terminal: the master, copied to and from the FIFOs. */
export class ConsoleIo {
  readonly terminal = true;
  /** the runtime passes no stdio of ours to a process with a terminal */
  readonly stdio: 'ignore'[] = ['ignore', 'ignore', 'ignore'];
  readonly socket = new ConsoleSocket();
  private master?: number;
  private reader?: tty.ReadStream;
  private writer?: tty.WriteStream;
  private stdout?: net.Socket;
  private stdin?: net.Socket;
  private copied?: Promise<void>;

  constructor(private readonly paths: StdioPaths) {}

  /** After the runtime's create or exec: take the master and start copying. */
  async afterRuntime(): Promise<void> {
    const master = await this.socket.receiveMaster().finally(() => this.socket.close());
    // Fault switch pty-not-held-by-shim (lib/faults.ts): the master is let go, the terminal hangs up.
    if (faultEnabled('pty-not-held-by-shim')) {
      closeFd(master);
      return;
    }
    this.master = master;
    const outFd = fs.openSync(this.paths.stdout, fs.constants.O_RDWR);
    setPipeSize(outFd, PIPE_BYTES);
    this.stdout = new net.Socket({ fd: outFd, readable: false, writable: true });
    this.stdout.on('error', () => undefined);
    this.reader = new tty.ReadStream(master);
    this.copied = new Promise((resolve) => {
      // EIO once the last holder of the slave has closed it: the process is gone
      this.reader!.on('error', () => resolve());
      this.reader!.on('end', () => resolve());
      this.reader!.on('close', () => resolve());
    });
    // the reader closes the master's descriptor when the process is gone: its number may then be
    // reused by another file, which a late ResizePty must not touch
    this.reader.on('close', () => (this.master = undefined));
    this.reader.pipe(this.stdout, { end: false });
    if (this.paths.stdin) {
      this.writer = new tty.WriteStream(dupFd(master));
      this.writer.on('error', () => undefined);
      const inFd = fs.openSync(this.paths.stdin, fs.constants.O_RDWR);
      this.stdin = new net.Socket({ fd: inFd, readable: true, writable: false });
      this.stdin.on('error', () => undefined);
      this.stdin.pipe(this.writer, { end: false });
    }
  }

  /** ResizePty: the terminal's window size, which the process sees as SIGWINCH and TIOCGWINSZ. */
  resize(width: number, height: number): void {
    if (this.master !== undefined) setWindowSize(this.master, width, height);
  }

  /** CloseIO: stop passing input; the terminal itself stays (its end of input is ^D). */
  closeStdin(): void {
    this.stdin?.unpipe();
    this.stdin?.destroy();
    this.stdin = undefined;
  }

  /** The process has exited: copy what is left on the master, then let go of everything. */
  close(): void {
    this.socket.close();
    const drained = this.copied ?? Promise.resolve();
    void Promise.race([drained, new Promise((r) => setTimeout(r, DRAIN_MS))]).then(() => {
      this.closeStdin();
      this.writer?.destroy();
      this.reader?.destroy();
      this.stdout?.end();
      this.stdout?.destroySoon();
      this.master = undefined;
    });
  }
}
