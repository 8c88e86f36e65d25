// The bridge that every container's veth joins. ref-dockerd either adopts the one named by
// `--bridge` (the harness gives each engine its own) or, like dockerd's docker0, creates one from
// `--bip`. Its IPv4 address is the containers' gateway and its subnet is the address pool.
import { ipBatch, run, CommandError } from './exec.js';
import { noBridgeAddress, noSuchBridge } from './errors.js';

/** dockerd's defaults when neither --bridge nor --bip is given. */
export const DEFAULT_BRIDGE = 'docker0';
export const DEFAULT_BIP = '172.17.0.1/16';

export interface BridgeInfo {
  name: string;
  /** the bridge's own address: the containers' default gateway */
  address: string;
  prefixLen: number;
}

interface IpAddrJson {
  ifname: string;
  mtu?: number;
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

export async function inspectBridge(name: string): Promise<BridgeInfo | undefined> {
  let out: string;
  try {
    out = await run('ip', ['-j', 'addr', 'show', 'dev', name]);
  } catch (err) {
    if (err instanceof CommandError && /does not exist|Cannot find device/.test(err.stderr)) return undefined;
    throw err;
  }
  const [link] = JSON.parse(out) as IpAddrJson[];
  if (!link) return undefined;
  const v4 = link.addr_info?.find((a) => a.family === 'inet');
  if (!v4) throw noBridgeAddress(name);
  return { name, address: v4.local, prefixLen: v4.prefixlen };
}

/** Adopt `name`, creating it from `bip` when it does not exist. `created` says whether we made it. */
export async function ensureBridge(name: string | undefined, bip: string | undefined): Promise<{ bridge: BridgeInfo; created: boolean }> {
  const bridgeName = name ?? DEFAULT_BRIDGE;
  const existing = await inspectBridge(bridgeName);
  if (existing) return { bridge: existing, created: false };
  // dockerd refuses a --bridge it did not find; it only creates its own default bridge.
  if (name && !bip) throw noSuchBridge(name);
  const cidr = bip ?? DEFAULT_BIP;
  await ipBatch([`link add ${bridgeName} type bridge`, `addr add ${cidr} dev ${bridgeName}`, `link set ${bridgeName} up`]);
  const made = await inspectBridge(bridgeName);
  if (!made) throw noSuchBridge(bridgeName);
  return { bridge: made, created: true };
}

export async function deleteBridge(name: string): Promise<void> {
  await run('ip', ['link', 'del', name]).catch((err) => {
    if (!(err instanceof CommandError && /Cannot find device/.test(err.stderr))) throw err;
  });
}
