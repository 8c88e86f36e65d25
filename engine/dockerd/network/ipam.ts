// Container addresses from the bridge's subnet. Like libnetwork's default IPAM for the bridge
// network, the lowest free address is handed out (measured on dockerd 20.10: after .3 is released,
// the next container gets .3 again), never the network address, the gateway or the broadcast.
// Allocations are kept on disk so that a restarted daemon does not give a live container's address
// to a new one.
import { readJson, writeJson } from './state-file.js';

export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function subnetOf(address: string, prefixLen: number): { network: string; broadcast: string; cidr: string } {
  const mask = prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
  const net = (ipToInt(address) & mask) >>> 0;
  const bcast = (net | (~mask >>> 0)) >>> 0;
  return { network: intToIp(net), broadcast: intToIp(bcast), cidr: `${intToIp(net)}/${prefixLen}` };
}

/** Docker derives the MAC from the IPv4 address: 02:42 then the four address bytes. */
export function macFromIp(ip: string): string {
  const n = ipToInt(ip);
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

interface IpamFile {
  subnet: string;
  /** address → container id */
  addresses: Record<string, string>;
}

export class Ipam {
  private readonly addresses = new Map<string, string>();
  readonly subnet: string;
  private readonly first: number;
  private readonly last: number;

  constructor(
    private readonly file: string,
    readonly gateway: string,
    readonly prefixLen: number,
  ) {
    const s = subnetOf(gateway, prefixLen);
    this.subnet = s.cidr;
    this.first = ipToInt(s.network) + 1;
    this.last = ipToInt(s.broadcast) - 1;
    const saved = readJson<IpamFile>(file);
    // A different subnet (the bridge was re-addressed) makes the old allocations meaningless.
    if (saved && saved.subnet === this.subnet) for (const [ip, owner] of Object.entries(saved.addresses)) this.addresses.set(ip, owner);
  }

  /** The owner's address if it has one already (a restarted daemon), else the lowest free one. */
  allocate(owner: string): string | undefined {
    for (const [ip, o] of this.addresses) if (o === owner) return ip;
    const gw = ipToInt(this.gateway);
    for (let n = this.first; n <= this.last; n++) {
      if (n === gw) continue;
      const ip = intToIp(n);
      if (this.addresses.has(ip)) continue;
      this.addresses.set(ip, owner);
      this.save();
      return ip;
    }
    return undefined;
  }

  release(ip: string): void {
    if (this.addresses.delete(ip)) this.save();
  }

  releaseOwner(owner: string): void {
    let changed = false;
    for (const [ip, o] of this.addresses) if (o === owner && this.addresses.delete(ip)) changed = true;
    if (changed) this.save();
  }

  owners(): string[] {
    return [...new Set(this.addresses.values())];
  }

  private save(): void {
    writeJson(this.file, { subnet: this.subnet, addresses: Object.fromEntries(this.addresses) } satisfies IpamFile);
  }
}
