// Where a shim listens: like containerd's `<dir of containerd.sock>/s/<sha256(address/ns/id)>`,
// beside containerd's socket so each engine instance keeps its shims apart. A unix socket path
// holds at most 107 bytes, so a long root falls back to a shorter hash, then to /run.
import path from 'node:path';

const SUN_PATH_MAX = 107;

export function shimSocketPath(containerdAddress: string, namespace: string, id: string): string {
  const sock = containerdAddress.replace(/^unix:\/\//, '');
  // node:crypto when first needed (Node >= 22.3): the serving shim gets its path from the socket it
  // was handed and never loads it (~1.2 MiB per shim, docs/benchmarks.md)
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(`${sock}/${namespace}/${id}`).digest('hex');
  const dir = path.join(path.dirname(sock), 's');
  for (const name of [hash, hash.slice(0, 32)]) {
    const p = path.join(dir, name);
    if (p.length <= SUN_PATH_MAX) return p;
  }
  return path.join('/run/ref-containerd/s', hash.slice(0, 32));
}

export function toAddress(socketPath: string): string {
  return `unix://${socketPath}`;
}

export function fromAddress(address: string): string {
  return address.trim().replace(/^unix:\/\//, '');
}
