// A restarted containerd finds its tasks again (containerd's loadShims): every bundle under
// <state>/io.containerd.runtime.v2.task/<namespace>/ names a shim by `<bundle>/address`; a live one
// is reconnected, a dead one cleaned up after (shim-cleanup.ts), and one that never got a task is
// removed with what it left.
import type { TaskState } from './task-service.js';
import type { TaskError } from '../../api/errors.js';
import { ShimClient } from './shim-client.js';
import { readAddress } from './shim-launcher.js';
import { listBundles, readOptions } from './bundle.js';
import { openShimLog } from './shim-log.js';
import { faultEnabled } from '../../lib/faults.js';
import { SHIM_EXIT_DEADLINE_MS, closed, removeLeftovers, removeTaskBundle, shimDied } from './shim-cleanup.js';
import type { Task, TaskManager } from './task-manager.js';

/** At start: reconnect to every live shim of the namespace; clean up after the dead ones. */
export async function loadShims(m: TaskManager): Promise<void> {
  const found = listBundles(m.dir);
  await Promise.all(found.map(({ id, bundle }) => loadShim(m, id, bundle)));
  if (found.length) m.log.info('tasks restored', { count: m.tasks.size, namespace: m.namespace });
}

async function loadShim(m: TaskManager, id: string, bundle: string): Promise<void> {
  const task: Task = { id, bundle };
  m.tasks.set(id, task);
  const address = readAddress(bundle);
  let shim: ShimClient;
  try {
    if (!address) throw new Error('no address recorded');
    // Fault switch shims-not-reconnected (lib/faults.ts): a live shim is handled as a dead one.
    if (faultEnabled('shims-not-reconnected')) throw new Error('not reconnecting (fault shims-not-reconnected)');
    shim = await ShimClient.connect(address, id);
    await shim.hello();
  } catch (err) {
    m.log.warn('shim is gone, cleaning up its task', { id, address, error: (err as Error).message });
    if (!readOptions(bundle)) {
      // never got as far as launching a shim: only leftovers of an interrupted create
      m.tasks.delete(id);
      removeTaskBundle(m, task);
      return;
    }
    await shimDied(m, task);
    return;
  }
  task.stopLog = openShimLog(bundle);
  m.attach(task, shim);
  // The shim settles a create that was in flight when we died before it answers, so this is
  // either the task or "not found": a shim we launched but never got to create a task in.
  let s: TaskState | undefined;
  try {
    s = await shim.state();
  } catch (err) {
    if ((err as TaskError).code === 'not-found') {
      await discardHalfCreated(m, task, shim);
      return;
    }
  }
  if (s?.pid) task.pid = s.pid;
  // Nothing is announced for a task found stopped: its exit went out before the restart, or its
  // shim is still forwarding it (retries outlast a short outage), as with containerd.
  m.log.info('reconnected to shim', { id, address, status: s?.status });
}

/**
 * A shim with no task in it (containerd died between the shim's start and its create, or the
 * create failed meanwhile): nobody was told the task exists, so it must not. The shim is asked to
 * go, cleaned up through its delete action if it does not, and the bundle files are removed.
 */
async function discardHalfCreated(m: TaskManager, task: Task, shim: ShimClient): Promise<void> {
  m.log.warn('removing a task that was never created', { id: task.id });
  task.deleting = true;
  await shim.shutdown(true).catch(() => undefined);
  await closed(shim, SHIM_EXIT_DEADLINE_MS);
  await removeLeftovers(m, task);
  if (m.tasks.get(task.id) === task) m.tasks.delete(task.id);
}
