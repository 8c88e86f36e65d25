// ref-containerd's gRPC face: containerd's services (api/proto/containerd/services/) over its metadata, task
// manager and event exchange. Every call but Version, Introspection and Health needs the
// namespace in the metadata `containerd-namespace`, as containerd's do. Errors carry containerd's
// text with the errdefs class at the end and the matching gRPC code; a method not listed here
// answers Unimplemented (api/grpc/server.ts, with grpc-go's text), never a made-up success.
import { randomUUID } from 'node:crypto';
import type { GrpcServer, ServerCall, ServiceError, StatusObject, sendUnaryData } from '../../api/grpc/server.js';
import { faultEnabled } from '../../lib/faults.js';
import { GrpcStatus, eventRequired, namespaceRequired, toStatus as statusOf } from '../../api/errors.js';
import type { Logger } from '../../api/logrus.js';
import type { ExitResult, TaskState } from '../../api/task-types.js';
import { MetadataError, type Metadata } from './metadata.js';
import { EventExchange, stamp, validateTopic, type Envelope } from './event-exchange.js';
import { parseFilters, matches, labelField } from './filters.js';
import { LINUX_RESOURCES_TYPE, PROCESS_TYPE, SPEC_TYPE, copyAny, isSet, packMessage, unpackJson } from '../../api/any.js';
import { optionalTimestamp } from '../../api/timestamp.js';
import type { Tasks } from './tasks.js';
import type { ShimTaskRequest } from './task-manager.js';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Call = ServerCall;

export const VERSION = { version: '1.6.20-ref', revision: 'dockspec' };

/** The status a client sees: containerd's message, ending with the errdefs class (api/errors.ts). */
export function toStatus(err: unknown): StatusObject {
  const { code, message } = statusOf(err);
  return { code, details: message };
}

function namespaceOf(call: Call): string {
  const v = call.metadata.get('containerd-namespace')[0];
  const ns = v === undefined ? '' : String(v);
  if (!ns) throw namespaceRequired();
  return ns;
}

function unary(log: Logger, name: string, fn: (req: Msg, call: ServerCall) => Promise<Msg> | Msg) {
  return (call: ServerCall, cb: sendUnaryData<Msg>) => {
    Promise.resolve()
      .then(() => fn(call.request, call))
      .then(
        (res) => cb(null, res),
        (err) => {
          const s = toStatus(err);
          if (s.code !== GrpcStatus.NOT_FOUND) log.debug(`${name} failed`, { error: s.details });
          cb(s as ServiceError);
        },
      );
  };
}

const EMPTY = {};

const statusName: Record<TaskState['status'], string> = {
  unknown: 'UNKNOWN',
  created: 'CREATED',
  running: 'RUNNING',
  stopped: 'STOPPED',
  paused: 'PAUSED',
};

function processMessage(containerId: string, s: TaskState): Msg {
  return {
    containerId: containerId,
    id: s.execId || containerId,
    pid: s.pid,
    status: statusName[s.status] ?? 'UNKNOWN',
    // dockerd attaches to a restored task's FIFOs by these paths (containerd's Task(ctx, attach))
    stdin: s.stdio?.stdin ?? '',
    stdout: s.stdio?.stdout ?? '',
    stderr: s.stdio?.stderr ?? '',
    terminal: s.stdio?.terminal ?? false,
    exitStatus: s.exitStatus ?? 0,
    exitedAt: optionalTimestamp(s.exitedAt),
  };
}

function exitMessage(id: string, e: ExitResult): Msg {
  return { id, pid: e.pid, exitStatus: e.exitStatus, exitedAt: optionalTimestamp(e.exitedAt) };
}

function containerMessage(c: Msg): Msg {
  return c;
}

function containerField(c: Msg, p: string[]): string | undefined {
  if (p[0] === 'labels') return labelField(c.labels as Record<string, string>, p);
  if (p.length === 1 && (p[0] === 'id' || p[0] === 'image')) return String(c[p[0]] ?? '');
  if (p.length === 2 && p[0] === 'runtime' && p[1] === 'name') return String(c.runtime?.name ?? '');
  return undefined;
}

