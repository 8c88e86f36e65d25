// `create --bundle <dir> [--pid-file f] [--console-socket s] [--no-pivot] <id>`: the container's
// process exists, in its namespaces and cgroups, stopped before exec until `start`. This process
// exits once the pid file is written; the container's process is then re-parented to the caller's
// subreaper (the shim), as with runc.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandArgs, RuntimeContext } from '../context.js';
import { flagSet, flagString } from '../context.js';
import type { OciSpec } from '../spec.js';
import { RuntimeError, checkTerminal, errors } from '../errors.js';
import { discoverHierarchies, removeCgroups, resolveCgroupPath, setupCgroups } from '../cgroups.js';
import { CGROUP_ROOT } from '../../../lib/cgroup-dirs.js';
import { createPlan, rootfsOf } from '../plan.js';
import { runNative } from '../native.js';
import { compileSeccomp } from '../seccomp.js';
import { readProcStat } from '../state-store.js';
import type { ContainerRecord } from '../state-store.js';

export function loadSpec(bundle: string): OciSpec {
  const path = join(bundle, 'config.json');
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as OciSpec;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw errors.specNotFound('config.json');
    throw new RuntimeError(`failed to parse ${path}: ${(err as Error).message}`);
  }
}

function seccompFor(ctx: RuntimeContext, spec: OciSpec): string | undefined {
  if (!spec.linux?.seccomp) return undefined;
  if (process.arch !== 'x64') {
    ctx.log.info(`seccomp profile not applied: only x86_64 is compiled, this is ${process.arch}`);
    return undefined;
  }
  return compileSeccomp(spec.linux.seccomp);
}

export function create(ctx: RuntimeContext, args: CommandArgs): number {
  const id = args.positionals[0];
  if (!id || args.positionals.length !== 1) throw errors.missingId('create');
  const bundle = resolve(flagString(args, 'bundle', 'b') ?? '.');
  const pidFileFlag = flagString(args, 'pid-file');
  const pidFile = pidFileFlag ? resolve(pidFileFlag) : undefined;
  const consoleSocket = flagString(args, 'console-socket');
  const spec = loadSpec(bundle);
  checkTerminal(spec.process?.terminal, consoleSocket);

  const seccomp = seccompFor(ctx, spec);
  const dir = ctx.store.reserve(id);
  let cgroupDirs: Record<string, string> = {};
  try {
    const cgroupPath = resolveCgroupPath(spec.linux?.cgroupsPath, id, ctx.systemdCgroup);
    cgroupDirs = setupCgroups(cgroupPath, spec.linux?.resources);
    const plan = createPlan({
      id,
      bundle,
      spec,
      fifo: ctx.store.fifo(id),
      pidFile,
      consoleSocket: consoleSocket ? resolve(consoleSocket) : undefined,
      noPivot: flagSet(args, 'no-pivot'),
      cgroupDirs,
      hierarchies: discoverHierarchies(),
      cgroupPath,
      cgroupRoot: CGROUP_ROOT,
      seccomp,
    });
    ctx.log.debug(`create ${id}: native stage with ${plan.length} arguments`);
    const { pid } = runNative(plan, bundle);
    const record: ContainerRecord = {
      id,
      pid,
      startTime: readProcStat(pid)?.startTime ?? '',
      bundle,
      rootfs: rootfsOf(bundle, spec),
      created: new Date().toISOString(),
      owner: '',
      annotations: spec.annotations,
      cgroupPaths: cgroupDirs,
      namespaces: (spec.linux?.namespaces ?? []).map((ns) => ns.type),
      capabilities: spec.process?.capabilities,
      seccomp,
      poststart: spec.hooks?.poststart,
      poststop: spec.hooks?.poststop,
    };
    ctx.store.save(record);
    ctx.store.saveFastpathNote(record);
    return 0;
  } catch (err) {
    try {
      removeCgroups(cgroupDirs, 500);
    } catch {
      // what is left is named by the create error's own cleanup-free message below
    }
    ctx.store.remove(id);
    if (dir && err instanceof RuntimeError) throw errors.createFailed(err.message);
    throw err;
  }
}
