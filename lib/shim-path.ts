// containerd has no flag for its shims: it resolves the runtime name io.containerd.runc.v2 to the
// binary containerd-shim-runc-v2 in its PATH (then beside its own executable). So an engine's shim
// is chosen by the PATH its containerd gets: a directory holding only `containerd-shim-runc-v2` →
// the wanted shim, put first, swaps the shim and nothing else. The harness's targets and variants
// and the containerd dev fixtures all build that PATH here.
import { mkdirSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

/** containerd's name for the shim of runtime io.containerd.runc.v2. */
export const RUNC_V2_SHIM = 'containerd-shim-runc-v2';

/** Makes `dir` hold `containerd-shim-runc-v2` → `shim`, atomically, so runs may share it. */
export function linkShimInto(dir: string, shim: string): string {
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

/** PATH with `shim` first under containerd's name for it, the link kept in `dir`. */
export function shimFirstInPath(dir: string, shim: string, path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string {
  return `${linkShimInto(dir, shim)}:${path}`;
}
