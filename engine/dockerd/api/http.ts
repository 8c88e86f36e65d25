// The HTTP side of the Engine API: Docker's headers on every routed response, JSON errors, the
// /v1.xx/ prefix with its version checks, and hijacking for attach and exec (`101 UPGRADED` with
// `Upgrade: tcp` as the CLI asks, or a raw 200 stream for clients that do not ask to upgrade).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { DockerError } from '../errors.js';
import { API_VERSION, ENGINE_VERSION } from '../version.js';

export function dockerHeaders(): Record<string, string> {
  return {
    'Api-Version': API_VERSION,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: `Docker/${ENGINE_VERSION} (linux)`,
  };
}

export class Ctx {
  params: Record<string, string> = {};
  readonly query: URLSearchParams;
  readonly path: string;
  /** API version the client asked for (from the /v1.xx/ prefix), else the daemon's */
  version = API_VERSION;
  private responded = false;
  private bodyBuf?: Promise<Buffer>;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse | undefined,
    /** set when the request came with `Connection: Upgrade`: the raw socket and bytes read past the headers */
    readonly upgrade?: { socket: Duplex; head: Buffer },
  ) {
    const u = new URL(req.url ?? '/', 'http://docker');
    this.path = u.pathname;
    this.query = u.searchParams;
  }

  get done(): boolean {
    return this.responded;
  }

  bool(name: string): boolean {
    const v = this.query.get(name);
    return v !== null && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
  }

  /** The request body. With an upgrade, exactly Content-Length bytes; what follows is the stream. */
  body(): Promise<Buffer> {
    if (this.bodyBuf) return this.bodyBuf;
    if (!this.upgrade) {
      this.bodyBuf = new Promise((resolve, reject) => {
        const parts: Buffer[] = [];
        this.req.on('data', (c: Buffer) => parts.push(c));
        this.req.on('end', () => resolve(Buffer.concat(parts)));
        this.req.on('error', reject);
      });
      return this.bodyBuf;
    }
    const want = Number(this.req.headers['content-length'] ?? 0);
    const { socket } = this.upgrade;
    this.bodyBuf = new Promise((resolve) => {
      let got = this.upgrade!.head;
      const finish = () => {
        const body = got.subarray(0, want);
        const rest = got.subarray(want);
        this.upgrade!.head = Buffer.alloc(0);
        if (rest.length) socket.unshift(rest);
        resolve(body);
      };
      if (got.length >= want) return finish();
      const onData = (c: Buffer) => {
        got = Buffer.concat([got, c]);
        if (got.length >= want) {
          socket.off('data', onData);
          socket.pause();
          finish();
        }
      };
      socket.on('data', onData);
    });
    return this.bodyBuf;
  }

  async json<T>(): Promise<T> {
    const b = await this.body();
    if (b.length === 0) return {} as T;
    try {
      return JSON.parse(b.toString('utf8')) as T;
    } catch (err) {
      throw new DockerError(400, `invalid character in JSON: ${(err as Error).message}`);
    }
  }

  private writeRaw(status: number, headers: Record<string, string>, body: Buffer | string): void {
    const socket = this.upgrade!.socket;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    head += `Date: ${new Date().toUTCString()}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    socket.end(Buffer.concat([Buffer.from(head), Buffer.from(body)]));
  }

  send(status: number, body: Buffer | string, contentType?: string, extra: Record<string, string> = {}): void {
    if (this.responded) return;
    this.responded = true;
    const headers: Record<string, string> = { ...dockerHeaders(), ...extra };
    if (contentType) headers['Content-Type'] = contentType;
    if (this.upgrade) return this.writeRaw(status, headers, body);
    const res = this.res!;
    res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  /** JSON as Go's json.Encoder writes it: one value and a newline. */
  sendJson(status: number, value: unknown): void {
    this.send(status, JSON.stringify(value) + '\n', 'application/json');
  }

  noContent(status = 204): void {
    if (this.responded) return;
    this.responded = true;
    if (this.upgrade) return this.writeRaw(status, dockerHeaders(), '');
    this.res!.writeHead(status, dockerHeaders());
    this.res!.end();
  }

  sendError(err: unknown): void {
    const status = err instanceof DockerError ? err.statusCode : 500;
    const message = err instanceof Error ? err.message : String(err);
    if (status === 304) return this.noContent(304);
    this.sendJson(status, { message });
  }

  /** A streamed response (logs, import progress, events): headers now, body as it comes. */
  stream(status: number, contentType?: string): ServerResponse {
    this.responded = true;
    const res = this.res!;
    res.writeHead(status, { ...dockerHeaders(), ...(contentType ? { 'Content-Type': contentType } : {}) });
    res.flushHeaders();
    return res;
  }

  /**
   * Take over the connection for a raw bidirectional stream. With an upgrade request the answer is
   * `101 UPGRADED` (what dockerd sends); otherwise a 200 whose body is the raw stream until close.
   */
  hijack(contentType = 'application/vnd.docker.raw-stream'): Duplex {
    this.responded = true;
    if (this.upgrade) {
      const { socket, head } = this.upgrade;
      let text = 'HTTP/1.1 101 UPGRADED\r\n';
      text += `Content-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n`;
      for (const [k, v] of Object.entries(dockerHeaders())) text += `${k}: ${v}\r\n`;
      socket.write(text + '\r\n');
      if (head.length) socket.unshift(head);
      socket.resume();
      return socket;
    }
    const res = this.res!;
    const socket = res.socket!;
    res.chunkedEncoding = false;
    res.shouldKeepAlive = false;
    let text = `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n`;
    for (const [k, v] of Object.entries(dockerHeaders())) text += `${k}: ${v}\r\n`;
    socket.write(text + 'Connection: close\r\n\r\n');
    // the HTTP parser no longer owns this socket: what the client sends now is stdin
    socket.removeAllListeners('data');
    socket.removeAllListeners('timeout');
    socket.setTimeout(0);
    return socket;
  }
}

export type Handler = (ctx: Ctx) => Promise<void> | void;
