// containerd.task.v2.Task over ttrpc: containerd's requests mapped onto the one task this shim
// owns. What the runtime cannot do answers a real error (errdefs' classes on the wire), never a
// success that did not happen.
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument, notImplemented, notFound, toStatus } from '../../api/errors.js';
import { PROCESS_TYPE, LINUX_RESOURCES_TYPE, RUNC_OPTIONS_TYPE, packMessage, unpackJson, unpackMessage, type AnyValue } from '../../api/any.js';
import { toTimestamp } from '../../api/timestamp.js';
import { TtrpcServer } from '../../api/ttrpc/server.js';
import { TtrpcError } from '../../api/ttrpc/status.js';
import type { TaskStatus } from '../../api/task-types.js';
import type { Logger } from '../../api/logrus.js';
import { run } from './runtime-command.js';
import { containerCgroups, statsAny } from './cgroup-metrics.js';
import type { ShimTask } from './shim-task.js';


/** Where containerd's runc shim keeps a namespace's runtime state when the options name no root. */
const DEFAULT_RUNTIME_ROOT = '/run/containerd/runc';
/** The options Create received, kept in the bundle for the `delete` action (as the runc shim does). */
export const OPTIONS_FILE = 'options.json';

export interface RuncOptions {
  binaryName?: string;
  root?: string;
}

export interface TaskApiHooks {
  /** Shutdown with nothing left to serve: answer, then exit. */
  shutdown(): void;
}

const statusName: Record<TaskStatus, string> = {
  created: 'CREATED',
  running: 'RUNNING',
  stopped: 'STOPPED',
  paused: 'PAUSED',
  unknown: 'UNKNOWN',
};

/** The runtime binary and its --root for a namespace, from containerd.runc.v1.Options. */
export function runtimeOf(options: RuncOptions, namespace: string): { runtimePath: string; runtimeRoot: string } {
  return {
    runtimePath: options.binaryName || 'runc',
    runtimeRoot: path.join(options.root || DEFAULT_RUNTIME_ROOT, namespace),
  };
}

/**
 * The runtime and its root for a bundle, from options.json: as Create wrote it, or as the
 * JSON-lines ref-containerd writes it ({runtimePath, runtimeRoot}, the root with the namespace).
 */
export function runtimeFromBundle(bundle: string, namespace: string): { runtimePath: string; runtimeRoot: string } {
  let o: RuncOptions & { runtimePath?: string; runtimeRoot?: string } = {};
  try {
    o = JSON.parse(fs.readFileSync(path.join(bundle, OPTIONS_FILE), 'utf8')) as typeof o;
  } catch {
    // none kept: containerd's defaults
  }
  if (o.runtimePath && o.runtimeRoot) return { runtimePath: o.runtimePath, runtimeRoot: o.runtimeRoot };
  return runtimeOf(o, namespace);
}

