// A small gRPC server over node:http2 and the contract's own codec (api/protos.ts), so a daemon that
// serves gRPC does not load grpc-js at start (about two thirds of ref-containerd's start time went
// into loading it). It serves what containerd's API needs: unary and server-streaming methods over
// h2c with prior knowledge (how Go's and grpc-js' clients dial a unix socket), metadata from the
// request headers, grpc-timeout, cancellation when the client resets or closes the stream, and
// status in trailers (or Trailers-Only when nothing was sent). No compression, no client streaming:
// no service served here has either, and a compressed message is refused as the protocol asks.
// The handlers' view (request, metadata.get, write, end, destroy, on('cancelled'), a callback with
// {code, details}) is grpc-js' own, so services written for grpc-js move over unchanged.
import http2 from 'node:http2';
import { EventEmitter } from 'node:events';
import { serviceMethods, type MethodInfo } from '../protos.js';
import { GrpcStatus } from '../errors.js';
import { encodeMessage, frame, timeoutMs } from './wire.js';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface StatusObject {
  code: number;
  details: string;
}

/** An error as handlers hand it back; anything without a numeric code is UNKNOWN. */
export type ServiceError = Partial<StatusObject> & { message?: string };

export type sendUnaryData<T> = (err: ServiceError | null, value?: T) => void;

/** The request's custom headers, as gRPC metadata: lower-case keys, `-bin` values decoded. */
export class Metadata {
  constructor(private readonly headers: http2.IncomingHttpHeaders) {}

  get(key: string): (string | Buffer)[] {
    const k = key.toLowerCase();
    const v = this.headers[k];
    if (v === undefined) return [];
    const values = Array.isArray(v) ? v : k.endsWith('-bin') ? v.split(',') : [v];
    return k.endsWith('-bin') ? values.map((s) => Buffer.from(s.trim(), 'base64')) : values;
  }
}

/** One call: the decoded request, its metadata, and the way back (grpc-js' ServerUnaryCall/ServerWritableStream). */
export class ServerCall<Req = Msg, Res = Msg> extends EventEmitter {
  cancelled = false;
  private headersSent = false;
  private finished = false;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    private readonly method: MethodInfo,
    readonly request: Req,
    readonly metadata: Metadata,
  ) {
    super();
  }

  /** Sends one message (server streaming, or the unary answer); false once the call is over. */
  write(msg: Res): boolean {
    if (this.finished || this.stream.destroyed || this.stream.closed) return false;
    let bytes: Uint8Array;
    try {
      bytes = this.method.responseType.encode(msg as Msg);
    } catch (err) {
      // A handler's answer that does not fit its type ends the call; it must not throw into the
      // handler's caller (an event publisher, a promise chain).
      this.finish(GrpcStatus.INTERNAL, `failed to serialize response: ${(err as Error)?.message ?? err}`);
      return false;
    }
    this.sendHeaders();
    return this.stream.write(frame(bytes));
  }

  /** Ends the call with OK. */
  end(): void {
    this.finish(GrpcStatus.OK, '');
  }

  /** Ends the call with an error's status (grpc-js' destroy(err) on a writable stream). */
  destroy(err?: ServiceError): void {
    const s = statusOf(err);
    this.finish(s.code, s.details);
  }

  /** Ends the call; the status goes in trailers, or alone in the headers if nothing was sent. */
  finish(code: number, details: string): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('finish');
    const stream = this.stream;
    if (stream.destroyed || stream.closed) return;
    const status = { 'grpc-status': String(code), 'grpc-message': encodeMessage(details) };
    if (!this.headersSent) {
      this.headersSent = true;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...status }, { endStream: true });
      return;
    }
    stream.once('wantTrailers', () => stream.sendTrailers(status));
    stream.end();
  }

  /** The client went away (reset, closed connection, or deadline): the handler stops its work. */
  cancel(): void {
    if (this.finished) return;
    this.finished = true;
    this.cancelled = true;
    this.emit('cancelled', 'cancelled');
  }

  private sendHeaders(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  }
}

export type UnaryHandler = (call: ServerCall, callback: sendUnaryData<Msg>) => void;
export type ServerStreamHandler = (call: ServerCall) => void;
type Handler = UnaryHandler | ServerStreamHandler;

interface Route {
  method: MethodInfo;
  handler: Handler;
}

