// The window size of a container's or an exec's terminal: the CLI sends its own size after the
// start and on every SIGWINCH (POST …/resize?h=&w=); the daemon passes it to containerd's
// ResizePty, which the shim applies to the pty master it holds.
import type { Container } from './container-store.js';
import type { ExecInstance } from './daemon.js';
import type { TaskService } from '../containerd/task-service.js';
import { DockerError } from './errors.js';
import * as E from './errors.js';
import { pollUntil } from '../../lib/poll.js';

/** How long a resize waits for an exec that is still starting (dockerd waits for its start too). */
const EXEC_START_WAIT_MS = 10_000;

/** h and w as dockerd parses them (strconv.Atoi); missing is 0. */
export function windowSize(query: URLSearchParams): { height: number; width: number } {
  const one = (name: string) => {
    const v = query.get(name) ?? '';
    if (v === '') return 0;
    if (!/^[+-]?\d+$/.test(v)) throw new DockerError(400, `strconv.Atoi: parsing "${v}": invalid syntax`);
    return Number(v);
  };
  return { height: one('h'), width: one('w') };
}

export async function resizeContainer(tasks: TaskService, c: Container, query: URLSearchParams): Promise<void> {
  const { height, width } = windowSize(query);
  if (!c.rec.State.Running) throw E.execNotRunning(c.rec.ID);
  await tasks.resizePty(c.rec.ID, undefined, width, height);
}

export async function resizeExec(tasks: TaskService, e: ExecInstance, query: URLSearchParams): Promise<void> {
  const { height, width } = windowSize(query);
  await pollUntil(() => e.running || e.exitCode !== null, { timeoutMs: EXEC_START_WAIT_MS, intervalMs: 20 });
  if (!e.running) throw new DockerError(409, `Exec ${e.id} is not running`);
  await tasks.resizePty(e.containerId, e.id, width, height);
}
