// Machine-wide resources handed to scenarios: host ports, subnets, engine directories. Parallel
// workers and other engines (a real Docker on the same machine) must never collide, so each
// claim is an atomic mkdir in a shared lock directory, released when the scenario ends.
import { mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { lockOwner, tryLock, unlock } from '../lib/dir-lock.js';

export const WORK_ROOT = process.env.DOCKSPEC_WORKDIR ?? '/tmp/dsp';
const LOCKS = join(WORK_ROOT, 'locks');

function claim(kind: string, key: string | number): boolean {
  mkdirSync(join(LOCKS, kind), { recursive: true });
  // a claim whose owning process is gone (a killed worker) is taken over (lib/dir-lock.ts)
  return tryLock(join(LOCKS, kind, String(key)));
}

export function release(kind: string, key: string | number): void {
  unlock(join(LOCKS, kind, String(key)));
}

/** Release every claim this process still holds (end of a worker). */
export function releaseAllOwnedBy(pid = process.pid): void {
  let kinds: string[];
  try {
    kinds = readdirSync(LOCKS);
  } catch {
    return;
  }
  for (const kind of kinds) {
    for (const key of readdirSync(join(LOCKS, kind))) {
      if (lockOwner(join(LOCKS, kind, key)) === pid) release(kind, key);
    }
  }
}

async function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A TCP port free on every address (engines bind 0.0.0.0 and ::), claimed for this scenario. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if (!claim('port', port)) continue;
    if ((await bindable(port, '0.0.0.0')) && (await bindable(port, '::'))) return port;
    release('port', port);
  }
  throw new Error('no free TCP port found between 20000 and 40000 after 200 attempts');
}

export interface Subnet {
  index: number;
  /** gateway address with prefix, for the bridge: 10.213.7.1/24 */
  gatewayCidr: string;
  network: string;
}

function routedNetworks(): string {
  try {
    return execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

/** A /24 in 10.213.0.0/16 that no route on this machine uses yet. */
export function freeSubnet(): Subnet {
  const routes = routedNetworks();
  for (let i = 1; i < 255; i++) {
    const network = `10.213.${i}.0`;
    if (routes.includes(`${network}/`)) continue;
    if (!claim('subnet', i)) continue;
    return { index: i, gatewayCidr: `10.213.${i}.1/24`, network: `${network}/24` };
  }
  throw new Error('no free /24 left in 10.213.0.0/16 for an engine bridge');
}

export function shortId(): string {
  return randomBytes(4).toString('hex');
}
