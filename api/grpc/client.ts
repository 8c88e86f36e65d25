// A small gRPC client over node:http2 and the contract's own codec (api/protos.ts), the counterpart
// of api/grpc/server.ts: ref-dockerd speaks to containerd (ours or the real one) without loading
// grpc-js, whose loading and channel set-up sat on the daemon's start (docs/benchmarks.md). It does
// what containerd's API needs: unary calls and server streams over h2c with prior knowledge on a
// unix socket, metadata as headers, deadlines (grpc-timeout, and the call ends here when it passes),
// cancellation (RST_STREAM CANCEL), and the status from the trailers (or Trailers-Only headers).
// One connection per channel, as a Go client has; when it goes, every call on it ends UNAVAILABLE
// and the next call dials again, as a gRPC channel does (without its backoff: a call on a channel
// whose server is down fails at once, as grpc-js' does).
//
//   const ch = new GrpcChannel('/run/containerd/containerd.sock');
//   await ch.ready(5000);
//   const res = await ch.unary('containerd.services.tasks.v1.Tasks', 'List', {}, { 'containerd-namespace': 'moby' }, 30_000);
//   const events = ch.serverStream('containerd.services.events.v1.Events', 'Subscribe', { filters: [] }, {});
//   events.on('data', (m) => …); events.on('error', (e: GrpcError) => …); events.cancel();
import http2 from 'node:http2';
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { serviceMethods, type MethodInfo } from '../protos.js';
import { GrpcStatus } from '../errors.js';
import { decodeMessage, frame, grpcTimeout } from './wire.js';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A call's status other than OK: `code` is gRPC's, `details` the server's grpc-message. */
export class GrpcError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`${code} ${statusName(code)}: ${details}`);
    this.name = 'GrpcError';
  }
}

function statusName(code: number): string {
  return Object.entries(GrpcStatus).find(([, v]) => v === code)?.[0] ?? 'UNKNOWN';
}

/** HTTP status of a response that is not gRPC's, as gRPC's spec maps it. */
function httpStatusCode(status: number): number {
  if (status === 400) return GrpcStatus.INTERNAL;
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  if (status === 404) return GrpcStatus.UNIMPLEMENTED;
  if (status === 429 || status === 502 || status === 503 || status === 504) return GrpcStatus.UNAVAILABLE;
  return GrpcStatus.UNKNOWN;
}

/** Messages out of a byte stream: 5-byte prefix (compressed flag, big-endian length), then the bytes. */
class Deframer {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly method: MethodInfo) {}

  /** The messages completed by `chunk`; throws GrpcError on a compressed or undecodable one. */
  push(chunk: Buffer): Msg[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Msg[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (this.buf.length < 5 + len) break;
      if (this.buf[0] !== 0) throw new GrpcError(GrpcStatus.INTERNAL, 'compressed messages are not supported');
      const bytes = this.buf.subarray(5, 5 + len);
      this.buf = this.buf.subarray(5 + len);
      try {
        out.push(this.method.responseType.decode<Msg>(bytes));
      } catch (err) {
        throw new GrpcError(GrpcStatus.INTERNAL, `failed to parse server response: ${(err as Error)?.message ?? err}`);
      }
    }
    return out;
  }
}

/** A server stream: 'data' (message), then 'end' (status OK) or 'error' (GrpcError), never both. */
export class ClientStream extends EventEmitter {
  constructor(private readonly onCancel: () => void) {
    super();
  }

  /** Stops the call (RST_STREAM CANCEL); nothing is emitted after it. */
  cancel(): void {
    this.onCancel();
  }
}

type Metadata = Record<string, string>;

export class GrpcChannel {
  private session?: http2.ClientHttp2Session;
  private connecting?: Promise<http2.ClientHttp2Session>;
  private closed = false;
  /** why the connection went, for the calls that come after */
  private lost?: string;
  /** calls in flight: the connection keeps the process alive while there are any */
  private active = 0;

  constructor(readonly socketPath: string) {}

