// gVisor's runsc as the OCI runtime of real dockerd: the runtime that does not follow the article's
// picture. runsc create starts a sandbox (its own kernel, in user space) and a gofer (its file
// server) that stay for the container's life; the container's processes run inside the sandbox
// and are not processes of the host. From the runsc bundle (bundles.ts), through its wrapper that
// adds the runtime arguments this host needs.
import { join } from 'node:path';
import { bundleRoot, BUNDLES } from './bundles.js';
import { Role } from './types.js';

export const runscRuntime = {
  /** the process name runsc's own calls (create, start, kill, delete) have; sandbox and gofer call themselves runsc-sandbox and runsc-gofer */
  roleNames: { runc: 'runsc' } as Partial<Record<Role, string>>,
  binaryPath(role: Role): string {
    if (role !== 'runc') throw new Error(`runsc only plays the runtime, not ${role}`);
    return join(bundleRoot('runsc'), BUNDLES.runsc.wrappers![0].path);
  },
};
