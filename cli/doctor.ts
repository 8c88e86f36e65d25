// `dockspec doctor`: says, for each target, what is there and what is missing and how to get it.
import { checkRequirements, TargetName } from './requirements.js';
import { doctorBundles } from './bundle-deps.js';
import type { BundleName } from '../steps/support/targets/bundles.js';

/** `bundles`: the fetched engines (docker26, runsc) the chosen targets run, checked after the packages. */
export function doctor(targets: TargetName[], out: NodeJS.WritableStream = process.stdout, bundles: BundleName[] = []): number {
  let blocking = 0;
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
