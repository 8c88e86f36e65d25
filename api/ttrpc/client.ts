// A ttrpc client for unary calls over one unix-socket connection: stream ids 1, 3, 5, …; answers
// matched by stream id; a non-OK status rejects with a TtrpcError; the connection going away
// fails every pending call with ttrpc's "ttrpc: closed".
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { encodeFrame, FrameReader, MessageType, type Frame } from './frame.js';
import { decodeResponse, encodeRequest, metadataToPairs } from './messages.js';
import { CLOSED_MESSAGE, Code, TtrpcError } from './status.js';
import { serviceMethods } from '../protos.js';

export interface CallOptions {
  metadata?: Record<string, string | string[]>;
  /** sent as timeout_nano; the call also fails here with DeadlineExceeded after it */
  timeoutMs?: number;
}

interface Pending {
  resolve: (payload: Buffer) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

export class TtrpcClient extends EventEmitter {
  private nextStream = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    super();
    const reader = new FrameReader((f) => this.onFrame(f));
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.failAll());
  }

  /** Connects to a unix socket path (a `unix://` prefix is accepted). */
  static connect(address: string, timeoutMs = 10_000): Promise<TtrpcClient> {
    const path = address.replace(/^unix:\/\//, '');
    return new Promise((resolve, reject) => {
      const s = net.connect(path);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new TtrpcError(Code.DEADLINE_EXCEEDED, `dial unix ${path}: timeout`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(new TtrpcClient(s));
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  call(service: string, method: string, payload: Uint8Array, opts: CallOptions = {}): Promise<Buffer> {
    if (this.closed) return Promise.reject(new TtrpcError(Code.UNAVAILABLE, CLOSED_MESSAGE));
    const streamId = this.nextStream;
    this.nextStream += 2;
    const body = encodeRequest({
      service,
      method,
      payload,
      timeoutNano: opts.timeoutMs ? opts.timeoutMs * 1_000_000 : 0,
      metadata: metadataToPairs(opts.metadata),
    });
    return new Promise<Buffer>((resolve, reject) => {
      const p: Pending = { resolve, reject };
      if (opts.timeoutMs) {
        p.timer = setTimeout(() => {
          this.pending.delete(streamId);
          reject(new TtrpcError(Code.DEADLINE_EXCEEDED, 'context deadline exceeded'));
        }, opts.timeoutMs);
      }
      this.pending.set(streamId, p);
      try {
        this.socket.write(encodeFrame({ streamId, type: MessageType.REQUEST, flags: 0, payload: body }));
      } catch (err) {
        this.pending.delete(streamId);
        clearTimeout(p.timer);
        reject(new TtrpcError(Code.RESOURCE_EXHAUSTED, (err as Error).message));
      }
    });
  }

  /** A call with one of api/proto's services: plain objects in and out. */
  async callTyped<T = Record<string, unknown>>(serviceFullName: string, method: string, request: object, opts?: CallOptions): Promise<T> {
    const m = serviceMethods(serviceFullName).get(method);
    if (!m) throw new Error(`${serviceFullName} has no method ${method}`);
    const payload = m.requestType.encode(request);
    const answer = await this.call(serviceFullName, method, payload, opts);
    return m.responseType.decode<T>(answer);
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
    this.failAll();
  }

  private onFrame(f: Frame): void {
    if (f.type !== MessageType.RESPONSE) return;
    const p = this.pending.get(f.streamId);
    if (!p) return;
    this.pending.delete(f.streamId);
    clearTimeout(p.timer);
    let res;
    try {
      res = decodeResponse(f.payload);
    } catch (err) {
      p.reject(new TtrpcError(Code.INTERNAL, `bad response: ${(err as Error).message}`));
      return;
    }
    if (res.status && res.status.code !== Code.OK) p.reject(new TtrpcError(res.status.code, res.status.message));
    else p.resolve(Buffer.from(res.payload));
  }

  private failAll(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new TtrpcError(Code.UNAVAILABLE, CLOSED_MESSAGE));
      this.pending.delete(id);
    }
    this.emit('close');
  }
}
