// The old JSON-lines face of the running shim (api/shim-json-lines.ts), kept until ref-containerd
// speaks ttrpc: requests answered by id, exit events pushed to every connection. When the init
// process has been deleted the shim has nothing left to keep, and goes.
import type net from 'node:net';
import type { Logger } from '../../api/logrus.js';
import { asTaskError } from '../../api/errors.js';
import { readJsonLines, writeJsonLine, type ShimExitEvent, type ShimReply, type ShimRequest } from '../../api/shim-json-lines.js';
import type { ShimTask } from './shim-task.js';

export class ShimServer {
  private readonly conns = new Set<net.Socket>();
  private closing = false;

  constructor(
    private readonly task: ShimTask,
    private readonly log: Logger,
    private readonly onDone: () => void,
  ) {}

  publish(e: ShimExitEvent): void {
    for (const c of this.conns) writeJsonLine(c, e);
  }

  close(): void {
    this.closing = true;
    for (const c of this.conns) c.end();
  }

  accept(c: net.Socket): void {
    this.conns.add(c);
    c.on('close', () => this.conns.delete(c));
    c.on('error', () => c.destroy());
    readJsonLines(c, (v) => void this.handle(c, v as ShimRequest), (line) =>
      this.log.warn('bad request line', { line: line.slice(0, 200) }),
    );
  }

  private async handle(c: net.Socket, req: ShimRequest): Promise<void> {
    const reply: ShimReply = { id: req.id };
    try {
      reply.result = await this.dispatch(req);
    } catch (err) {
      const e = asTaskError(err);
      reply.error = { code: e.code, message: e.message };
    }
    const execId = (req.params as { execId?: string } | undefined)?.execId;
    const done = !reply.error && ((req.method === 'delete' && !execId) || req.method === 'shutdown');
    writeJsonLine(c, reply);
    if (done && !this.closing) {
      this.log.info('shim done, exiting', { id: this.task.id });
      // Let the reply reach containerd before the socket goes.
      c.end(() => this.onDone());
      setTimeout(() => this.onDone(), 500).unref();
    }
  }

  private dispatch(req: ShimRequest): unknown {
    const p = (req.params ?? {}) as Record<string, unknown>;
    const execId = p.execId as string | undefined;
    switch (req.method) {
      case 'connect':
        return { shimPid: process.pid, id: this.task.id, taskPid: this.task.initPid };
      case 'create':
        return this.task.create(p as never);
      case 'start':
        return this.task.start(execId);
      case 'kill':
        return this.task.kill(execId, p.signal as number, Boolean(p.all));
      case 'delete':
        return this.task.delete(execId);
      case 'state':
        return this.task.state(execId);
      case 'wait':
        return this.task.wait(execId);
      case 'exec':
        return this.task.exec(p as never);
      case 'shutdown':
        if (!this.task.idle) throw new Error('task still running');
        return {};
      default:
        throw new Error(`unknown method ${String(req.method)}`);
    }
  }
}
