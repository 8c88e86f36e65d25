// A raw HTTP/1.1 exchange over a unix socket: the corpus needs to send bytes no well-behaved client
// would (garbage request lines, lying headers, 20 MiB bodies), so node:http's client is not used.
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** set when the connection closed or failed before a status line arrived */
  error?: string;
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = parseInt(b.subarray(i, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(b.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

export function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: raw, error: raw.length ? 'incomplete response' : 'connection closed without a response' };
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const c = l.indexOf(':');
    if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body };
}

/**
 * Send `request` (complete bytes: request line, headers, body) and read until the server closes.
 * The request should carry `Connection: close`; `timeoutMs` bounds a server that never answers.
 */
export function exchange(socketPath: string, request: Buffer | (() => Iterable<Buffer>), timeoutMs = 30000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let settled = false;
    const sock = net.connect(socketPath);
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const r = parseResponse(Buffer.concat(parts));
      if (error && !r.status) r.error = error;
      resolve(r);
    };
    const timer = setTimeout(() => finish(`no complete answer within ${timeoutMs} ms`), timeoutMs);
    sock.on('data', (c: Buffer) => {
      parts.push(c);
      // a server that answered early (e.g. 413 or 431) may keep the connection: stop at a full response
      const r = parseResponse(Buffer.concat(parts));
      const cl = r.headers['content-length'];
      if (r.status && cl !== undefined && r.body.length >= Number(cl)) finish();
    });
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (e) => finish(e.message));
    sock.on('connect', async () => {
      if (Buffer.isBuffer(request)) {
        sock.write(request);
        return;
      }
      // big bodies go in pieces with backpressure; a server that hangs up early ends the loop
      for (const chunk of request()) {
        if (settled || sock.destroyed) return;
        if (!sock.write(chunk)) {
          await new Promise<void>((r) => {
            const go = () => {
              sock.off('drain', go);
              sock.off('close', go);
              r();
            };
            sock.on('drain', go);
            sock.on('close', go);
          });
        }
      }
    });
  });
}

/** GET /_ping over a fresh connection: true when the daemon answers 200 OK. */
export async function ping(socketPath: string, timeoutMs = 10000): Promise<boolean> {
  const r = await exchange(socketPath, Buffer.from('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n'), timeoutMs);
  return r.status === 200 && r.body.toString() === 'OK';
}
