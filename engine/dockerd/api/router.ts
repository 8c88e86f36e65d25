// Routes of the Engine API. Paths may carry a /v1.xx/ prefix; versions outside 1.12…1.41 get
// dockerd's texts (too new: JSON 400; too old: a plain-text 400, both measured). Unknown paths get
// `{"message":"page not found"}` without Docker's headers, as gorilla/mux answers in dockerd.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Ctx, dockerHeaders, type Handler } from './http.js';
import { API_VERSION, MIN_API_VERSION } from '../version.js';
import { logger } from '../log.js';
import { posix } from 'node:path';

interface Route {
  method: string;
  re: RegExp;
  keys: string[];
  handler: Handler;
}

function cmpVersion(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

/** The clean form of a request target's path (query kept) when it differs, as Go's path.Clean makes it. */
function cleanedPath(url: string): string | undefined {
  const q = url.indexOf('?');
  const raw = q < 0 ? url : url.slice(0, q);
  let p: string;
  try {
    p = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!p.startsWith('/')) p = `/${p}`;
  let clean = posix.normalize(p);
  if (clean.length > 1 && clean.endsWith('/') && !p.endsWith('/')) clean = clean.slice(0, -1);
  if (p.endsWith('/') && !clean.endsWith('/')) clean += '/';
  if (clean === p) return undefined;
  return clean + (q < 0 ? '' : url.slice(q));
}

export class Router {
  private routes: Route[] = [];

  /** `{name}` matches one segment; `{name*}` matches the rest (image names contain slashes). */
  add(method: string, pattern: string, handler: Handler): this {
    const keys: string[] = [];
    const src = pattern.replace(/\{(\w+)(\*?)\}/g, (_, k: string, star: string) => {
      keys.push(k);
      return star ? '(.+)' : '([^/]+)';
    });
    this.routes.push({ method, re: new RegExp(`^${src}$`), keys, handler });
    return this;
  }

  async dispatch(req: IncomingMessage, res: ServerResponse | undefined, upgrade?: { socket: Duplex; head: Buffer }): Promise<void> {
    const moved = cleanedPath(req.url ?? '/');
    if (moved !== undefined) {
      // gorilla/mux in dockerd redirects a path with `.`, `..` or empty segments to its clean form
      if (upgrade) upgrade.socket.end(`HTTP/1.1 301 Moved Permanently\r\nLocation: ${moved}\r\nContent-Length: 0\r\n\r\n`);
      else {
        res!.writeHead(301, { Location: moved, 'Content-Length': 0 });
        res!.end();
      }
      return;
    }
    const ctx = new Ctx(req, res, upgrade);
    let p = ctx.path.replace(/\/+$/, '') || '/';
    const vm = /^\/v([0-9]+\.[0-9]+)(\/.*)$/.exec(p);
    if (vm) {
      ctx.version = vm[1];
      p = vm[2];
    }
    const method = req.method === 'HEAD' && p === '/_ping' ? 'HEAD' : (req.method ?? 'GET');
    const route = this.routes.find((r) => r.method === method && r.re.test(p));
    if (!route) {
      const body = '{"message":"page not found"}\n';
      if (upgrade) {
        upgrade.socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      } else {
        res!.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': body.length });
        res!.end(body);
      }
      return;
    }
    if (vm && cmpVersion(ctx.version, API_VERSION) > 0) {
      const h = { ...dockerHeaders() } as Record<string, string>;
      delete h['Docker-Experimental'];
      const body = JSON.stringify({ message: `client version ${ctx.version} is too new. Maximum supported API version is ${API_VERSION}` }) + '\n';
      return this.plain(ctx, 400, h, body, 'application/json');
    }
    if (vm && cmpVersion(ctx.version, MIN_API_VERSION) < 0) {
      const h = { ...dockerHeaders() } as Record<string, string>;
      delete h['Docker-Experimental'];
      const body = `client version ${ctx.version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version\n`;
      return this.plain(ctx, 400, { ...h, 'X-Content-Type-Options': 'nosniff' }, body, 'text/plain; charset=utf-8');
    }
    const m = route.re.exec(p)!;
    route.keys.forEach((k, i) => (ctx.params[k] = decodeURIComponent(m[i + 1])));
    try {
      await route.handler(ctx);
    } catch (err) {
      if (!ctx.done) {
        ctx.sendError(err);
      } else {
        logger.debug('error after response started', { error: err as Error });
      }
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      if (status >= 500) logger.error(`Handler for ${req.method} ${ctx.path} returned error: ${(err as Error).message}`);
      else logger.debug(`Handler for ${req.method} ${ctx.path} returned error: ${(err as Error).message}`);
    }
  }

  private plain(ctx: Ctx, status: number, headers: Record<string, string>, body: string, type: string): void {
    if (ctx.upgrade) {
      let head = `HTTP/1.1 ${status} Bad Request\r\n`;
      for (const [k, v] of Object.entries({ ...headers, 'Content-Type': type })) head += `${k}: ${v}\r\n`;
      ctx.upgrade.socket.end(`${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    ctx.res!.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    ctx.res!.end(body);
  }
}
