// containerd's ttrpc socket, `<grpc socket>.ttrpc`: where shims forward their events
// (containerd.services.events.ttrpc.v1.Events/Forward, the TTRPC_ADDRESS of their start step).
// Each envelope is published unchanged, in the order it came; an init's /tasks/exit also tells the
// task manager that nobody needs to hear that exit again if the shim dies.
import fs from 'node:fs';
import { TtrpcServer } from '../../api/ttrpc/server.js';
import { Code, TtrpcError } from '../../api/ttrpc/status.js';
import { TaskError, eventRequired, namespaceRequired, toStatus } from '../../api/errors.js';
import { copyAny, unpackMessage, type AnyValue } from '../../api/any.js';
import type { TimestampValue } from '../../api/timestamp.js';
import type { EventExchange } from './event-exchange.js';
import { validateTopic } from './event-exchange.js';
import type { Tasks } from './tasks.js';

interface ForwardRequest {
  envelope?: { timestamp?: TimestampValue; namespace?: string; topic?: string; event?: AnyValue };
}

export async function serveTtrpcEvents(address: string, events: EventExchange, tasks: Tasks): Promise<TtrpcServer> {
  // containerd's own errors (a missing namespace or event, a bad topic) keep their class; anything
  // else, such as an envelope that does not decode, is the caller's invalid argument
  const server = new TtrpcServer((err) =>
    err instanceof TtrpcError ? { code: err.code, message: err.message }
    : err instanceof TaskError || typeof (err as { grpcCode?: unknown })?.grpcCode === 'number' ? toStatus(err)
    : { code: Code.INVALID_ARGUMENT, message: (err as Error).message },
  );
  server.registerService('containerd.services.events.ttrpc.v1.Events', {
    Forward: (req: ForwardRequest) => {
      const env = req.envelope;
      if (!env?.namespace) throw namespaceRequired();
      const topic = env.topic ?? '';
      validateTopic(topic);
      const event = copyAny(env.event);
      if (!event) throw eventRequired();
      if (topic === '/tasks/exit') {
        const e = unpackMessage<{ containerId?: string; id?: string }>(env.event, 'containerd.events.TaskExit');
        if (e?.containerId) tasks.forNamespace(env.namespace).noteExitForwarded(e.containerId, e.id ?? '');
      }
      events.publish({ timestamp: env.timestamp ?? { seconds: 0, nanos: 0 }, namespace: env.namespace, topic, event });
      return {};
    },
  });
  fs.rmSync(address, { force: true });
  await server.listen(address);
  fs.chmodSync(address, 0o660);
  return server;
}
