// containerd has no flag for its shims: it resolves the runtime name io.containerd.runc.v2 to the
// binary containerd-shim-runc-v2 in its PATH (then beside its own executable). So an engine's shim
// is chosen by the PATH its containerd gets: a directory holding only `containerd-shim-runc-v2` →
// the wanted shim, put first, swaps the shim and nothing else. The reference target puts
// ref-containerd-shim there; a variant puts the other engine's shim.
import { mkdirSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { WORK_ROOT } from '../resources.js';
import { threadId } from 'node:worker_threads';

/** containerd's name for the shim of runtime io.containerd.runc.v2. */
export const RUNC_V2_SHIM = 'containerd-shim-runc-v2';

/** The directory holding `containerd-shim-runc-v2` → `shim`; made once, atomically, shared by runs. */
export function shimPathDir(shim: string): string {
  const dir = join(WORK_ROOT, 'shim-path', shim.replace(/[^A-Za-z0-9]+/g, '_').slice(-80));
  const link = join(dir, RUNC_V2_SHIM);
  try {
    if (readlinkSync(link) === shim) return dir;
  } catch {
    // not made yet
  }
  mkdirSync(dir, { recursive: true });
  // per worker thread (cucumber-js 13's workers share one pid)
  const tmp = `${link}.${process.pid}.${threadId}`;
  symlinkSync(shim, tmp);
  renameSync(tmp, link);
  return dir;
}

/** PATH with `shim` first under containerd's name for it. */
export function shimFirstInPath(shim: string, path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string {
  return `${shimPathDir(shim)}:${path}`;
}
