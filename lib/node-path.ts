// Which Node.js runs the reference engine's processes. The bins start with `#!/usr/bin/env node`
// and ref-runc's native front door execs `node`, so a bare PATH lookup would decide, and a daemon
// started from Node 24 could run its shims or runtime on whatever older node PATH finds first.
// Everything dockspec and the reference daemons start gets, instead, a PATH whose first `node` is
// the one running now (process.execPath), whatever PATH said.
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** The first `node` on a PATH, resolved, or undefined. */
function nodeOn(path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'node');
    if (existsSync(candidate)) {
      try {
        return realpathSync(candidate);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** PATH with the directory of this process's node in front, unless its first `node` already is this one. */
export function pathWithThisNode(path = process.env.PATH ?? ''): string {
  const self = realpathSync(process.execPath);
  if (nodeOn(path) === self) return path;
  const dir = dirname(process.execPath);
  // process.execPath may be a copy whose name is not "node" (a renamed binary): nothing to put first.
  if (!existsSync(join(dir, 'node')) || realpathSync(join(dir, 'node')) !== self) return path;
  return [dir, ...path.split(delimiter).filter((d) => d && d !== dir)].join(delimiter);
}

/** Makes this process's children (and theirs) find this process's node first. */
export function pinNode(): void {
  process.env.PATH = pathWithThisNode();
}
