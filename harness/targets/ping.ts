// Readiness: an engine is up when GET /_ping answers 200, on the address clients will use.
import { request } from 'node:http';
import { pollUntil } from '../../lib/poll.js';

export interface Endpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

export function endpointOf(dockerHost: string): Endpoint {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('tcp://')) {
    const u = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 2375) };
  }
  throw new Error(`cannot ping ${dockerHost}: only unix:// and tcp:// can be checked directly`);
}

export function ping(dockerHost: string, timeoutMs = 2000): Promise<boolean> {
  const ep = endpointOf(dockerHost);
  return new Promise((resolve) => {
    const req = request({ ...ep, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Poll /_ping until it answers or the deadline passes; `alive` stops early when the daemon died.
 * Every 50 ms by default; the benchmarks, which time the start, poll every 5 ms.
 */
export async function waitForPing(dockerHost: string, deadlineMs: number, alive: () => boolean, intervalMs = 50): Promise<void> {
  const answered = async () => {
    if (await ping(dockerHost, 1000)) return true;
    if (!alive()) throw new Error(`the daemon exited before ${dockerHost} answered /_ping`);
    return false;
  };
  if (await pollUntil(answered, { timeoutMs: deadlineMs, intervalMs })) return;
  throw new Error(`${dockerHost} did not answer /_ping within ${deadlineMs} ms`);
}
