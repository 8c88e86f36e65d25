// How a shim and what it leaves go away when it cannot be asked to: containerd's
// cleanupAfterDeadShim (the shim binary's `delete` action cleans up and says how the task ended;
// the task is reported exited and kept as a stopped entry until its client deletes it), and the
// same cleanup for shims that were launched but never served a task anyone knows of.
import fs from 'node:fs';
import path from 'node:path';
import type { ExitResult } from './task-service.js';
import { rfc3339Nano } from '../../api/clock.js';
import type { ShimClient } from './shim-client.js';
import { readAddress, shimDeleteAction } from './shim-launcher.js';
import { readOptions, readShimLog, removeBundle } from './bundle.js';
import { fromAddress } from '../../api/shim-address.js';
import { isAlive, readPidFile, readProcess } from '../../lib/proc.js';
import type { Task, TaskManager } from './task-manager.js';
import { setTimeout as sleep } from 'node:timers/promises';

const SIGKILL_STATUS = 128 + 9;
export const SHIM_EXIT_DEADLINE_MS = 2_000;

/** The shim binary's own cleanup for a task whose shim is gone. */
export function deleteAction(m: TaskManager, task: Task): Promise<ExitResult> {
  const binary = readOptions(task.bundle)?.shim;
  if (!binary) return Promise.reject(new Error('no shim binary recorded'));
  return shimDeleteAction({ binary, id: task.id, bundle: task.bundle, namespace: m.namespace, containerdAddress: m.containerdAddress });
}

/**
 * The task's exit once its shim is gone: what the delete action reports, else a SIGKILL of the
 * last pid known. Announced once, unless the shim forwarded the init's exit before it went.
 */
export function shimDied(m: TaskManager, task: Task): Promise<ExitResult> {
  task.dying ??= (async () => {
    const reported = await deleteAction(m, task).catch((err: Error) => {
      m.log.warn('cleanup after dead shim failed', { id: task.id, error: err.message });
      return undefined;
    });
    removeDeadShim(task.bundle, task.id);
    const exit = reported ?? { pid: task.pid ?? 0, exitStatus: SIGKILL_STATUS, exitedAt: rfc3339Nano() };
    task.tomb = exit;
    task.shim = undefined;
    forwardShimLog(task);
    removeTaskBundle(m, task);
    if (!task.initExitPublished) {
      task.initExitPublished = true;
      m.publishExit({ type: 'exit', containerId: task.id, execId: '', ...exit });
    }
    return exit;
  })();
  return task.dying;
}

/** What a task that never came to be may have left: shim, its socket, runtime state, bundle files. */
export async function removeLeftovers(m: TaskManager, task: Task): Promise<void> {
  await deleteAction(m, task).catch(() => undefined);
  removeDeadShim(task.bundle, task.id);
  forwardShimLog(task);
  removeTaskBundle(m, task);
}

/** Take down a shim with a task nobody knows: kill, delete, shut down; its delete action if it will not go. */
export async function retireShim(m: TaskManager, task: Task, shim: ShimClient, shimPid: number): Promise<void> {
  m.log.warn('removing a leftover shim and its task', { id: task.id, shimPid });
  await shim.kill(9, { all: true }).catch(() => undefined);
  await Promise.race([shim.wait().catch(() => undefined), sleep(SHIM_EXIT_DEADLINE_MS)]);
  await shim.delete().catch(() => undefined);
  await shim.shutdown(true).catch(() => undefined);
  await closed(shim, SHIM_EXIT_DEADLINE_MS);
  if (shimPid > 0 && isAlive(shimPid)) await deleteAction(m, task).catch(() => undefined);
  removeDeadShim(task.bundle, task.id);
}

export function removeTaskBundle(m: TaskManager, task: Task): void {
  task.stopLog?.();
  task.stopLog = undefined;
  removeBundle(m.dir, task.id, task.bundle);
}

/** The shim's log goes into ours when its bundle goes, as containerd relays its shims' logs. */
export function forwardShimLog(task: Task): void {
  const text = readShimLog(task.bundle);
  if (text) process.stderr.write(text.endsWith('\n') ? text : text + '\n');
}

/** Settles when the shim's connection has closed, or closes it at the deadline. */
export function closed(shim: ShimClient, deadlineMs: number): Promise<void> {
  if (shim.isClosed) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      shim.close();
      resolve();
    }, deadlineMs);
    shim.onClose(() => {
      clearTimeout(t);
      resolve();
    });
  });
}


/**
 * A shim we gave up on must not linger half alive, and its socket file must not outlive it (a
 * SIGKILLed shim leaves it behind). The pid is checked against the shim's command line first,
 * because a dead shim's pid may belong to someone else by now.
 */
function removeDeadShim(bundle: string, id: string): void {
  const pid = readPidFile(path.join(bundle, 'shim.pid'));
  if (pid && readProcess(pid)?.argv.includes(id)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const address = readAddress(bundle);
  if (address) fs.rmSync(fromAddress(address), { force: true });
}
