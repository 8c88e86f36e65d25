// containerd's side of one shim connection: requests by id over JSON lines, exit events pushed by
// the shim, and a close that tells the task manager the shim is gone (or done).
import net from 'node:net';
import { readJsonLines, writeJsonLine, type ShimExitEvent, type ShimMethod, type ShimMethods, type ShimReply } from '../../api/shim-json-lines.js';
import { fromAddress } from '../../api/shim-address.js';
import { TaskError } from '../../api/errors.js';

export class ShimClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exitHandlers: ((e: ShimExitEvent) => void)[] = [];
  private readonly closeHandlers: (() => void)[] = [];
  private closed = false;

  private constructor(
    readonly address: string,
    private readonly socket: net.Socket,
  ) {
    readJsonLines(socket, (v) => this.receive(v as ShimReply | ShimExitEvent));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onSocketClose());
  }

  static connect(address: string, deadlineMs = 2000): Promise<ShimClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(fromAddress(address));
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TaskError('unavailable', `shim at ${address} did not answer within ${deadlineMs} ms`));
      }, deadlineMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new ShimClient(address, socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new TaskError('unavailable', `cannot connect to shim at ${address}: ${err.message}`));
      });
    });
  }

  call<M extends ShimMethod>(method: M, params: ShimMethods[M]['params']): Promise<ShimMethods[M]['result']> {
    if (this.closed) return Promise.reject(new TaskError('unavailable', 'shim disconnected'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      writeJsonLine(this.socket, { id, method, params });
    });
  }

  onExit(handler: (e: ShimExitEvent) => void): void {
    this.exitHandlers.push(handler);
  }

  /** Runs before pending calls are rejected, so a waiter can find out why its call failed. */
  onClose(handler: () => void): void {
    this.closeHandlers.push(handler);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(m: ShimReply | ShimExitEvent): void {
    if ('event' in m) {
      if (m.event === 'exit') for (const h of this.exitHandlers) h(m);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.reject(new TaskError(m.error.code, m.error.message));
    else p.resolve(m.result);
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers) h();
    for (const p of this.pending.values()) p.reject(new TaskError('unavailable', 'shim disconnected'));
    this.pending.clear();
  }
}
