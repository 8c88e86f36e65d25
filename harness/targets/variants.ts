// Target variants: one engine with one component swapped for the other engine's, through the plug
// points dockerd itself has (--init-path, --userland-proxy-path, --add-runtime, --containerd).
// Real dockerd accepting a reference component in place of its own is the strongest conformance
// check there is; the reverse (ref-dockerd with Docker's binary) checks that the reference daemon
// drives the real component through the same contract. Everything a variant changes is here, as
// data: the daemon flags, the process names that now play the swapped roles (so that "no runc
// process is left" still means the runtime on docker+ref-runc), the binaries those roles have, and
// the areas that exercise them.
import { ManagedEngine } from './managed-engine.js';
import { shimFirstInPath as pathWithShim } from './shim-path.js';
import { dockerTarget, newDockerEngine } from './docker.js';
import { referenceTarget, newReferenceEngine } from './reference.js';
import { Role, TargetInfo } from './types.js';
import { runscRuntime } from './runsc.js';
import type { ContainerdCommand } from './separate-containerd.js';

/** What plays the swapped roles: the other engine, or a runtime of its own (runsc.ts). */
type Provider = {
  roleNames: Partial<Record<Role, string>>;
  binaryPath(role: Role): string;
  /** how it runs its containerd as a daemon of its own (the engines do; a runtime has none) */
  externalContainerd?: ContainerdCommand;
};

/** The binary of a swapped role, as the provider has it. */
type Bin = (role: Role) => string;

interface VariantSpec {
  name: string;
  base: 'docker' | 'reference';
  /**
   * the roles taken over from the other engine, played by `by`'s binaries and process names: one,
   * or containerd with what it runs (its shim, and the runtime the shim runs)
   */
  roles: Role[];
  by: Provider;
  /** daemon flags that plug the swapped binaries in */
  flags: (bin: Bin) => string[];
  /** environment for the daemon (and what it starts) */
  env?: (bin: Bin) => NodeJS.ProcessEnv;
  /**
   * containerd is swapped: the harness runs `by`'s containerd beside the daemon, one per engine,
   * and gives the daemon --containerd <its socket> (separate-containerd.ts); a daemon has no way
   * to be told which containerd binary to start itself.
   */
  separateContainerd?: boolean;
  defaultTags: string;
}

/** The PATH that puts `shim` first under containerd's name for the runc shim (shim-path.ts). */
const shimFirstInPath = (shim: string): NodeJS.ProcessEnv => ({ PATH: pathWithShim(shim) });

// The runtime is exercised by every scenario that runs a container, but these areas assert on
// what runc does (create/start/exit, the shim's child, the init it execs, the namespaces and
// cgroups it sets up); the others would only repeat it.
const RUNTIME_AREAS = '@runtime or @shim or @init or @isolation';

// containerd, in addition: the scenarios of its own API (ctr as a second client, events to every
// subscriber, the health service on its socket). The other @daemons scenarios are about the engine
// daemon, or about a containerd that is the daemon's child, which a separate one is not by design.
const CONTAINERD_AREAS = `${RUNTIME_AREAS} or @req:daemons.containerd-api-clients or @req:daemons.containerd-events or @req:daemons.containerd-grpc`;

