// `dockspec doctor`: says, for each target, what is there and what is missing and how to get it.
import { existsSync } from 'node:fs';
import { checkRequirements, TargetName } from './requirements.js';

/** The host's cgroup layout, and the driver both engines are started with on it (targets/docker.ts). */
export function cgroupHost(root = '/sys/fs/cgroup'): string {
  let mode: string;
  if (existsSync(`${root}/cgroup.controllers`)) mode = 'cgroup v2 (unified)';
  else if (existsSync(`${root}/unified/cgroup.controllers`)) mode = 'cgroup v1 (hybrid: v1 controllers, cgroup2 at unified/)';
  else if (existsSync(`${root}/memory`)) mode = 'cgroup v1 (legacy)';
  else return `no cgroup file system at ${root}`;
  return `${mode}; both engines use the cgroupfs cgroup driver`;
}

export function doctor(targets: TargetName[], out: NodeJS.WritableStream = process.stdout): number {
  let blocking = 0;
  out.write(`host: ${cgroupHost()}\n`);
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
