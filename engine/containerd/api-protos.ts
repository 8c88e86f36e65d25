// containerd's gRPC services (api/services/*.proto), loaded once for both sides: ref-containerd
// serves them and ref-dockerd's client calls them. grpc-js gets the service definitions through
// proto-loader; the inner messages that travel inside an Any (events, runc options) are encoded
// with protobufjs from the same files. The .proto files are read at run time from the source tree
// (tsc does not copy them into dist/).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const FILES = [
  'version.proto',
  'introspection.proto',
  'namespaces.proto',
  'containers.proto',
  'tasks.proto',
  'events.proto',
  'leases.proto',
  'health.proto',
  'runc-options.proto',
  'task-events.proto',
];

export function servicesDir(): string {
  for (const rel of ['../../api/services/', '../../../api/services/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (fs.existsSync(dir + 'tasks.proto')) return dir;
  }
  throw new Error('api/services/tasks.proto not found');
}

/** Field names as in the .proto files (snake_case), int64 as numbers, enums by name. */
export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

let grpcObject: grpc.GrpcObject | undefined;
let root: protobuf.Root | undefined;

function pick(obj: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], obj);
}

/** A service constructor by its full name, e.g. containerd.services.tasks.v1.Tasks. */
export function service(name: string): grpc.ServiceClientConstructor {
  if (!grpcObject) {
    const dir = servicesDir();
    const def = protoLoader.loadSync(FILES.map((f) => dir + f), { ...LOADER_OPTIONS, includeDirs: [dir] });
    grpcObject = grpc.loadPackageDefinition(def);
  }
  const s = pick(grpcObject, name) as grpc.ServiceClientConstructor | undefined;
  if (!s) throw new Error(`no service ${name} in api/services`);
  return s;
}

/** A message type by its full name, for the payloads of Any. */
export function messageType(name: string): protobuf.Type {
  if (!root) {
    const dir = servicesDir();
    root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (target.startsWith('google/') ? target : dir + target.replace(/^.*\//, ''));
    root.loadSync(FILES, { keepCase: true });
  }
  return root.lookupType(name);
}
