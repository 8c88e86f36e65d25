// Tasks/Create as containerd's runtime v2 does it: the bundle (spec as config.json, the shim binary
// on record for a later delete action), a shim launched by the start step (shim-launcher.ts), then
// the shim's Create. A failed create leaves nothing: no task entry, no shim, no bundle files.
import fs from 'node:fs';
import path from 'node:path';
import { TaskError } from '../../api/errors.js';
import { ShimClient } from './shim-client.js';
import { launchShim, resolveShimBinary } from './shim-launcher.js';
import { registerBundle, writeOptions } from './bundle.js';
import { openShimLog } from './shim-log.js';
import { SHIM_EXIT_DEADLINE_MS, closed, forwardShimLog, removeLeftovers, removeTaskBundle, retireShim } from './shim-cleanup.js';
import type { ShimTaskRequest, Task, TaskManager } from './task-manager.js';

export async function createTask(m: TaskManager, task: Task, req: ShimTaskRequest): Promise<{ pid: number }> {
  const started = process.hrtime.bigint();
  try {
    const binary = resolveShimBinary(req.runtime);
    registerBundle(m.dir, req.id, task.bundle);
    writeSpec(task.bundle, req.spec);
    writeOptions(task.bundle, { shim: binary, runtime: req.runtime });
    task.stopLog = openShimLog(task.bundle);
    let shim: ShimClient | undefined;
    for (let attempt = 0; !shim; attempt++) {
      const address = await launchShim({
        binary,
        id: req.id,
        bundle: task.bundle,
        namespace: m.namespace,
        containerdAddress: m.containerdAddress,
        options: req.options,
      });
      let s: ShimClient;
      let hello: { shimPid: number; taskPid: number };
      try {
        s = await ShimClient.connect(address, req.id);
        hello = await s.hello();
      } catch (err) {
        // launched but unreachable: it must not wait out its idle timeout with nobody to serve
        await removeLeftovers(m, task);
        throw err;
      }
      // The start step hands back a shim that already serves this id. With a task in it, it is
      // one we lost track of: nobody was told that task exists, so it goes, and a fresh shim
      // takes its place.
      if (hello.taskPid === 0) shim = s;
      else if (attempt > 0) throw new TaskError('unknown', `shim at ${address} keeps an old task`);
      else await retireShim(m, task, s, hello.shimPid);
    }
    const shimMs = Number(process.hrtime.bigint() - started) / 1e6;
    task.deleting = true; // until create succeeds, a closing shim is our own doing
    m.attach(task, shim);
    try {
      const { pid } = await shim.create({
        bundle: task.bundle,
        rootfs: req.rootfs,
        terminal: req.terminal,
        stdin: req.stdin,
        stdout: req.stdout,
        stderr: req.stderr,
        options: req.options,
      });
      task.deleting = false;
      task.pid = pid;
      // shimMs: the shim's start step; the rest is mostly the runtime's create
      m.log.info('task created', { id: req.id, pid, ms: Number(process.hrtime.bigint() - started) / 1e6, shimMs });
      return { pid };
    } catch (err) {
      // containerd's order after a failed create: delete in the shim, then let it go
      await shim.delete().catch(() => undefined);
      const gone = await shim.shutdown().then(() => true, () => false);
      if (gone) await closed(shim, SHIM_EXIT_DEADLINE_MS);
      shim.close();
      // a shim that would not go (or went away unasked) may hold a container the runtime made
      if (!gone) await removeLeftovers(m, task);
      throw err;
    }
  } catch (err) {
    m.tasks.delete(req.id);
    forwardShimLog(task);
    removeTaskBundle(m, task);
    const e = err instanceof TaskError ? err : new TaskError('unknown', (err as Error).message);
    m.log.error('task create failed', { id: req.id, error: e.message });
    throw new TaskError(e.code, `failed to create shim task: ${e.message}`);
  }
}

/** containerd writes the container's spec into the bundle as the runtime's config.json. */
function writeSpec(bundle: string, spec: Record<string, unknown>): void {
  const target = path.join(bundle, 'config.json');
  fs.writeFileSync(`${target}.tmp`, JSON.stringify(spec));
  fs.renameSync(`${target}.tmp`, target);
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true, mode: 0o711 });
}