  /**
   * Resolves once the server has answered the connection with its HTTP/2 SETTINGS, which a live
   * gRPC server sends first; a refused or missing socket is tried again until the deadline, then
   * rejects UNAVAILABLE with the last error's text.
   */
  async ready(deadlineMs = 5000): Promise<void> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      try {
        await this.connect(Math.max(1, until - Date.now()));
        return;
      } catch (err) {
        if (this.closed || Date.now() + 100 > until) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** One request, one answer. `deadlineMs` 0 or undefined: no deadline. */
  async unary(service: string, method: string, request: Msg, metadata: Metadata, deadlineMs?: number): Promise<Msg> {
    const info = this.method(service, method, false);
    return new Promise<Msg>((resolve, reject) => {
      let answer: Msg | undefined;
      this.start(info, `/${service}/${method}`, request, metadata, deadlineMs, {
        message: (m) => {
          if (answer) throw new GrpcError(GrpcStatus.INTERNAL, `received more than one response message for ${method}`);
          answer = m;
        },
        done: (err) => {
          if (err) return reject(err);
          if (!answer) return reject(new GrpcError(GrpcStatus.INTERNAL, `received no response message for ${method}`));
          resolve(answer);
        },
      });
    });
  }

  /** One request, a stream of answers; no deadline (the streams containerd's clients hold open). */
  serverStream(service: string, method: string, request: Msg, metadata: Metadata): ClientStream {
    const info = this.method(service, method, true);
    let cancel: () => void = () => undefined;
    let over = false;
    const out = new ClientStream(() => {
      over = true;
      cancel();
    });
    cancel = this.start(info, `/${service}/${method}`, request, metadata, undefined, {
      message: (m) => {
        if (!over) out.emit('data', m);
      },
      done: (err) => {
        if (over) return;
        over = true;
        if (err) out.emit('error', err);
        else out.emit('end');
      },
    });
    return out;
  }

  /** Drops the connection; calls in flight end UNAVAILABLE, later ones too. */
  close(): void {
    this.closed = true;
    this.lost ??= 'Channel has been shut down';
    this.session?.destroy();
    this.session = undefined;
  }

  private method(service: string, method: string, streaming: boolean): MethodInfo {
    const info = serviceMethods(service).get(method);
    if (!info) throw new Error(`${service} has no method ${method}`);
    if (info.requestStream || info.responseStream !== streaming) throw new Error(`${service}/${method} is not a ${streaming ? 'server-streaming' : 'unary'} method`);
    return info;
  }

  /** The connection, opened on first use; rejects UNAVAILABLE if it cannot be made. */
  private connect(deadlineMs?: number): Promise<http2.ClientHttp2Session> {
    if (this.session && !this.session.destroyed) return Promise.resolve(this.session);
    if (this.closed) return Promise.reject(new GrpcError(GrpcStatus.UNAVAILABLE, this.lost ?? 'Channel has been shut down'));
    if (this.connecting) return this.connecting;
    this.connecting = new Promise<http2.ClientHttp2Session>((resolve, reject) => {
      const session = http2.connect('http://localhost', { createConnection: () => net.connect(this.socketPath) });
      let settled = false;
      const timer = deadlineMs ? setTimeout(() => fail('Deadline exceeded while connecting'), deadlineMs) : undefined;
      const onError = (err: NodeJS.ErrnoException) => fail(err.code ? `${err.code}: ${err.message}` : err.message);
      const onClose = () => fail('connection closed before the server answered');
      function fail(why: string) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.destroy();
        reject(new GrpcError(GrpcStatus.UNAVAILABLE, why));
      }
      session.once('error', onError);
      session.once('close', onClose);
      session.once('remoteSettings', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.off('error', onError);
        session.off('close', onClose);
        session.on('error', () => undefined); // 'close' follows, and ends the calls
        session.once('goaway', () => this.drop(session, 'the server is going away', true));
        session.once('close', () => this.drop(session, 'connection closed', false));
        // held (ref) only while a call is in flight, so an idle channel does not keep a process alive
        if (this.active === 0) session.unref();
        this.session = session;
        resolve(session);
      });
    }).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** The connection takes no new calls; after a GOAWAY the calls on it may still finish. */
  private drop(session: http2.ClientHttp2Session, why: string, graceful: boolean): void {
    if (this.session !== session) return;
    this.session = undefined;
    this.lost = why;
    if (graceful) session.close();
    else session.destroy();
  }

