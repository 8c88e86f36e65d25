// Engines from another Debian release, kept beside the system's packages instead of installed over
// them: `dockspec install-deps --target docker26` (cli/fetch-bundle.ts) downloads a bundle's .deb
// files with a private apt configuration and unpacks them with `dpkg -x` into the bundle's directory;
// the targets run the binaries from there. What was fetched, and the version line each binary printed
// when it was checked, is kept in manifest.json: the report's column and `doctor` read it, and a run
// never needs the network.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { whichSync } from './which.js';

export type BundleName = 'docker26' | 'runsc';

export interface BundleBinary {
  /** a path inside the unpacked tree (usr/sbin/dockerd), or an absolute one for a system binary the bundle uses */
  path: string;
  versionArgs: string[];
}

export interface Bundle {
  name: BundleName;
  /** what it is for, shown by doctor */
  why: string;
  /** the Debian suite the packages come from, on the mirror the system already uses */
  suite: string;
  /** apt-get download arguments (name or name/suite) */
  packages: string[];
  /** binaries that must run once unpacked; the version each prints is recorded */
  binaries: BundleBinary[];
  /**
   * Scripts written into the unpacked tree that exec a binary with fixed leading arguments: the
   * runtime arguments a host needs, for a runtime plugged in with `--add-runtime name=path`.
   */
  wrappers?: { path: string; exec: string; args: string[] }[];
}

export const BUNDLES: Record<BundleName, Bundle> = {
  docker26: {
    name: 'docker26',
    why: 'the docker26 target runs dockerd 26.1 with containerd 1.7 from Debian 13 (trixie)',
    suite: 'trixie',
    packages: ['docker.io', 'containerd', 'tini'],
    binaries: [
      { path: 'usr/sbin/dockerd', versionArgs: ['--version'] },
      { path: 'usr/sbin/docker-proxy', versionArgs: ['--version'] },
      { path: 'usr/bin/containerd', versionArgs: ['--version'] },
      { path: 'usr/bin/containerd-shim-runc-v2', versionArgs: ['-v'] },
      { path: 'usr/bin/ctr', versionArgs: ['--version'] },
      { path: 'usr/bin/docker-init', versionArgs: ['--version'] },
      // trixie's runc is linked against glibc 2.38+, which Debian 12 does not have: the bundle runs
      // Debian 12's runc (the `runc` package), found on the system's PATH.
      { path: 'runc', versionArgs: ['--version'] },
    ],
  },
  runsc: {
    name: 'runsc',
    why: "the docker+runsc variant runs gVisor's runsc as the OCI runtime",
    suite: 'bookworm-backports',
    packages: ['runsc/bookworm-backports'],
    // runsc's default network stack (its own, fed from the container's veth) does not come up on
    // this project's machines; --network=none gives the sandbox only loopback. dockerd's
    // "runtimeArgs" would say the same, but only in a daemon.json, whose "runtimes" and
    // "default-runtime" a scenario's own --add-runtime/--default-runtime flags then collide with
    // ("specified both as a flag and in the configuration file"): so a wrapper passes them.
    wrappers: [{ path: 'dockspec/bin/runsc', exec: 'usr/bin/runsc', args: ['--network=none'] }],
    binaries: [
      { path: 'usr/bin/runsc', versionArgs: ['--version'] },
      { path: 'dockspec/bin/runsc', versionArgs: ['--version'] },
    ],
  },
};

/** Where bundles live: outside the checkout, so that a fresh clone or `git clean` keeps them. */
export function cacheRoot(): string {
  return process.env.DOCKSPEC_CACHE_DIR || '/var/cache/dockspec';
}

export function bundleDir(name: BundleName): string {
  return join(cacheRoot(), name);
}

/** The unpacked tree (`dpkg -x` target) of a bundle. */
export function bundleRoot(name: BundleName): string {
  return join(bundleDir(name), 'root');
}

export interface Manifest {
  bundle: BundleName;
  suite: string;
  mirror: string;
  fetchedAt: string;
  /** package → exact Debian version of the .deb that was unpacked */
  packages: Record<string, string>;
  /** binary (as in Bundle.binaries) → absolute path and the first line of its version output */
  binaries: Record<string, { path: string; version: string }>;
}

export function manifestPath(name: BundleName): string {
  return join(bundleDir(name), 'manifest.json');
}

export function readManifest(name: BundleName): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(manifestPath(name), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** The binary a bundle entry names: inside the unpacked tree, or (a bare name) from the system's PATH. */
export function resolveBinary(name: BundleName, path: string): string | undefined {
  if (!path.includes('/')) return whichSync(path);
  const abs = path.startsWith('/') ? path : join(bundleRoot(name), path);
  try {
    accessSync(abs, constants.X_OK);
    return abs;
  } catch {
    return undefined;
  }
}

/** Run a binary's version command; the first non-empty line, or undefined when it does not run. */
export function versionLine(bin: string, args: string[]): string | undefined {
  try {
    const out = execFileSync(bin, args, { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n').map((l) => l.trim()).filter(Boolean).join(' ').slice(0, 200) || undefined;
  } catch {
    return undefined;
  }
}

/** Installed: a manifest, and every binary it lists still there. Cheap enough for every `run`. */
export function bundleInstalled(name: BundleName): boolean {
  const m = readManifest(name);
  if (!m) return false;
  return BUNDLES[name].binaries.every((b) => m.binaries[b.path] && existsSync(m.binaries[b.path].path));
}

/**
 * PATH for a daemon of the bundle: the unpacked sbin and bin first, so that dockerd finds the
 * bundle's containerd, shim, docker-proxy and docker-init before the system's, then the system's
 * PATH (runc).
 */
export function bundlePath(name: BundleName, path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string {
  const root = bundleRoot(name);
  return [join(root, 'usr', 'sbin'), join(root, 'usr', 'bin'), path].join(':');
}

/** One line naming the versions, for the report's column ("dockerd 26.1.5+dfsg1 (containerd 1.7.24~ds1, …)"). */
export function bundleVersions(name: BundleName): string | undefined {
  const m = readManifest(name);
  if (!m) return undefined;
  return Object.entries(m.packages)
    .map(([pkg, v]) => `${pkg} ${v}`)
    .join(', ');
}
