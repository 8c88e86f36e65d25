// `dockspec install-deps`: installs the Debian packages that are missing, as root on Debian or
// Ubuntu; elsewhere it prints the command to run.
import { spawnSync } from 'node:child_process';
import { checkRequirements, isDebianLike, TargetName } from './requirements.js';
import { Command } from './command.js';
import { TARGET_OPTION, baseTargets, targetsOf } from './targets.js';
import { bundlesOf, installBundles } from './bundle-deps.js';
import type { BundleName } from '../harness/targets/bundles.js';

export function missingPackages(targets: TargetName[]): string[] {
  const pkgs = new Set<string>();
  for (const { requirement, ok } of checkRequirements(targets)) if (!ok && requirement.debianPackage) pkgs.add(requirement.debianPackage);
  // the native build needs both the compiler and the static libc
  if (pkgs.has('gcc')) pkgs.add('libc6-dev');
  return [...pkgs].sort();
}

/** `bundles` (docker26, runsc) are fetched after the packages, which they build on (runc, the CLI). */
export function installDeps(targets: TargetName[], opts: { dryRun?: boolean } = {}, bundles: BundleName[] = []): number {
  const code = installPackages(targets, opts);
  return code !== 0 || !bundles.length ? code : installBundles(bundles, opts);
}

function installPackages(targets: TargetName[], opts: { dryRun?: boolean }): number {
  const pkgs = missingPackages(targets);
  if (!pkgs.length) {
    console.log(`install-deps: nothing to install for ${targets.join(' and ')}.`);
    return 0;
  }
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs.join(' ')}`;
  if (opts.dryRun || !isDebianLike() || process.getuid?.() !== 0) {
    const why = opts.dryRun ? 'dry run' : !isDebianLike() ? 'this is not Debian or Ubuntu' : 'not running as root';
    console.log(`install-deps: ${why}; run this yourself:\n  ${command}`);
    return opts.dryRun ? 0 : 1;
  }
  console.log(`install-deps: installing ${pkgs.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...pkgs]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) {
      console.error(`install-deps: apt-get ${args[0]} failed with exit code ${r.status}`);
      return r.status ?? 1;
    }
  }
  return 0;
}

export const command: Command = {
  name: 'install-deps',
  summary: 'install the missing Debian packages (apt-get), or print the command',
  usage: `  dockspec install-deps [--target reference|docker|docker26|docker+runsc|all] [--dry-run]
      Install the missing Debian packages with apt-get (root on Debian/Ubuntu), or print the
      command. Default target: all. docker26 and docker+runsc also fetch their bundle (Debian 13's
      docker.io, containerd and tini; bookworm-backports' runsc) with a private apt configuration
      into /var/cache/dockspec (DOCKSPEC_CACHE_DIR), unpacked, never installed; once there,
      nothing is fetched again.
`,
  options: { ...TARGET_OPTION, 'dry-run': { type: 'boolean' } },
  run: ({ values }) => {
    const targets = targetsOf(values.target, 'all');
    return installDeps(baseTargets(targets), { dryRun: Boolean(values['dry-run']) }, bundlesOf(targets));
  },
};
