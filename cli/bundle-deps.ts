// What `doctor` and `install-deps` add for the targets that run binaries of a fetched bundle
// (harness/targets/bundles.ts) instead of the system's packages: docker26 needs the docker26
// bundle on top of everything the docker target needs (the CLI, runc, busybox, …); a variant that
// plugs runsc in needs the runsc bundle on top of its base's.
import { BUNDLES, BundleName, bundleDir, bundleInstalled, readManifest } from '../harness/targets/bundles.js';
import { fetchBundle } from './fetch-bundle.js';
import type { TargetName } from './requirements.js';

/** The bundles a list of targets (as given to --target) needs. */
export function bundlesOf(targets: string[]): BundleName[] {
  const out = new Set<BundleName>();
  for (const t of targets) {
    if (t.split('+')[0] === 'docker26') out.add('docker26');
    if (t.split('+').slice(1).includes('runsc')) out.add('runsc');
  }
  return [...out];
}

/** The target whose machine requirements (cli/requirements.ts) a target has: docker26 is docker's. */
export function requirementTarget(target: string): TargetName {
  const base = target.split('+')[0];
  return (base === 'docker26' ? 'docker' : base) as TargetName;
}

/** doctor's lines for the bundles; returns how many are missing. */
export function doctorBundles(bundles: BundleName[], out: NodeJS.WritableStream = process.stdout): number {
  let missing = 0;
  for (const name of bundles) {
    out.write(`bundle ${name}:\n`);
    const m = readManifest(name);
    if (m && bundleInstalled(name)) {
      out.write(`  ok       ${Object.entries(m.packages).map(([p, v]) => `${p} ${v}`).join(', ')} (Debian ${m.suite}, in ${bundleDir(name)})\n`);
      for (const [path, b] of Object.entries(m.binaries)) out.write(`           ${path}: ${b.version}\n`);
    } else {
      missing++;
      out.write(`  missing  ${BUNDLES[name].packages.join(', ')} from Debian ${BUNDLES[name].suite}: ${BUNDLES[name].why}; get it with: dockspec install-deps --target ${name === 'runsc' ? 'docker+runsc' : name}\n`);
    }
  }
  return missing;
}

/** install-deps for the bundles; 0 when all are in place. */
export function installBundles(bundles: BundleName[], opts: { dryRun?: boolean } = {}): number {
  let failed = 0;
  for (const name of bundles) {
    const r = fetchBundle(name, { dryRun: opts.dryRun, log: (l) => console.log(`install-deps: ${l}`) });
    console.log(`install-deps: ${r.message}`);
    if (!r.ok) failed++;
  }
  return failed ? 1 : 0;
}
