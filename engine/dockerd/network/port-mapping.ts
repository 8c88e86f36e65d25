// Published ports as libnetwork's bridge driver maps them: a PortBindings map turned into one
// mapping per host address and port (the 0.0.0.0 and :: pair of a binding without a host IP
// sharing one port), and the port each gets from the allocator.
import type { PortMap } from './types.js';
import type { PortAllocator } from './port-allocator.js';
import type { ProxySpec } from './proxy-launcher.js';
import * as E from './errors.js';

/** libnetwork retries an ephemeral mapping whose proxy could not bind, with the next port. */
export const EPHEMERAL_ATTEMPTS = 10;

/** One host address and port as allocated and proxied. */
export interface Mapping extends ProxySpec {
  containerPortKey: string; // "80/tcp"
  /** asked for no particular port: may be retried with another */
  ephemeral: boolean;
  rangeFrom?: number;
  rangeTo?: number;
}

/** Mappings that share one host port: the 0.0.0.0 and :: pair of a binding without a host IP. */
export type Unit = Mapping[];

/** "80/tcp" → [80, "tcp"], "80" → [80, "tcp"]; a range "8000-8010/tcp" is not a container port Docker accepts here. */
function parsePortKey(key: string): [number, string] {
  const [port, proto = 'tcp'] = key.split('/');
  const n = Number(port);
  if (!/^\d+$/.test(port ?? '') || n < 1 || n > 65535) throw E.invalidPort(key);
  return [n, proto.toLowerCase()];
}

/** "" / "0" → ephemeral; "8080"; "8000-8010" → first free in the range. */
function parseHostPort(text: string): { port: number; from?: number; to?: number } {
  if (text === '' || text === '0') return { port: 0 };
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw E.invalidPort(text);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > 65535 || to > 65535 || to < from) throw E.invalidPort(text);
  return from === to ? { port: from } : { port: 0, from, to };
}

/** One unit per binding, in the order of the sorted container ports, each with its host addresses. */
export function portMappings(ports: PortMap, containerIp: string): Unit[] {
  const out: Unit[] = [];
  for (const key of Object.keys(ports).sort()) {
    const [containerPort, proto] = parsePortKey(key);
    for (const raw of ports[key] ?? []) {
      const hp = parseHostPort(raw?.HostPort ?? '');
      // "" means every address; Docker then runs one proxy for 0.0.0.0 and one for ::.
      const hostIps = raw?.HostIp ? [raw.HostIp] : ['0.0.0.0', '::'];
      out.push(
        hostIps.map((hostIp) => ({
          proto,
          hostIp,
          hostPort: hp.port,
          containerIp,
          containerPort,
          containerPortKey: `${containerPort}/${proto}`,
          ephemeral: hp.port === 0,
          rangeFrom: hp.from,
          rangeTo: hp.to,
        })),
      );
    }
  }
  return out;
}

/**
 * The unit's members get one port: for an ephemeral one the first that is free on every member's
 * address (Docker shows `0.0.0.0:32768` and `[::]:32768` for one `-p 80`).
 */
export function allocatePort(ports: PortAllocator, u: Unit): void {
  const [first, ...rest] = u;
  if (!first) return;
  for (let tries = 0; ; tries++) {
    const port = ports.request(first.proto, first.hostIp, first.hostPort, first.rangeFrom, first.rangeTo);
    const taken: Mapping[] = [];
    try {
      for (const m of rest) {
        ports.request(m.proto, m.hostIp, port);
        taken.push(m);
      }
    } catch (err) {
      for (const m of taken) ports.release(m.proto, m.hostIp, port);
      ports.release(first.proto, first.hostIp, port);
      if (!first.ephemeral || tries >= EPHEMERAL_ATTEMPTS) throw err;
      continue;
    }
    for (const m of u) m.hostPort = port;
    return;
  }
}
