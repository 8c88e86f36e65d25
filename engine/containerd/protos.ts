// The .proto files are read at run time (proto-loader), from the source tree: tsc does not copy
// them into dist/, so look beside this module first and then in the source folder.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

function apiDir(): string {
  for (const rel of ['./api/', '../../../engine/containerd/api/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (fs.existsSync(dir + 'tasks.proto')) return dir;
  }
  throw new Error('engine/containerd/api/tasks.proto not found');
}

let loaded: grpc.GrpcObject | undefined;

export function protos(): { tasks: grpc.ServiceClientConstructor; health: grpc.ServiceClientConstructor } {
  if (!loaded) {
    const dir = apiDir();
    const def = protoLoader.loadSync([dir + 'tasks.proto', dir + 'health.proto'], {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    loaded = grpc.loadPackageDefinition(def);
  }
  const pick = (path: string) => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], loaded) as grpc.ServiceClientConstructor;
  return { tasks: pick('dockspec.tasks.v1.Tasks'), health: pick('grpc.health.v1.Health') };
}
