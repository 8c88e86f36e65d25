// The tasks of every namespace: one task manager per namespace, made when first used or found on
// disk at start (<state>/io.containerd.runtime.v2.task/<namespace>/), and the exits they see
// published as containerd.events.TaskExit.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../api/logrus.js';
import { TaskManager, type ShimTaskRequest } from './task-manager.js';
import { RUNTIME_V2_DIR, tasksDir } from './bundle.js';
import type { EventExchange } from './event-exchange.js';
import { stamp } from './event-exchange.js';
import { packMessage } from '../../api/any.js';
import { optionalTimestamp } from '../../api/timestamp.js';

export class Tasks {
  private readonly managers = new Map<string, TaskManager>();

  constructor(
    private readonly opts: { state: string; address: string; log: Logger; events: EventExchange },
  ) {}

  forNamespace(ns: string): TaskManager {
    let m = this.managers.get(ns);
    if (!m) {
      m = new TaskManager({ state: this.opts.state, address: this.opts.address, namespace: ns, log: this.opts.log });
      m.on('exit', (e) =>
        this.opts.events.publish({
          timestamp: stamp(),
          namespace: ns,
          topic: '/tasks/exit',
          // the init's exit carries the container id as its process id: that is how dockerd
          // tells it from an exec's
          event: packMessage('containerd.events.TaskExit', {
            containerId: e.containerId,
            id: e.execId || e.containerId,
            pid: e.pid,
            exitStatus: e.exitStatus,
            exitedAt: optionalTimestamp(e.exitedAt),
          }),
        }),
      );
      this.managers.set(ns, m);
    }
    return m;
  }

  create(ns: string, req: Omit<ShimTaskRequest, 'bundle'>): Promise<{ pid: number }> {
    return this.forNamespace(ns).create({ ...req, bundle: path.join(tasksDir(this.opts.state, ns), req.id) });
  }

  /** At start: every namespace with task bundles on disk gets its tasks back. */
  async restore(): Promise<void> {
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(this.opts.state, RUNTIME_V2_DIR));
    } catch {
      // first start
    }
    await Promise.all(names.map((ns) => this.forNamespace(ns).restore()));
  }

  close(): void {
    for (const m of this.managers.values()) m.close();
  }
}
