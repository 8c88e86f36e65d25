// A ttrpc server for unary calls: each request frame names a service and method; the handler's
// answer (or its error, as a status) goes back on the same stream id. An unknown service or
// method answers Unimplemented with ttrpc's own texts. Requests on one connection run
// concurrently, as ttrpc's do.
import net from 'node:net';
import { encodeFrame, FrameReader, MessageType, oversizedMessage, type Frame } from './frame.js';
import { decodeRequest, encodeResponse, metadataFromPairs, type Metadata } from './messages.js';
import { Code, TtrpcError, type StatusValue } from './status.js';
import { serviceMethods } from '../protos.js';

export interface CallContext {
  service: string;
  method: string;
  metadata: Metadata;
  /** the client's deadline for this call, in ns; 0 when none */
  timeoutNano: number;
}

export type RawHandler = (payload: Buffer, ctx: CallContext) => Promise<Uint8Array> | Uint8Array;

/** Turns a handler's error into the status sent back; by default Unknown with its message. */
export type ErrorMapper = (err: unknown) => StatusValue;

const defaultMapper: ErrorMapper = (err) =>
  err instanceof TtrpcError ? { code: err.code, message: err.message } : { code: Code.UNKNOWN, message: err instanceof Error ? err.message : String(err) };

export class TtrpcServer {
  private readonly services = new Map<string, Map<string, RawHandler>>();
  private readonly conns = new Set<net.Socket>();
  private listener?: net.Server;

  constructor(private readonly mapError: ErrorMapper = defaultMapper) {}

  register(service: string, methods: Record<string, RawHandler>): void {
    const table = this.services.get(service) ?? new Map<string, RawHandler>();
    for (const [name, h] of Object.entries(methods)) table.set(name, h);
    this.services.set(service, table);
  }

  /**
   * Registers a service of api/proto by its full name: requests are decoded and answers encoded
   * with the method's message types, so handlers see plain objects (camelCase fields).
   */
  registerService<I extends Record<string, (req: never, ctx: CallContext) => Promise<object> | object>>(fullName: string, impl: I): void {
    const svc = serviceMethods(fullName);
    const methods: Record<string, RawHandler> = {};
    for (const [name, fn] of Object.entries(impl)) {
      const m = svc.get(name);
      if (!m) throw new Error(`${fullName} has no method ${name}`);
      const reqType = m.requestType;
      const resType = m.responseType;
      methods[name] = async (payload, ctx) => {
        const req = reqType.decode(payload);
        const res = await fn(req as never, ctx);
        return resType.encode(res);
      };
    }
    this.register(fullName, methods);
  }

  /** Serves on a listening socket: a path, or an inherited descriptor ({ fd: 3 }). */
  listen(where: string | { fd: number }): Promise<void> {
    const listener = net.createServer((c) => this.serveConnection(c));
    this.listener = listener;
    return new Promise((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(typeof where === 'string' ? where : { fd: where.fd }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
  }

  serveConnection(c: net.Socket): void {
    this.conns.add(c);
    c.on('close', () => this.conns.delete(c));
    c.on('error', () => c.destroy());
    const reader = new FrameReader(
      (f) => void this.handle(c, f),
      (o) => this.reply(c, o.streamId, { code: Code.RESOURCE_EXHAUSTED, message: oversizedMessage(o.length) }),
    );
    c.on('data', (chunk: Buffer) => reader.push(chunk));
  }

  /** Stops accepting; open connections end once their pending answers are written. */
  close(): Promise<void> {
    for (const c of this.conns) c.end();
    return new Promise((resolve) => (this.listener ? this.listener.close(() => resolve()) : resolve()));
  }

  get connections(): number {
    return this.conns.size;
  }

  private async handle(c: net.Socket, f: Frame): Promise<void> {
    if (f.type !== MessageType.REQUEST) return;
    if (f.streamId % 2 !== 1) {
      this.reply(c, f.streamId, { code: Code.INVALID_ARGUMENT, message: 'StreamID must be odd for client initiated streams' });
      return;
    }
    let service = '';
    let method = '';
    try {
      const req = decodeRequest(f.payload);
      service = req.service;
      method = req.method;
      const table = this.services.get(service);
      if (!table) throw new TtrpcError(Code.UNIMPLEMENTED, `service ${service}`);
      const handler = table.get(method);
      if (!handler) throw new TtrpcError(Code.UNIMPLEMENTED, `method ${method}`);
      const ctx: CallContext = { service, method, metadata: metadataFromPairs(req.metadata), timeoutNano: req.timeoutNano };
      const payload = await handler(Buffer.from(req.payload), ctx);
      this.send(c, f.streamId, encodeResponse({ payload }));
    } catch (err) {
      this.reply(c, f.streamId, this.mapError(err));
    }
  }

  private reply(c: net.Socket, streamId: number, status: StatusValue): void {
    this.send(c, streamId, encodeResponse({ status, payload: Buffer.alloc(0) }));
  }

  private send(c: net.Socket, streamId: number, payload: Buffer): void {
    if (c.destroyed || !c.writable) return;
    let frame: Buffer;
    try {
      frame = encodeFrame({ streamId, type: MessageType.RESPONSE, flags: 0, payload });
    } catch (err) {
      frame = encodeFrame({
        streamId,
        type: MessageType.RESPONSE,
        flags: 0,
        payload: encodeResponse({ status: { code: Code.RESOURCE_EXHAUSTED, message: (err as Error).message }, payload: Buffer.alloc(0) }),
      });
    }
    c.write(frame);
  }
}