function filtered<T extends Msg>(items: T[], filters: string[], get: (x: T, p: string[]) => string | undefined): T[] {
  const f = parseFilters(filters ?? []);
  return items.filter((x) => matches(f, (p) => get(x, p)));
}

export interface ServiceDeps {
  metadata: Metadata;
  tasks: Tasks;
  events: EventExchange;
  log: Logger;
}

export function addServices(server: GrpcServer, d: ServiceDeps): void {
  const { metadata, tasks, events, log } = d;
  const serverUuid = randomUUID();

  server.addService('containerd.services.version.v1.Version', {
    Version: unary(log, 'version', () => VERSION),
  });

  server.addService('containerd.services.introspection.v1.Introspection', {
    Server: unary(log, 'server', () => ({ uuid: serverUuid, pid: process.pid, pidns: 0 })),
  });

  server.addService('grpc.health.v1.Health', {
    Check: unary(log, 'health', () => ({ status: 'SERVING' })),
  });

  server.addService('containerd.services.namespaces.v1.Namespaces', {
    Get: unary(log, 'namespace get', (r) => ({ namespace: { name: r.name, labels: metadata.namespaceLabels(r.name) } })),
    List: unary(log, 'namespace list', () => ({
      namespaces: metadata.namespaceNames().map((name) => ({ name, labels: metadata.namespaceLabels(name) })),
    })),
    Create: unary(log, 'namespace create', (r) => {
      metadata.createNamespace(r.namespace?.name ?? '', r.namespace?.labels ?? {});
      return { namespace: { name: r.namespace.name, labels: metadata.namespaceLabels(r.namespace.name) } };
    }),
    Update: unary(log, 'namespace update', (r) => {
      metadata.updateNamespace(r.namespace?.name ?? '', r.namespace?.labels ?? {}, r.updateMask?.paths ?? []);
      return { namespace: { name: r.namespace.name, labels: metadata.namespaceLabels(r.namespace.name) } };
    }),
    Delete: unary(log, 'namespace delete', (r) => {
      metadata.deleteNamespace(r.name);
      return EMPTY;
    }),
  });

  server.addService('containerd.services.containers.v1.Containers', {
    Get: unary(log, 'container get', (r, call) => ({ container: containerMessage(metadata.getContainer(namespaceOf(call), r.id) as unknown as Msg) })),
    List: unary(log, 'container list', (r, call) => ({
      containers: filtered(metadata.listContainers(namespaceOf(call)) as unknown as Msg[], r.filters, containerField),
    })),
    ListStream: (call: ServerCall) => {
      try {
        for (const c of filtered(metadata.listContainers(namespaceOf(call)) as unknown as Msg[], call.request.filters, containerField)) {
          call.write({ container: c });
        }
        call.end();
      } catch (err) {
        call.destroy(toStatus(err));
      }
    },
    Create: unary(log, 'container create', (r, call) => {
      const ns = namespaceOf(call);
      const c = metadata.createContainer(ns, r.container ?? {});
      events.publish({
        timestamp: stamp(),
        namespace: ns,
        topic: '/containers/create',
        event: packMessage('containerd.events.ContainerCreate', { id: c.id, image: c.image, runtime: { name: c.runtime.name, options: c.runtime.options } }),
      });
      return { container: c };
    }),
    Update: unary(log, 'container update', (r, call) => ({
      container: metadata.updateContainer(namespaceOf(call), r.container ?? {}, r.updateMask?.paths ?? []),
    })),
    Delete: unary(log, 'container delete', (r, call) => {
      const ns = namespaceOf(call);
      metadata.deleteContainer(ns, r.id);
      events.publish({ timestamp: stamp(), namespace: ns, topic: '/containers/delete', event: packMessage('containerd.events.ContainerDelete', { id: r.id }) });
      return EMPTY;
    }),
  });

  server.addService('containerd.services.leases.v1.Leases', {
    Create: unary(log, 'lease create', (r, call) => ({ lease: metadata.createLease(namespaceOf(call), r.id, r.labels ?? {}) })),
    Delete: unary(log, 'lease delete', (r, call) => {
      metadata.deleteLease(namespaceOf(call), r.id);
      return EMPTY;
    }),
    List: unary(log, 'lease list', (r, call) => ({
      leases: filtered(metadata.listLeases(namespaceOf(call)) as unknown as Msg[], r.filters, (l, p) =>
        p[0] === 'labels' ? labelField(l.labels, p) : p.length === 1 && p[0] === 'id' ? String(l.id) : undefined,
      ),
    })),
    AddResource: unary(log, 'lease add resource', (r, call) => {
      metadata.addLeaseResource(namespaceOf(call), r.id, r.resource ?? {});
      return EMPTY;
    }),
    DeleteResource: unary(log, 'lease delete resource', (r, call) => {
      metadata.deleteLeaseResource(namespaceOf(call), r.id, r.resource ?? {});
      return EMPTY;
    }),
    ListResources: unary(log, 'lease list resources', (r, call) => ({ resources: metadata.leaseResources(namespaceOf(call), r.id) })),
  });

  server.addService('containerd.services.events.v1.Events', {
    Publish: unary(log, 'publish', (r, call) => {
      const ns = namespaceOf(call);
      validateTopic(r.topic);
      if (!isSet(r.event)) throw eventRequired();
      events.publish({ timestamp: stamp(), namespace: ns, topic: r.topic, event: copyAny(r.event)! });
      return EMPTY;
    }),
    Forward: unary(log, 'forward', (r) => {
      forward(events, r.envelope);
      return EMPTY;
    }),
    Subscribe: (call: ServerCall) => {
      let unsubscribe: () => void;
      try {
        unsubscribe = events.subscribe(call.request.filters ?? [], (e) => call.write(e));
      } catch (err) {
        call.destroy(toStatus(err));
        return;
      }
      // The subscription lives as long as the client's stream: a reset or a dropped connection ends it.
      call.on('cancelled', () => unsubscribe());
    },
  });

  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const opt = (v: unknown) => str(v) || undefined;

  server.addService('containerd.services.tasks.v1.Tasks', {
    Create: unary(log, 'task create', async (r, call) => {
      const ns = namespaceOf(call);
      const c = metadata.getContainer(ns, r.containerId);
      if (r.checkpoint?.digest) throw Object.assign(new Error('restoring from a checkpoint is not supported'), { grpcCode: 12 });
      const spec = unpackJson<Record<string, unknown>>(c.spec, SPEC_TYPE);
      if (!spec) throw Object.assign(new Error(`container "${c.id}" has no spec: invalid argument`), { grpcCode: 3 });
      const options = isSet(r.options) ? r.options : c.runtime.options;
      const { pid } = await tasks.create(ns, {
        id: c.id,
        runtime: c.runtime.name,
        options: copyAny(options),
        spec,
        rootfs: (r.rootfs ?? []) as ShimTaskRequest['rootfs'],
        stdin: opt(r.stdin),
        stdout: str(r.stdout),
        stderr: str(r.stderr),
        terminal: Boolean(r.terminal),
      });
      return { containerId: c.id, pid };
    }),
    Start: unary(log, 'task start', async (r, call) => tasks.forNamespace(namespaceOf(call)).start(r.containerId, opt(r.execId))),
    Delete: unary(log, 'task delete', async (r, call) => exitMessage(r.containerId, await tasks.forNamespace(namespaceOf(call)).delete(r.containerId))),
    DeleteProcess: unary(log, 'process delete', async (r, call) => {
      if (!r.execId) throw Object.assign(new Error('exec id must be set: invalid argument'), { grpcCode: 3 });
      return exitMessage(r.execId, await tasks.forNamespace(namespaceOf(call)).delete(r.containerId, r.execId));
    }),
    Get: unary(log, 'task get', async (r, call) => ({
      process: processMessage(r.containerId, await tasks.forNamespace(namespaceOf(call)).state(r.containerId, opt(r.execId))),
    })),
    List: unary(log, 'task list', async (_r, call) => {
      // Fault switch task-list-ignores-namespace (lib/faults.ts): the call's namespace is not used.
      const ns = faultEnabled('task-list-ignores-namespace') ? 'default' : namespaceOf(call);
      return { tasks: (await tasks.forNamespace(ns).list()).map((s) => processMessage(s.id, s)) };
    }),
    Kill: unary(log, 'task kill', async (r, call) => {
      await tasks.forNamespace(namespaceOf(call)).kill(r.containerId, r.signal, { all: Boolean(r.all), execId: opt(r.execId) });
      return EMPTY;
    }),
    Exec: unary(log, 'task exec', async (r, call) => {
      if (!r.execId) throw Object.assign(new Error('exec id must not be empty: invalid argument'), { grpcCode: 3 });
      const spec = unpackJson<Record<string, unknown>>(r.spec, PROCESS_TYPE);
      if (!spec) throw Object.assign(new Error('exec spec must be set: invalid argument'), { grpcCode: 3 });
      await tasks.forNamespace(namespaceOf(call)).exec({
        containerId: r.containerId,
        execId: r.execId,
        spec,
        terminal: Boolean(r.terminal),
        stdin: opt(r.stdin),
        stdout: str(r.stdout),
        stderr: str(r.stderr),
      });
      return EMPTY;
    }),
    ResizePty: unary(log, 'resize pty', async (r, call) => {
      await tasks.forNamespace(namespaceOf(call)).resizePty(r.containerId, opt(r.execId), r.width, r.height);
      return EMPTY;
    }),
    CloseIO: unary(log, 'close io', async (r, call) => {
      await tasks.forNamespace(namespaceOf(call)).closeIO(r.containerId, opt(r.execId), Boolean(r.stdin));
      return EMPTY;
    }),
    Pause: unary(log, 'pause', async (r, call) => {
      await tasks.forNamespace(namespaceOf(call)).pause(r.containerId);
      return EMPTY;
    }),
    Resume: unary(log, 'resume', async (r, call) => {
      await tasks.forNamespace(namespaceOf(call)).resume(r.containerId);
      return EMPTY;
    }),
    ListPids: unary(log, 'list pids', async (r, call) => ({
      processes: (await tasks.forNamespace(namespaceOf(call)).pids(r.containerId)).map((p) => ({ pid: p.pid, info: copyAny(p.info) })),
    })),
    Update: unary(log, 'update', async (r, call) => {
      if (!unpackJson(r.resources, LINUX_RESOURCES_TYPE)) throw Object.assign(new Error('resources must be set: invalid argument'), { grpcCode: 3 });
      await tasks.forNamespace(namespaceOf(call)).update(r.containerId, copyAny(r.resources)!, r.annotations ?? {});
      return EMPTY;
    }),
    Metrics: unary(log, 'metrics', async (r, call) => {
      const m = tasks.forNamespace(namespaceOf(call));
      const f = parseFilters(r.filters ?? []);
      const ids = (await m.list()).map((s) => s.id).filter((id) => matches(f, (p) => (p.length === 1 && p[0] === 'id' ? id : undefined)));
      const metrics: Msg[] = [];
      for (const id of ids) {
        const data = copyAny(await m.stats(id));
        metrics.push({ timestamp: stamp(), id, data });
      }
      return { metrics };
    }),
    Wait: unary(log, 'wait', async (r, call) => {
      const e = await tasks.forNamespace(namespaceOf(call)).wait(r.containerId, opt(r.execId));
      return { exitStatus: e.exitStatus, exitedAt: optionalTimestamp(e.exitedAt) };
    }),
  });
}

/** A shim's event, as Forward brings it: published unchanged, under its own namespace and time. */
export function forward(events: EventExchange, env: Envelope | undefined): void {
  if (!env?.namespace) throw namespaceRequired();
  validateTopic(env.topic);
  events.publish({ timestamp: env.timestamp ?? stamp(), namespace: env.namespace, topic: env.topic, event: env.event });
}
