// The output of each container's main process: its FIFOs read by a ProcessIO, its json-file log,
// and the clients attached to it (who may attach before the container starts: `docker start -a`).
import { ProcessIO, type Attacher } from '../container-io.js';
import { JsonFileLogger } from '../log-file.js';

/** How long an exit waits for the process's last output before the streams are closed. */
export const IO_DRAIN_MS = 2000;

export interface FifoPaths {
  stdin?: string;
  stdout: string;
  stderr: string;
}

export class ContainerStreams {
  private io = new Map<string, ProcessIO>();
  private loggers = new Map<string, JsonFileLogger>();
  private attachers = new Map<string, Set<Attacher>>();

  attacherSet(id: string): Set<Attacher> {
    let s = this.attachers.get(id);
    if (!s) this.attachers.set(id, (s = new Set()));
    return s;
  }

  ioOf(id: string): ProcessIO | undefined {
    return this.io.get(id);
  }

  loggerOf(id: string): JsonFileLogger | undefined {
    return this.loggers.get(id);
  }

  /** Read the FIFOs: new ones at start (`fresh`), or the ones the shim kept after a daemon restart. */
  open(id: string, paths: FifoPaths, logPath: string, fresh: boolean, onStdinClosed?: () => Promise<void>): ProcessIO {
    const log = new JsonFileLogger(logPath);
    const io = new ProcessIO(paths, { fresh, logger: log, attachers: this.attacherSet(id), onStdinClosed });
    this.io.set(id, io);
    this.loggers.set(id, log);
    return io;
  }

  /** Stop reading at once, without waiting for output (a failed start). */
  drop(id: string): void {
    this.io.get(id)?.destroy();
    this.loggers.get(id)?.close();
    this.io.delete(id);
    this.loggers.delete(id);
  }

  /** Daemon shutdown with live-restore: the shim keeps the output until the next daemon reads it. */
  dropAll(): void {
    for (const id of [...this.io.keys()]) this.drop(id);
  }

  /** The process exited: take what is still in the pipes, then close the log. */
  async finish(id: string): Promise<void> {
    const io = this.io.get(id);
    this.io.delete(id);
    if (io) await io.finish(IO_DRAIN_MS);
    this.loggers.get(id)?.close();
    this.loggers.delete(id);
  }

  /** End every attached client's stream (the process is gone); `forget` also drops the set. */
  detachAll(id: string, forget = false): void {
    for (const a of this.attacherSet(id)) a.conn.end();
    if (forget) this.attachers.delete(id);
    else this.attacherSet(id).clear();
  }
}
