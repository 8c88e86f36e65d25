// The harness's shim directories live under its work root, one per shim, shared by runs
// (lib/shim-path.ts says why a PATH chooses containerd's shim).
import { join } from 'node:path';
import { WORK_ROOT } from '../resources.js';
import { shimFirstInPath as pathWithShimIn } from '../../lib/shim-path.js';

/** PATH with `shim` first under containerd's name for it. */
export function shimFirstInPath(shim: string, path?: string): string {
  return pathWithShimIn(join(WORK_ROOT, 'shim-path', shim.replace(/[^A-Za-z0-9]+/g, '_').slice(-80)), shim, path);
}
