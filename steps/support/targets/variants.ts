// Target variants: one engine with one component swapped for the other engine's, through the plug
// points dockerd itself has (--init-path, --userland-proxy-path, --add-runtime). Real dockerd
// accepting a reference component in place of its own is the strongest conformance check there is;
// the reverse (ref-dockerd with Docker's binary) checks that the reference daemon drives the real
// component through the same contract. Everything a variant changes is here, as data: the daemon
// flags, the process name that now plays the swapped role (so that "no runc process is left" still
// means the runtime on docker+ref-runc), the binary that role has, and the areas that exercise it.
import { ManagedEngine } from './managed-engine.js';
import { shimFirstInPath as pathWithShim } from './shim-path.js';
import { dockerTarget, newDockerEngine } from './docker.js';
import { referenceTarget, newReferenceEngine } from './reference.js';
import { Role, TargetInfo } from './types.js';
import { runscRuntime } from './runsc.js';

/** What plays the swapped role: the other engine, or a runtime of its own (runsc.ts). */
type Provider = { roleNames: Partial<Record<Role, string>>; binaryPath(role: Role): string };

interface VariantSpec {
  name: string;
  base: 'docker' | 'reference';
  /** the role taken over from the other engine, played by `by`'s binary and process name */
  role: Role;
  by: Provider;
  /** daemon flags that plug the swapped binary in, given its path */
  flags: (path: string) => string[];
  /** environment for the daemon (and what it starts), given the swapped binary's path */
  env?: (path: string) => NodeJS.ProcessEnv;
  defaultTags: string;
}

/** The PATH that puts `shim` first under containerd's name for the runc shim (shim-path.ts). */
const shimFirstInPath = (shim: string): NodeJS.ProcessEnv => ({ PATH: pathWithShim(shim) });

// The runtime is exercised by every scenario that runs a container, but these areas assert on
// what runc does (create/start/exit, the shim's child, the init it execs, the namespaces and
// cgroups it sets up); the others would only repeat it.
const RUNTIME_AREAS = '@runtime or @shim or @init or @isolation';

const specs: VariantSpec[] = [
  { name: 'docker+ref-init', base: 'docker', role: 'docker-init', by: referenceTarget, flags: (p) => ['--init-path', p], defaultTags: '@init' },
  { name: 'docker+ref-proxy', base: 'docker', role: 'docker-proxy', by: referenceTarget, flags: (p) => ['--userland-proxy-path', p], defaultTags: '@proxy' },
  // dockerd refuses to redefine its stock runtime ("runtime name 'runc' is reserved"), so ref-runc
  // is added under its own name and made the default.
  {
    name: 'docker+ref-runc',
    base: 'docker',
    role: 'runc',
    by: referenceTarget,
    flags: (p) => ['--add-runtime', `ref-runc=${p}`, '--default-runtime', 'ref-runc'],
    defaultTags: RUNTIME_AREAS,
  },
  // ref-dockerd lets --add-runtime redefine "runc" (its own default is ref-runc under that name):
  // the default runtime keeps Docker's name and becomes the real runc.
  // Real dockerd and real containerd; containerd finds ref-containerd-shim under the runc shim's
  // name first in its PATH and drives it over ttrpc (containerd.task.v2), the shim running real runc.
  {
    name: 'docker+ref-shim',
    base: 'docker',
    role: 'containerd-shim',
    by: referenceTarget,
    flags: () => [],
    env: shimFirstInPath,
    defaultTags: RUNTIME_AREAS,
  },
  // ref-dockerd and ref-containerd; ref-containerd finds the real containerd-shim-runc-v2 first in
  // its PATH and drives it over ttrpc, the shim running ref-runc.
  {
    name: 'reference+shim',
    base: 'reference',
    role: 'containerd-shim',
    by: dockerTarget,
    flags: () => [],
    env: shimFirstInPath,
    defaultTags: RUNTIME_AREAS,
  },
  { name: 'reference+runc', base: 'reference', role: 'runc', by: dockerTarget, flags: (p) => ['--add-runtime', `runc=${p}`], defaultTags: RUNTIME_AREAS },
  { name: 'reference+tini', base: 'reference', role: 'docker-init', by: dockerTarget, flags: (p) => ['--init-path', p], defaultTags: '@init' },
  { name: 'reference+docker-proxy', base: 'reference', role: 'docker-proxy', by: dockerTarget, flags: (p) => ['--userland-proxy-path', p], defaultTags: '@proxy' },
  // gVisor: added under its own name and made the default, as ref-runc is above.
  {
    name: 'docker+runsc',
    base: 'docker',
    role: 'runc',
    by: runscRuntime,
    flags: (p) => ['--add-runtime', `runsc=${p}`, '--default-runtime', 'runsc'],
    defaultTags: '@runtime or @init or @isolation',
  },
];

function variantInfo(spec: VariantSpec, base: TargetInfo): TargetInfo {
  return {
    name: spec.name,
    // A variant is defined by how its daemon is started, so it is always managed: attaching to
    // DOCKER_HOST's engine would silently test the unswapped one.
    mode: 'managed',
    roleNames: { ...base.roleNames, [spec.role]: spec.by.roleNames[spec.role]! },
    // Called on the target objects themselves: dockerTarget resolves names through its own roleNames.
    binaryPath: (role: Role) => (role === spec.role ? spec.by.binaryPath(role) : base.binaryPath(role)),
    externalContainerd: (dir: string) => {
      const c = base.externalContainerd(dir);
      // a containerd of its own must find the same shim: the same PATH, through env(1)
      const env = spec.env?.(spec.by.binaryPath(spec.role));
      return env ? { ...c, argv: ['/usr/bin/env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...c.argv] } : c;
    },
    defaultTags: spec.defaultTags,
  };
}

export interface VariantTarget {
  info: TargetInfo;
  newEngine(): ManagedEngine;
}

export const variantTargets: Record<string, VariantTarget> = Object.fromEntries(
  specs.map((spec) => {
    const base = spec.base === 'docker' ? dockerTarget : referenceTarget;
    const start = spec.base === 'docker'
      ? (name: string, flags: string[], env?: NodeJS.ProcessEnv) => newDockerEngine(name, flags, { dockerd: 'dockerd', env })
      : newReferenceEngine;
    const info = variantInfo(spec, base);
    // The path is resolved when the engine starts, not at import, so that a missing binary shows
    // up in the daemon's own error rather than as an import failure of every target.
    return [
      spec.name,
      { info, newEngine: () => start(spec.name, spec.flags(info.binaryPath(spec.role)), spec.env?.(info.binaryPath(spec.role))) },
    ];
  }),
);