function statusOf(err: ServiceError | null | undefined): StatusObject {
  const code = typeof err?.code === 'number' ? err.code : GrpcStatus.UNKNOWN;
  return { code, details: err?.details ?? err?.message ?? '' };
}

export class GrpcServer {
  private readonly routes = new Map<string, Route>();
  private readonly services = new Set<string>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly server = http2.createServer();

  constructor() {
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', () => session.destroy());
    });
    this.server.on('stream', (stream, headers) => this.dispatch(stream, headers));
  }

  /** Adds a service of the contract by its full name; a handler for a method it lacks is a mistake. */
  addService(fullName: string, impl: Record<string, Handler>): void {
    const methods = serviceMethods(fullName);
    for (const [name, handler] of Object.entries(impl)) {
      const method = methods.get(name);
      if (!method) throw new Error(`${fullName} has no method ${name}`);
      if (method.requestStream) throw new Error(`${fullName}/${name}: client streaming is not served`);
      this.routes.set(`/${fullName}/${name}`, { method, handler });
    }
    this.services.add(fullName);
  }

  /** Serves on a unix socket. */
  listen(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops at once: every connection is dropped, as grpc-js' forceShutdown does. */
  forceShutdown(): void {
    for (const s of this.sessions) s.destroy();
    this.server.close();
  }

  private dispatch(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => {});
    const contentType = headers['content-type'] ?? '';
    if (headers[':method'] !== 'POST' || !/^application\/grpc([+;]|$)/.test(contentType)) {
      stream.respond({ ':status': 415, 'content-type': 'text/plain' });
      stream.end(`unsupported content-type ${contentType || '(none)'}`);
      return;
    }
    const path = headers[':path'] ?? '';
    const route = this.routes.get(path);
    if (!route) {
      trailersOnly(stream, GrpcStatus.UNIMPLEMENTED, this.unimplemented(path));
      stream.resume();
      return;
    }

    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (stream.destroyed || stream.closed) return;
      const body = Buffer.concat(chunks);
      let request: Msg;
      try {
        request = onlyMessage(body, route.method);
      } catch (err) {
        const e = err as ServiceError;
        trailersOnly(stream, e.code ?? GrpcStatus.INTERNAL, e.message ?? String(err));
        return;
      }
      this.run(stream, headers, route, request);
    });
  }

  private run(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, route: Route, request: Msg): void {
    const call = new ServerCall(stream, route.method, request, new Metadata(headers));
    stream.on('close', () => call.cancel());
    const ms = timeoutMs(headers['grpc-timeout']);
    if (ms !== undefined) {
      const timer = setTimeout(() => {
        call.finish(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded');
        call.cancelled = true;
        call.emit('cancelled', 'deadline');
      }, ms);
      timer.unref();
      call.once('finish', () => clearTimeout(timer));
      stream.once('close', () => clearTimeout(timer));
    }
    try {
      if (route.method.responseStream) {
        (route.handler as ServerStreamHandler)(call);
      } else {
        (route.handler as UnaryHandler)(call, (err, value) => {
          if (err) return call.destroy(err);
          call.write(value ?? {});
          call.end();
        });
      }
    } catch (err) {
      call.destroy({ code: GrpcStatus.UNKNOWN, details: (err as Error)?.message ?? String(err) });
    }
  }

  // grpc-go's texts (containerd's server is grpc-go).
  private unimplemented(path: string): string {
    const m = /^\/([^/]+)\/([^/]+)$/.exec(path);
    if (!m) return `malformed method name: ${JSON.stringify(path)}`;
    if (!this.services.has(m[1])) return `unknown service ${m[1]}`;
    return `unknown method ${m[2]} for service ${m[1]}`;
  }
}

function trailersOnly(stream: http2.ServerHttp2Stream, code: number, details: string): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeMessage(details) }, { endStream: true });
}

/** The one request message of a unary or server-streaming call. */
function onlyMessage(body: Buffer, method: MethodInfo): Msg {
  if (body.length < 5) throw Object.assign(new Error(`received no request message for ${method.name}`), { code: GrpcStatus.INTERNAL });
  if (body[0] !== 0) throw Object.assign(new Error('compressed messages are not supported'), { code: GrpcStatus.UNIMPLEMENTED });
  const len = body.readUInt32BE(1);
  if (body.length !== 5 + len) throw Object.assign(new Error(`expected one request message for ${method.name}`), { code: GrpcStatus.INTERNAL });
  return method.requestType.decode<Msg>(body.subarray(5));
}
