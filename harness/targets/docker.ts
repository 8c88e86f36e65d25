// Real Docker, the oracle. Managed: dockerd with isolated roots on the harness's own bridge.
// Attached: the engine DOCKER_HOST names (also ssh://), which scenarios must not stop or restart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedEngine } from './managed-engine.js';
import { saveRecord } from './sweeper.js';
import { Role, TargetInfo } from './types.js';
import { whichSync } from './which.js';
import type { ContainerdCommand } from './separate-containerd.js';

export const dockerTarget: TargetInfo = {
  name: 'docker',
  mode: process.env.DOCKER_HOST && process.env.DOCKSPEC_ATTACH !== '0' ? 'attached' : 'managed',
  roleNames: {
    dockerd: 'dockerd',
    containerd: 'containerd',
    'containerd-shim': 'containerd-shim-runc-v2',
    runc: 'runc',
    'docker-init': 'docker-init',
    'docker-proxy': 'docker-proxy',
  },
  binaryPath(role: Role): string {
    return whichSync(this.roleNames[role]) ?? this.roleNames[role];
  },
  externalContainerd(dir: string) {
    const address = join(dir, 'containerd.sock');
    // An explicit config keeps the machine's /etc/containerd/config.toml out of it; the CRI plugin
    // is off (it would set up CNI and stream servers), and the "opt" plugin, which otherwise
    // installs into /opt/containerd, stays inside dir. --address also moves the ttrpc socket.
    const config = join(dir, 'config.toml');
    writeFileSync(
      config,
      [
        'version = 2',
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        '[plugins."io.containerd.internal.v1.opt"]',
        `  path = "${join(dir, 'opt')}"`,
        '',
      ].join('\n'),
    );
    return {
      argv: [this.binaryPath('containerd'), '--config', config, '--address', address, '--root', join(dir, 'root'), '--state', join(dir, 'state')],
      address,
    };
  },
};

/** Flags a variant adds, fixed or made from the engine (a config file in its directory). */
export type ExtraFlags = string[] | ((engine: ManagedEngine) => string[]);

/** Which dockerd to run and with what environment (docker26: the bundle's, its directories first in PATH). */
export interface DockerdBuild {
  dockerd: string;
  env?: NodeJS.ProcessEnv;
  /** a containerd run beside dockerd instead of dockerd's own (separate-containerd.ts) */
  containerd?: ContainerdCommand;
}

/**
 * Directories that every dockerd and containerd on the machine share, whatever their roots say:
 * the shims' sockets go to /run/containerd/s (containerd 1.6 and 1.7), dockerd 26 makes
 * /run/docker/plugins. The sweeper removes them when empty, deepest first.
 */
export const SHARED_RUN_DIRS = ['/run/containerd/s', '/run/containerd', '/run/docker/plugins', '/run/docker'];

/** `name` and `extraFlags` let a variant (variants.ts) start the same dockerd with a component swapped. */
export function newDockerEngine(name = 'docker', extraFlags: ExtraFlags = [], build: DockerdBuild = { dockerd: 'dockerd' }): ManagedEngine {
  const engine = new ManagedEngine(name, {
    argv: [build.dockerd],
    env: build.env,
    containerd: build.containerd,
    targetFlags: (e) => [
      '--bridge', e.bridge,
      // No NAT rules: nothing to leak into the host's iptables, and published ports then go
      // through docker-proxy, the process this suite is about.
      '--iptables=false',
      '--ip-masq=false',
      '--cgroup-parent', e.cgroupParent,
      // The reference's driver. On a systemd host with cgroup v2 alone, dockerd would pick the
      // systemd driver and then refuse --cgroup-parent unless it names a slice.
      '--exec-opt', 'native.cgroupdriver=cgroupfs',
      ...(typeof extraFlags === 'function' ? extraFlags(e) : extraFlags),
    ],
  });
  engine.record.sharedDirs = SHARED_RUN_DIRS;
  saveRecord(engine.record);
  return engine;
}
