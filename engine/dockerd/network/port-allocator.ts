// Host ports handed to containers, per protocol and exact host IP string, as libnetwork's
// portallocator keeps them. Measured on dockerd 20.10.24:
// - the same IP, port and protocol twice is refused here, before any proxy starts;
// - 0.0.0.0:P and 127.0.0.1:P are different keys: the allocator lets both through and the second
//   proxy's bind fails instead ("Error starting userland proxy: listen tcp4 …: address already in use");
// - 127.0.0.1:P and 127.0.0.2:P both work;
// - ephemeral ports come from /proc/sys/net/ipv4/ip_local_port_range (32768 first here), the
//   allocator continuing after the last port it gave out, per IP and protocol.
import fs from 'node:fs';
import { faultEnabled } from '../../../lib/faults.js';

export const FALLBACK_RANGE: readonly [number, number] = [49153, 65535];

export function dynamicPortRange(file = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] {
  try {
    const [lo, hi] = fs.readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch {
    /* not Linux or no /proc: use Docker's own default */
  }
  return [FALLBACK_RANGE[0], FALLBACK_RANGE[1]];
}

export class PortAllocatedError extends Error {
  constructor(
    readonly hostIp: string,
    readonly hostPort: number,
  ) {
    super(`Bind for ${hostIp}:${hostPort} failed: port is already allocated`);
  }
}

export class PortsExhaustedError extends Error {
  constructor(readonly hostIp: string) {
    super(`Bind for ${hostIp}:0 failed: all ports are allocated`);
  }
}

interface PortMapState {
  used: Set<number>;
  last: number;
}

export class PortAllocator {
  private readonly maps = new Map<string, PortMapState>();

  constructor(readonly range: readonly [number, number] = dynamicPortRange()) {}

  private map(proto: string, hostIp: string): PortMapState {
    const key = `${proto}/${hostIp}`;
    let m = this.maps.get(key);
    if (!m) this.maps.set(key, (m = { used: new Set(), last: this.range[1] }));
    return m;
  }

  /**
   * `port` 0 asks for an ephemeral port in [from, to] (the dynamic range unless given: a `-p
   * 8000-8010:80` range); otherwise exactly that port.
   */
  request(proto: string, hostIp: string, port: number, from = this.range[0], to = this.range[1]): number {
    const m = this.map(proto, hostIp);
    if (port !== 0) {
      // Fault switch no-port-conflict-check (lib/faults.ts): a duplicate goes through to the proxy.
      if (m.used.has(port) && !faultEnabled('no-port-conflict-check')) throw new PortAllocatedError(hostIp, port);
      m.used.add(port);
      return port;
    }
    const size = to - from + 1;
    const start = m.last >= from && m.last < to ? m.last + 1 : from;
    for (let i = 0; i < size; i++) {
      const p = from + ((start - from + i) % size);
      if (!m.used.has(p)) {
        m.used.add(p);
        m.last = p;
        return p;
      }
    }
    throw new PortsExhaustedError(hostIp);
  }

  release(proto: string, hostIp: string, port: number): void {
    this.maps.get(`${proto}/${hostIp}`)?.used.delete(port);
  }

  isAllocated(proto: string, hostIp: string, port: number): boolean {
    return this.maps.get(`${proto}/${hostIp}`)?.used.has(port) ?? false;
  }
}
