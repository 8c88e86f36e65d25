// `dockspec doctor`: says, for each target, what is there and what is missing and how to get it.
import { checkRequirements, TargetName } from './requirements.js';

export function doctor(targets: TargetName[], out: NodeJS.WritableStream = process.stdout): number {
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
  out.write(blocking ? `${blocking} missing; \`dockspec install-deps\` installs the Debian packages.\n` : 'everything the chosen targets need is here.\n');
  return blocking ? 1 : 0;
}
