// The gRPC face of the task manager: the Tasks service of api/tasks.proto, plus grpc.health.v1
// which real containerd serves too. Errors keep their containerd class as the gRPC status code.
import * as grpc from '@grpc/grpc-js';
import type { TaskExitEvent, TaskState } from './task-service.js';
import { asTaskError, grpcCodeOf } from '../../api/errors.js';
import type { TaskManager } from './task-manager.js';
import type { Logger } from '../../api/logrus.js';
import { protos } from './protos.js';

type Msg = Record<string, unknown>;
type Unary = (call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => void;

const statusEnum: Record<TaskState['status'], string> = {
  unknown: 'UNKNOWN',
  created: 'CREATED',
  running: 'RUNNING',
  stopped: 'STOPPED',
  paused: 'PAUSED',
};

export function processMessage(s: TaskState): Msg {
  return {
    id: s.id,
    execId: s.execId ?? '',
    pid: s.pid,
    status: statusEnum[s.status] ?? 'UNKNOWN',
    exitStatus: s.exitStatus ?? 0,
    exitedAt: s.exitedAt ?? '',
    bundle: s.bundle ?? '',
  };
}

function unary(log: Logger, name: string, fn: (req: Msg) => Promise<Msg>): Unary {
  return (call, cb) => {
    fn(call.request).then(
      (res) => cb(null, res),
      (err) => {
        const e = asTaskError(err);
        if (e.code !== 'not-found') log.debug(`${name} failed`, { error: e.message });
        cb({ code: grpcCodeOf(e.code), details: e.message } as grpc.ServiceError);
      },
    );
  };
}

export function addTaskService(server: grpc.Server, tasks: TaskManager, log: Logger): void {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const opt = (v: unknown) => str(v) || undefined;
  const { tasks: tasksDef, health } = protos();
  server.addService(tasksDef.service, {
    Create: unary(log, 'create', async (r) => {
      const { pid } = await tasks.create({
        id: str(r.id),
        bundle: str(r.bundle),
        runtimePath: str(r.runtimePath),
        runtimeRoot: opt(r.runtimeRoot),
        stdin: opt(r.stdin),
        stdout: str(r.stdout),
        stderr: str(r.stderr),
      });
      return { id: r.id, pid };
    }),
    Start: unary(log, 'start', async (r) => tasks.start(str(r.id), opt(r.execId))),
    Kill: unary(log, 'kill', async (r) => {
      await tasks.kill(str(r.id), Number(r.signal), { all: Boolean(r.all), execId: opt(r.execId) });
      return {};
    }),
    Delete: unary(log, 'delete', async (r) => ({ ...(await tasks.delete(str(r.id), opt(r.execId))) })),
    Wait: unary(log, 'wait', async (r) => ({ ...(await tasks.wait(str(r.id), opt(r.execId))) })),
    State: unary(log, 'state', async (r) => processMessage(await tasks.state(str(r.id), opt(r.execId)))),
    List: unary(log, 'list', async () => ({ tasks: (await tasks.list()).map(processMessage) })),
    Exec: unary(log, 'exec', async (r) => {
      let spec: Record<string, unknown>;
      try {
        spec = JSON.parse(str(r.specJson)) as Record<string, unknown>;
      } catch {
        throw Object.assign(new Error('exec spec is not JSON'), { code: 'failed-precondition' });
      }
      await tasks.exec({ containerId: str(r.containerId), execId: str(r.execId), spec, stdin: opt(r.stdin), stdout: str(r.stdout), stderr: str(r.stderr) });
      return {};
    }),
    Events: (call: grpc.ServerWritableStream<Msg, Msg>) => {
      const onExit = (e: TaskExitEvent) => {
        call.write({ topic: '/tasks/exit', containerId: e.containerId, execId: e.execId, pid: e.pid, exitStatus: e.exitStatus, exitedAt: e.exitedAt });
      };
      tasks.on('exit', onExit);
      const stop = () => tasks.off('exit', onExit);
      call.on('cancelled', stop);
      call.on('close', stop);
      call.on('error', stop);
    },
  });
  server.addService(health.service, {
    Check: (_call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => cb(null, { status: 'SERVING' }),
    Watch: (call: grpc.ServerWritableStream<Msg, Msg>) => {
      call.write({ status: 'SERVING' });
    },
  });
}
