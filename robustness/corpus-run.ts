// Send the corpus to one engine and summarise each answer as (status, message), the two things a
// client sees. Shared by the recorder (real dockerd) and the test (ref-dockerd).
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Case, CORPUS, ESCAPE_TARGETS, IMAGE } from './corpus.js';
import { exchange, ping, RawResponse } from './raw-http.js';
import { imageTarball } from '../harness/test-image.js';
import type { ManagedEngine } from '../harness/targets/managed-engine.js';

export interface Answer {
  status: number;
  message: string;
  /** the daemon answered /_ping right after */
  alive?: boolean;
  ms?: number;
}

function requestBytes(c: Case): Buffer | (() => Iterable<Buffer>) {
  if (c.raw) return c.raw;
  const body = c.body;
  const length = typeof body === 'function' ? c.length! : Buffer.byteLength(body ?? '');
  let head = `${c.method} ${c.path} HTTP/1.1\r\nHost: docker\r\n`;
  for (const [k, v] of Object.entries(c.headers ?? {})) head += `${k}: ${v}\r\n`;
  if (body !== undefined || c.method === 'POST') head += `Content-Length: ${length}\r\n`;
  head += 'Connection: close\r\n\r\n';
  const headBuf = Buffer.from(head, 'latin1');
  if (typeof body === 'function') return () => [headBuf, ...body()];
  return Buffer.concat([headBuf, Buffer.from(body ?? '')]);
}

/**
 * What a client would show: the JSON `message`, or the `error` of a JSON progress stream (an
 * import fails inside a 200 stream), or the plain text. Engine-specific parts (ids, the engine's
 * directory, Go's temporary names) are replaced by placeholders so two engines compare.
 */
export function summarise(r: RawResponse, engineRoot: string): Answer {
  let message = r.error ?? '';
  const text = r.body.toString('utf8').trim();
  if (!r.error) {
    message = text;
    for (const line of text.split(/\r?\n/)) {
      try {
        const v = JSON.parse(line) as { message?: string; error?: string };
        if (typeof v.message === 'string') message = v.message;
        else if (typeof v.error === 'string') message = v.error;
        else continue;
        break;
      } catch {
        /* not JSON: keep the text */
      }
    }
  }
  message = message
    .split(engineRoot).join('<root>')
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:<id>')
    .replace(/\b[0-9a-f]{64}\b/g, '<id>')
    .replace(/<root>\/data\/tmp\/[^/\s"]+/g, '<root>/data/tmp/<tmp>');
  // a redirect (Go's mux cleaning a path) is told by where it points
  if (r.status >= 300 && r.status < 400) message = `-> ${r.headers.location ?? ''}`;
  if (message.length > 400) message = `${message.slice(0, 400)}…`;
  return { status: r.status, message };
}

export async function importTestImage(engine: ManagedEngine): Promise<void> {
  execFileSync('docker', ['import', imageTarball(), IMAGE], { env: { ...process.env, DOCKER_HOST: engine.dockerHost }, stdio: 'pipe' });
}

export function escapesPresent(): string[] {
  return ESCAPE_TARGETS.filter((p) => existsSync(p));
}

export async function runCorpus(engine: ManagedEngine, cases: Case[] = CORPUS, onAnswer?: (c: Case, a: Answer) => void): Promise<Record<string, Answer>> {
  const socket = engine.dockerHost.replace(/^unix:\/\//, '');
  const out: Record<string, Answer> = {};
  for (const c of cases) {
    const t0 = Date.now();
    const r = await exchange(socket, requestBytes(c), 60000);
    const a = summarise(r, engine.root);
    a.ms = Date.now() - t0;
    a.alive = await ping(socket);
    out[c.id] = a;
    onAnswer?.(c, a);
  }
  return out;
}