  /** Starts a call; returns its cancel. `message` may throw a GrpcError, which ends the call with it. */
  private start(
    info: MethodInfo,
    path: string,
    request: Msg,
    metadata: Metadata,
    deadlineMs: number | undefined,
    on: { message: (m: Msg) => void; done: (err?: GrpcError) => void },
  ): () => void {
    let finished = false;
    let stream: http2.ClientHttp2Stream | undefined;
    let timer: NodeJS.Timeout | undefined;
    if (this.active++ === 0) this.session?.ref();
    const release = () => {
      if (--this.active === 0) this.session?.unref();
    };
    const finish = (err?: GrpcError) => {
      if (finished) return;
      finished = true;
      release();
      clearTimeout(timer);
      if (stream && !stream.closed) stream.close(err ? http2.constants.NGHTTP2_CANCEL : http2.constants.NGHTTP2_NO_ERROR);
      on.done(err);
    };
    let body: Buffer;
    try {
      body = frame(info.requestType.encode(request));
    } catch (err) {
      queueMicrotask(() => finish(new GrpcError(GrpcStatus.INTERNAL, `request message serialization failure: ${(err as Error)?.message ?? err}`)));
      return () => undefined;
    }
    if (deadlineMs) timer = setTimeout(() => finish(new GrpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded')), deadlineMs);
    const send = (session: http2.ClientHttp2Session) => {
      if (finished) return;
      const headers: http2.OutgoingHttpHeaders = {
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...metadata,
      };
      if (deadlineMs) headers['grpc-timeout'] = grpcTimeout(deadlineMs);
      try {
        stream = session.request(headers);
      } catch (err) {
        return finish(new GrpcError(GrpcStatus.UNAVAILABLE, (err as Error).message));
      }
      const deframer = new Deframer(info);
      let status: { code: number; details: string } | undefined;
      const statusFrom = (h: http2.IncomingHttpHeaders) => {
        if (h['grpc-status'] === undefined) return;
        status = { code: Number(h['grpc-status']), details: decodeMessage(String(h['grpc-message'] ?? '')) };
      };
      stream.on('response', (h) => {
        const http = Number(h[':status']);
        if (http !== 200) status ??= { code: httpStatusCode(http), details: `Received HTTP status code ${http}` };
        else if (!/^application\/grpc([+;]|$)/.test(String(h['content-type'] ?? ''))) status ??= { code: GrpcStatus.UNKNOWN, details: `Received unexpected content-type ${h['content-type']}` };
        statusFrom(h); // Trailers-Only
      });
      stream.on('trailers', statusFrom);
      stream.on('data', (chunk: Buffer) => {
        if (finished) return;
        try {
          for (const m of deframer.push(chunk)) on.message(m);
        } catch (err) {
          finish(err instanceof GrpcError ? err : new GrpcError(GrpcStatus.INTERNAL, String(err)));
        }
      });
      stream.on('error', () => undefined); // 'close' says how it ended
      stream.on('close', () => {
        if (finished) return;
        if (!status) return finish(new GrpcError(GrpcStatus.UNAVAILABLE, this.lost ?? 'the stream ended without a status'));
        finish(status.code === GrpcStatus.OK ? undefined : new GrpcError(status.code, status.details));
      });
      stream.end(body);
    };
    this.connect().then(send, (err: GrpcError) => finish(err));
    return () => {
      if (finished) return;
      finished = true;
      release();
      clearTimeout(timer);
      if (stream && !stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
    };
  }
}
