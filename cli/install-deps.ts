// `dockspec install-deps`: installs the Debian packages that are missing, as root on Debian or
// Ubuntu; elsewhere it prints the command to run.
import { spawnSync } from 'node:child_process';
import { checkRequirements, isDebianLike, TargetName } from './requirements.js';
import { installBundles } from './bundle-deps.js';
import type { BundleName } from '../steps/support/targets/bundles.js';

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
