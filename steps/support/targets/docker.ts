// Real Docker, the oracle. Managed: dockerd with isolated roots on the harness's own bridge.
// Attached: the engine DOCKER_HOST names (also ssh://), which scenarios must not stop or restart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedEngine } from './managed-engine.js';
import { Role, TargetInfo } from './types.js';
import { whichSync } from './which.js';

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

/** `name`, `extraFlags` and `env` let a variant (variants.ts) start the same dockerd with a component swapped. */
export function newDockerEngine(name = 'docker', extraFlags: string[] = [], env?: NodeJS.ProcessEnv): ManagedEngine {
  return new ManagedEngine(name, {
    argv: ['dockerd'],
    env,
    targetFlags: (e) => [
      '--bridge', e.bridge,
      // No NAT rules: nothing to leak into the host's iptables, and published ports then go
      // through docker-proxy, the process this suite is about.
      '--iptables=false',
      '--ip-masq=false',
      '--cgroup-parent', e.cgroupParent,
      ...extraFlags,
    ],
  });
}
