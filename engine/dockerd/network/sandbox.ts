// A container's network sandbox: a network namespace pinned by a bind mount at
// <exec-root>/netns/<sandbox id, 12 hex> (dockerd's SandboxKey layout), so that it exists before the
// container's first process and the runtime can join it by path. For the bridge network a veth pair
// links it to the bridge: `veth<7 hex>` on the host, `eth0` inside with the address and Docker's MAC.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CommandError, ipBatch, run } from './exec.js';

export function randomHex(chars: number): string {
  return crypto.randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);
}

export function netnsDir(execRoot: string): string {
  return path.join(execRoot, 'netns');
}

/**
 * `unshare --net=<file>` makes a namespace and bind-mounts it on the file, as `ip netns add` does
 * but at our own path. It runs in a child process because a namespace change from Node's main
 * thread would leave libuv's other threads behind (docs/design.md).
 */
export async function createNetns(file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, '', { mode: 0o444 });
  try {
    await run('unshare', [`--net=${file}`, 'true']);
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
}

export async function isNetnsMounted(file: string): Promise<boolean> {
  try {
    // An nsfs bind mount has a different device from the directory that holds the file.
    const [f, d] = [fs.statSync(file), fs.statSync(path.dirname(file))];
    return f.dev !== d.dev;
  } catch {
    return false;
  }
}

/** Lazy unmount: a container process still inside keeps the namespace, the file goes away. */
export async function deleteNetns(file: string): Promise<void> {
  if (await isNetnsMounted(file)) {
    await run('umount', ['--lazy', file]).catch((err) => {
      if (!(err instanceof CommandError && /not mounted/.test(err.stderr))) throw err;
    });
  }
  fs.rmSync(file, { force: true });
}

/**
 * A namespace file that no endpoint record names is what a daemon killed between `unshare` and
 * saving the record leaves behind (the unshare child finishes without it). libnetwork collects such
 * sandboxes at its start too; doing it before any endpoint is made cannot take a live one.
 */
export async function deleteOrphanedNetns(dir: string, recorded: ReadonlySet<string>): Promise<string[]> {
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const orphans = names.map((n) => path.join(dir, n)).filter((f) => !recorded.has(f));
  for (const f of orphans) await deleteNetns(f);
  return orphans;
}

export async function loopbackUp(netnsPath: string): Promise<void> {
  await ipBatch(['link set lo up'], netnsPath);
}

export interface VethConfig {
  netnsPath: string;
  bridge: string;
  hostVeth: string;
  ipAddress: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
}

/**
 * The peer is created directly inside the namespace under its final name, so there is no moment
 * where a second "eth0" would collide with the host's, and no rename step.
 */
export async function attachVeth(c: VethConfig): Promise<void> {
  await ipBatch([
    `link add ${c.hostVeth} type veth peer name eth0 address ${c.macAddress} netns ${c.netnsPath}`,
    `link set ${c.hostVeth} master ${c.bridge}`,
    `link set ${c.hostVeth} up`,
  ]);
  try {
    await ipBatch(
      [
        'link set lo up',
        `addr add ${c.ipAddress}/${c.prefixLen} brd + dev eth0`,
        'link set eth0 up',
        `route add default via ${c.gateway} dev eth0`,
      ],
      c.netnsPath,
    );
  } catch (err) {
    await deleteVeth(c.hostVeth);
    throw err;
  }
}

/** Deleting one end of a veth pair deletes both. Gone already (its namespace died) is fine. */
export async function deleteVeth(hostVeth: string): Promise<void> {
  await run('ip', ['link', 'del', hostVeth]).catch((err) => {
    if (!(err instanceof CommandError && /Cannot find device|does not exist/.test(err.stderr))) throw err;
  });
}