const specs: VariantSpec[] = [
  { name: 'docker+ref-init', base: 'docker', roles: ['docker-init'], by: referenceTarget, flags: (bin) => ['--init-path', bin('docker-init')], defaultTags: '@init' },
  { name: 'docker+ref-proxy', base: 'docker', roles: ['docker-proxy'], by: referenceTarget, flags: (bin) => ['--userland-proxy-path', bin('docker-proxy')], defaultTags: '@proxy' },
  // dockerd refuses to redefine its stock runtime ("runtime name 'runc' is reserved"), so ref-runc
  // is added under its own name and made the default.
  {
    name: 'docker+ref-runc',
    base: 'docker',
    roles: ['runc'],
    by: referenceTarget,
    flags: (bin) => ['--add-runtime', `ref-runc=${bin('runc')}`, '--default-runtime', 'ref-runc'],
    defaultTags: RUNTIME_AREAS,
  },
  // ref-dockerd lets --add-runtime redefine "runc" (its own default is ref-runc under that name):
  // the default runtime keeps Docker's name and becomes the real runc.
  // Real dockerd and real containerd; containerd finds ref-containerd-shim under the runc shim's
  // name first in its PATH and drives it over ttrpc (containerd.task.v2), the shim running real runc.
  {
    name: 'docker+ref-shim',
    base: 'docker',
    roles: ['containerd-shim'],
    by: referenceTarget,
    flags: () => [],
    env: (bin) => shimFirstInPath(bin('containerd-shim')),
    defaultTags: RUNTIME_AREAS,
  },
  // ref-dockerd and ref-containerd; ref-containerd finds the real containerd-shim-runc-v2 first in
  // its PATH and drives it over ttrpc, the shim running ref-runc.
  {
    name: 'reference+shim',
    base: 'reference',
    roles: ['containerd-shim'],
    by: dockerTarget,
    flags: () => [],
    env: (bin) => shimFirstInPath(bin('containerd-shim')),
    defaultTags: RUNTIME_AREAS,
  },
  // Real dockerd on ref-containerd, started beside it: ref-containerd runs ref-containerd-shim (first
  // in its PATH, reference.ts), and the shim runs ref-runc, which dockerd names in the runc options
  // it sends with each container (added under its own name, as on docker+ref-runc).
  {
    name: 'docker+ref-containerd',
    base: 'docker',
    roles: ['containerd', 'containerd-shim', 'runc'],
    by: referenceTarget,
    flags: (bin) => ['--add-runtime', `ref-runc=${bin('runc')}`, '--default-runtime', 'ref-runc'],
    separateContainerd: true,
    defaultTags: CONTAINERD_AREAS,
  },
  // ref-dockerd on real containerd 1.6, started beside it with a private root, state and config
  // (docker.ts): containerd runs the real containerd-shim-runc-v2, and the shim the real runc,
  // which takes over ref-dockerd's runtime name "runc" (as on reference+runc).
  {
    name: 'reference+containerd',
    base: 'reference',
    roles: ['containerd', 'containerd-shim', 'runc'],
    by: dockerTarget,
    flags: (bin) => ['--add-runtime', `runc=${bin('runc')}`],
    separateContainerd: true,
    defaultTags: CONTAINERD_AREAS,
  },
  { name: 'reference+runc', base: 'reference', roles: ['runc'], by: dockerTarget, flags: (bin) => ['--add-runtime', `runc=${bin('runc')}`], defaultTags: RUNTIME_AREAS },
  { name: 'reference+tini', base: 'reference', roles: ['docker-init'], by: dockerTarget, flags: (bin) => ['--init-path', bin('docker-init')], defaultTags: '@init' },
  { name: 'reference+docker-proxy', base: 'reference', roles: ['docker-proxy'], by: dockerTarget, flags: (bin) => ['--userland-proxy-path', bin('docker-proxy')], defaultTags: '@proxy' },
  // gVisor: added under its own name and made the default, as ref-runc is above.
  {
    name: 'docker+runsc',
    base: 'docker',
    roles: ['runc'],
    by: runscRuntime,
    flags: (bin) => ['--add-runtime', `runsc=${bin('runc')}`, '--default-runtime', 'runsc'],
    defaultTags: '@runtime or @init or @isolation',
  },
];

function variantInfo(spec: VariantSpec, base: TargetInfo): TargetInfo {
  const swapped = (role: Role) => spec.roles.includes(role);
  const bin: Bin = (role) => spec.by.binaryPath(role);
  return {
    name: spec.name,
    // A variant is defined by how its daemon is started, so it is always managed: attaching to
    // DOCKER_HOST's engine would silently test the unswapped one.
    mode: 'managed',
    roleNames: { ...base.roleNames, ...Object.fromEntries(spec.roles.map((r) => [r, spec.by.roleNames[r]!])) },
    // Called on the target objects themselves: dockerTarget resolves names through its own roleNames.
    binaryPath: (role: Role) => (swapped(role) ? spec.by.binaryPath(role) : base.binaryPath(role)),
    externalContainerd: (dir: string) => {
      if (swapped('containerd')) return containerdOf(spec)(dir);
      const c = base.externalContainerd(dir);
      // a containerd of its own must find the same shim: the same PATH, through env(1)
      const env = spec.env?.(bin);
      return env ? { ...c, argv: ['/usr/bin/env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...c.argv] } : c;
    },
    defaultTags: spec.defaultTags,
  };
}

function containerdOf(spec: VariantSpec): ContainerdCommand {
  const by = spec.by;
  if (!by.externalContainerd) throw new Error(`${spec.name}: the provider of containerd cannot run one`);
  return (dir) => by.externalContainerd!(dir);
}

export interface VariantTarget {
  info: TargetInfo;
  newEngine(): ManagedEngine;
}

export const variantTargets: Record<string, VariantTarget> = Object.fromEntries(
  specs.map((spec) => {
    const base = spec.base === 'docker' ? dockerTarget : referenceTarget;
    const info = variantInfo(spec, base);
    const containerd = spec.separateContainerd ? containerdOf(spec) : undefined;
    // The paths are resolved when the engine starts, not at import, so that a missing binary shows
    // up in the daemon's own error rather than as an import failure of every target.
    const newEngine = () => {
      const flags = spec.flags(info.binaryPath);
      const env = spec.env?.(info.binaryPath);
      return spec.base === 'docker'
        ? newDockerEngine(spec.name, flags, { dockerd: 'dockerd', env, containerd })
        : newReferenceEngine(spec.name, flags, env, containerd);
    };
    return [spec.name, { info, newEngine }];
  }),
);
