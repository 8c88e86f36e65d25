// Real Docker 26.1 (Debian 13's docker.io, containerd 1.7, tini) beside the system's 20.10: the
// same managed dockerd as the docker target, run from the docker26 bundle (bundles.ts) with the
// bundle's directories first in PATH, so that dockerd finds its own containerd, shim, docker-proxy
// and docker-init; runc is Debian 12's. Process names are Docker's, so every step reads as on docker.
import { join } from 'node:path';
import { dockerTarget, ExtraFlags, newDockerEngine } from './docker.js';
import { ManagedEngine } from './managed-engine.js';
import { bundlePath, bundleRoot, bundleVersions, readManifest } from './bundles.js';
import { Role, TargetInfo } from './types.js';
import { whichSync } from './which.js';

export const docker26Target: TargetInfo = {
  ...dockerTarget,
  name: 'docker26',
  // DOCKER_HOST names one engine, which docker (20.10) attaches to; docker26 is always its own.
  mode: 'managed',
  binaryPath(role: Role): string {
    return whichSync(this.roleNames[role], bundlePath('docker26')) ?? this.roleNames[role];
  },
  externalContainerd(dir: string) {
    const { argv, address } = dockerTarget.externalContainerd.call(this, dir);
    // containerd finds its shim on PATH: through env, so that the pid stays containerd's.
    return { argv: ['env', `PATH=${bundlePath('docker26')}`, ...argv], address };
  },
};

export function newDocker26Engine(name = 'docker26', extraFlags: ExtraFlags = []): ManagedEngine {
  return newDockerEngine(name, extraFlags, {
    dockerd: join(bundleRoot('docker26'), 'usr', 'sbin', 'dockerd'),
    env: { PATH: bundlePath('docker26') },
  });
}

/** The report's column: the bundle's exact package versions. */
export function docker26Version(): string | undefined {
  const v = bundleVersions('docker26');
  if (!v) return undefined;
  const runc = /runc version (\S+)/.exec(readManifest('docker26')?.binaries.runc?.version ?? '')?.[1];
  return `Docker Engine 26 (Debian trixie: ${v}; runc ${runc ?? '(unknown)'} of the system)`;
}