export function taskServer(task: ShimTask, namespace: string, log: Logger, hooks: TaskApiHooks): TtrpcServer {
  const server = new TtrpcServer(toStatus);
  const own = (id: string) => {
    if (id !== task.id) throw notFound(`task ${id}`);
  };
  let cgroups: Map<string, string> | undefined;
  server.registerService('containerd.task.v2.Task', {
    Create: async (r: {
      id: string;
      bundle: string;
      rootfs: unknown[];
      terminal: boolean;
      stdin: string;
      stdout: string;
      stderr: string;
      checkpoint: string;
      options: AnyValue | null;
    }) => {
      if (r.rootfs.length) throw notImplemented('mounting rootfs layers (give the spec an absolute root path)');
      if (r.checkpoint) throw notImplemented('restore from a checkpoint');
      let options: RuncOptions = {};
      if (r.options?.typeUrl) {
        if (r.options.typeUrl !== RUNC_OPTIONS_TYPE) throw invalidArgument(`unsupported runtime options ${r.options.typeUrl}`);
        options = unpackMessage<RuncOptions>(r.options, RUNC_OPTIONS_TYPE) ?? {};
      }
      const kept: RuncOptions = { binaryName: options.binaryName || undefined, root: options.root || undefined };
      fs.writeFileSync(path.join(task.bundle, OPTIONS_FILE), JSON.stringify(kept));
      const { pid } = await task.create({
        id: r.id,
        bundle: r.bundle || task.bundle,
        ...runtimeOf(kept, namespace),
        stdin: r.stdin || undefined,
        stdout: r.stdout,
        stderr: r.stderr,
        terminal: r.terminal,
      });
      return { pid };
    },
    Start: async (r: { id: string; execId: string }) => {
      own(r.id);
      return task.start(r.execId);
    },
    State: async (r: { id: string; execId: string }) => {
      own(r.id);
      const s = await task.state(r.execId);
      const io = task.stdioOf(r.execId);
      return {
        id: r.execId || s.id,
        bundle: task.bundle,
        pid: s.pid,
        status: statusName[s.status],
        stdin: io?.stdin ?? '',
        stdout: io?.stdout ?? '',
        stderr: io?.stderr ?? '',
        terminal: task.terminalOf(r.execId),
        exitStatus: s.exitStatus ?? 0,
        exitedAt: s.exitedAt ? toTimestamp(s.exitedAt) : null,
        execId: r.execId,
      };
    },
    Kill: async (r: { id: string; execId: string; signal: number; all: boolean }) => {
      own(r.id);
      await task.kill(r.execId, r.signal, r.all);
      return {};
    },
    Delete: async (r: { id: string; execId: string }) => {
      own(r.id);
      const exit = await task.delete(r.execId);
      return { pid: exit.pid, exitStatus: exit.exitStatus, exitedAt: toTimestamp(exit.exitedAt) };
    },
    Exec: async (r: { id: string; execId: string; terminal: boolean; stdin: string; stdout: string; stderr: string; spec: AnyValue | null }) => {
      own(r.id);
      const spec = unpackJson<Record<string, unknown>>(r.spec, PROCESS_TYPE);
      if (!spec) throw invalidArgument('exec without a process spec');
      task.exec({ execId: r.execId, spec, stdin: r.stdin || undefined, stdout: r.stdout, stderr: r.stderr, terminal: r.terminal });
      return {};
    },
    Wait: async (r: { id: string; execId: string }) => {
      own(r.id);
      const exit = await task.wait(r.execId);
      return { exitStatus: exit.exitStatus, exitedAt: toTimestamp(exit.exitedAt) };
    },
    Pids: async (r: { id: string }) => {
      own(r.id);
      const ctx = task.runtime;
      if (!ctx) throw notFound(`task ${r.id}`);
      const pids = await runtimePids(ctx, task.id);
      const execs = task.execPids();
      return {
        processes: pids.map((pid) => {
          const execId = execs.get(pid);
          return { pid, info: execId ? packMessage('containerd.runc.v1.ProcessDetails', { execId }) : null };
        }),
      };
    },
    Pause: async (r: { id: string }) => {
      own(r.id);
      await task.pause(false);
      return {};
    },
    Resume: async (r: { id: string }) => {
      own(r.id);
      await task.pause(true);
      return {};
    },
    CloseIO: async (r: { id: string; execId: string; stdin: boolean }) => {
      own(r.id);
      if (r.stdin) task.closeStdin(r.execId);
      return {};
    },
    // containerd's runc shim answers a resize of a process without a console with success and
    // does nothing: so does this one.
    ResizePty: async (r: { id: string; execId: string; width: number; height: number }) => {
      own(r.id);
      await task.resizePty(r.execId, r.width, r.height);
      return {};
    },
    Update: async (r: { id: string; resources: AnyValue | null }) => {
      own(r.id);
      const resources = unpackJson<object>(r.resources, LINUX_RESOURCES_TYPE);
      if (!resources) throw invalidArgument('update without resources');
      const ctx = task.runtime;
      if (!ctx) throw notFound(`task ${r.id}`);
      const file = path.join(task.bundle, 'update-resources.json');
      fs.writeFileSync(file, JSON.stringify(resources));
      try {
        await run(ctx, ['update', '--resources', file, task.id]);
      } finally {
        fs.rmSync(file, { force: true });
      }
      return {};
    },
    // The cgroup is found once, from the init's pid, and kept (as the runc shim loads it at create):
    // a stopped init has no /proc/<pid>/cgroup any more.
    Stats: async (r: { id: string }) => {
      own(r.id);
      if (!task.initPid) throw notFound('container not created');
      cgroups ??= containerCgroups(task.initPid);
      if (!cgroups) throw notFound('cgroup does not exist');
      return { stats: statsAny(cgroups) };
    },
    Checkpoint: async (r: { id: string }) => {
      own(r.id);
      throw notImplemented('checkpoint');
    },
    Connect: async (r: { id: string }) => {
      own(r.id);
      await task.settled();
      return { shimPid: process.pid, taskPid: task.initPid, version: '' };
    },
    // containerd sends Shutdown after the init's Delete and then waits for the connection to
    // close; before that (the task still exists) it is a no-op, as in containerd's runc shim.
    Shutdown: async (r: { id: string; now: boolean }) => {
      own(r.id);
      if (r.now || task.deleted || !task.initPid) setImmediate(() => hooks.shutdown());
      return {};
    },
  });
  return server;
}

/** The container's pids, from the runtime's `ps --format json` (a JSON array of host pids). */
async function runtimePids(ctx: NonNullable<ShimTask['runtime']>, id: string): Promise<number[]> {
  const out = path.join(ctx.logFile + '.ps');
  const fd = fs.openSync(out, 'w', 0o600);
  try {
    await run(ctx, ['ps', '--format', 'json', id], { stdio: ['ignore', fd, 'pipe'] });
    const v = JSON.parse(fs.readFileSync(out, 'utf8')) as unknown;
    if (!Array.isArray(v)) throw new TtrpcError(2, `runtime ps: not a list of pids`);
    return v.filter((p): p is number => Number.isInteger(p));
  } finally {
    fs.closeSync(fd);
    fs.rmSync(out, { force: true });
  }
}
