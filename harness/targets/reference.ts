// The bundled reference engine: ref-dockerd and its companions, started exactly as the docker
// target starts dockerd, from compiled JavaScript.
import { fileURLToPath } from 'node:url';
import { join, sep } from 'node:path';
import { ManagedEngine } from './managed-engine.js';
import { Role, TargetInfo } from './types.js';
import { shimFirstInPath } from './shim-path.js';
import type { ContainerdCommand } from './separate-containerd.js';
import { SHARED_RUN_DIRS } from './docker.js';
import { saveRecord } from './sweeper.js';

/** dist/ of this checkout: this module runs compiled, from somewhere below it. */
export const DIST = distDir(fileURLToPath(import.meta.url));

function distDir(file: string): string {
  const at = file.lastIndexOf(`${sep}dist${sep}`);
  if (at < 0) throw new Error(`${file} is not below a dist/ folder: run the compiled harness (npm run build)`);
  return file.slice(0, at + '/dist'.length);
}

const binaries: Record<Role, string> = {
  dockerd: join(DIST, 'bin', 'ref-dockerd.js'),
  containerd: join(DIST, 'bin', 'ref-containerd.js'),
  'containerd-shim': join(DIST, 'native', 'ref-containerd-shim'), // native start step, else bin/ref-containerd-shim.js
  // The native front door answers start/kill/delete without booting Node; it hands the rest to
  // dist/bin/ref-runc.js. Either is a complete runtime.
  runc: join(DIST, 'native', 'ref-runc'),
  'docker-init': join(DIST, 'native', 'ref-docker-init'),
  'docker-proxy': join(DIST, 'native', 'ref-docker-proxy'), // native, else bin/ref-docker-proxy.js
};

export const referenceTarget: TargetInfo = {
  name: 'reference',
  mode: 'managed',
  roleNames: {
    dockerd: 'ref-dockerd',
    containerd: 'ref-containerd',
    'containerd-shim': 'ref-containerd-shim',
    runc: 'ref-runc',
    'docker-init': 'ref-docker-init',
    'docker-proxy': 'ref-docker-proxy',
  },
  binaryPath: (role: Role) => binaries[role],
  // ref-containerd takes containerd's own flags for where it listens and keeps its state, and
  // finds its shim as containerd does, in PATH (shim-path.ts).
  externalContainerd: (dir: string) => {
    const address = join(dir, 'containerd.sock');
    return {
      argv: [
        '/usr/bin/env', `PATH=${shimFirstInPath(binaries['containerd-shim'])}`,
        process.execPath, binaries.containerd, '--address', address, '--root', join(dir, 'root'), '--state', join(dir, 'state'),
      ],
      address,
    };
  },
};

/**
 * `name`, `extraFlags` and `env` let a variant (variants.ts) start the same ref-dockerd with a
 * component swapped. The shim is chosen by the PATH that ref-dockerd hands down to its
 * ref-containerd (shim-path.ts): ref-containerd-shim unless a variant's env says otherwise.
 * `containerd`: ref-dockerd runs on that containerd, started beside it (separate-containerd.ts).
 */
export function newReferenceEngine(name = 'reference', extraFlags: string[] = [], env?: NodeJS.ProcessEnv, containerd?: ContainerdCommand): ManagedEngine {
  const engine = new ManagedEngine(name, {
    argv: [process.execPath, binaries.dockerd],
    env: env ?? { PATH: shimFirstInPath(binaries['containerd-shim']) },
    // As the docker target: the container cgroups go below a parent of this engine's own, which
    // the sweeper removes (sweeper.ts, cgroupParentDirs).
    targetFlags: (e) => ['--bridge', e.bridge, '--cgroup-parent', e.cgroupParent, ...extraFlags],
    containerd,
  });
  // a real containerd's shims put their sockets in /run/containerd/s whatever its root says
  if (containerd) {
    engine.record.sharedDirs = SHARED_RUN_DIRS;
    saveRecord(engine.record);
  }
  return engine;
}
