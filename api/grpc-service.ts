// grpc-js service definitions made from the contract's Root (api/protos.ts), for the suite's own
// gRPC checks and the tests that hold api/grpc/ to grpc-js (the engine serves and calls with
// api/grpc/server.ts and client.ts, without grpc-js), in place of
// @grpc/proto-loader: the same descriptor the ttrpc side uses, so one set of messages, one naming
// (camelCase fields) and one Any for both protocols, and no .proto parsing at start. Only grpc-js'
// types are imported here: the shim, which never speaks gRPC, does not load grpc-js through api/.
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { serviceMethods, type MessageType } from './protos.js';

type Msg = Record<string, unknown>;

const definitions = new Map<string, ServiceDefinition>();

const serialize = (t: MessageType) => (v: Msg) => t.encode(v);
const deserialize = (t: MessageType) => (b: Buffer) => t.decode<Msg>(b);

/**
 * The definition of a service by its full name (e.g. containerd.services.tasks.v1.Tasks), for
 * `makeGenericClientConstructor`; methods keep the .proto's names.
 */
export function serviceDefinition(fullName: string): ServiceDefinition {
  const known = definitions.get(fullName);
  if (known) return known;
  const def: Record<string, MethodDefinition<Msg, Msg>> = {};
  for (const m of serviceMethods(fullName).values()) {
    const req = m.requestType;
    const res = m.responseType;
    def[m.name] = {
      path: `/${fullName}/${m.name}`,
      requestStream: Boolean(m.requestStream),
      responseStream: Boolean(m.responseStream),
      requestSerialize: serialize(req),
      requestDeserialize: deserialize(req),
      responseSerialize: serialize(res),
      responseDeserialize: deserialize(res),
    };
  }
  definitions.set(fullName, def);
  return def;
}
