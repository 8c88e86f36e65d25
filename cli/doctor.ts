// `dockspec doctor`: says what this host offers (host checks) and, for each target, what is there
// and what is missing and how to get it. A host check is one small function returning a Finding;
// add it to HOST_CHECKS.
import { checkRequirements, TargetName } from './requirements.js';
import { Command } from './command.js';
import { TARGET_OPTION, baseTargets, targetsOf } from './targets.js';
import { nodeVersionFinding } from './node-version.js';
import { cgroupLayout } from '../reports/run-info.js';
import { bundlesOf, doctorBundles } from './bundle-deps.js';
import type { BundleName } from '../harness/targets/bundles.js';

export interface Finding {
  name: string;
  /** ok: fine; note: works, with something to know; missing: blocks (doctor exits 1) */
  level: 'ok' | 'note' | 'missing';
  /** what was found and what works with it */
  detail: string;
}

export const HOST_CHECKS: Array<() => Finding> = [nodeVersionFinding, cgroupFinding];

/** The host's cgroup layout (as run.json records it), and the driver both engines use on it (targets/docker.ts). */
function cgroupFinding(): Finding {
  const layout = cgroupLayout();
  if (!layout) return { name: 'cgroups', level: 'missing', detail: 'no cgroup file system at /sys/fs/cgroup' };
  return { name: 'cgroups', level: 'ok', detail: `cgroup ${layout}; both engines use the cgroupfs cgroup driver` };
}

const MARK: Record<Finding['level'], string> = { ok: 'ok      ', note: 'note    ', missing: 'missing ' };

/** `bundles`: the fetched engines (docker26, runsc) the chosen targets run, checked after the packages. */
export function doctor(targets: TargetName[], out: NodeJS.WritableStream = process.stdout, bundles: BundleName[] = []): number {
  let blocking = 0;
  out.write('host:\n');
  for (const check of HOST_CHECKS) {
    const f = check();
    if (f.level === 'missing') blocking++;
    out.write(`  ${MARK[f.level]} ${f.name}: ${f.detail}\n`);
  }
  for (const target of targets) {
    out.write(`target ${target}:\n`);
    for (const { requirement: r, ok } of checkRequirements([target])) {
      if (ok) {
        out.write(`  ok       ${r.name}\n`);
      } else {
        blocking++;
        const how = r.debianPackage ? `apt-get install ${r.debianPackage}` : r.hint ?? '';
        out.write(`  missing  ${r.name}: ${r.why}; get it with: ${how}\n`);
      }
    }
  }
  blocking += doctorBundles(bundles, out);
  out.write(blocking ? `${blocking} missing; \`dockspec install-deps\` installs the Debian packages and fetches the bundles.\n` : 'everything the chosen targets need is here.\n');
  return blocking ? 1 : 0;
}

export const command: Command = {
  name: 'doctor',
  summary: 'check the host and what the targets need; exit 1 when something is missing',
  usage: `  dockspec doctor [--target reference|docker|docker26|all]
      Check the host (Node.js version) and what each target needs: ok, or missing with the
      Debian package that brings it, and the fetched bundles (docker26, runsc) with their
      versions. Exit 1 when something is missing. Default target: all.
`,
  options: { ...TARGET_OPTION },
  run: ({ values }) => {
    const targets = targetsOf(values.target, 'all');
    return doctor(baseTargets(targets), process.stdout, bundlesOf(targets));
  },
};
