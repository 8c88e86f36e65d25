// The .proto contracts under api/proto, loaded with protobufjs at run time. tsc does not copy them
// into dist/, so they are read from the source tree (dist/api/ → ../../api/proto). Only protobufjs
// is loaded, not grpc-js: a shim is one process per container and must start light.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** Every file of the contract; one Root holds them all so cross-file references resolve. */
export const PROTO_FILES = [
  'ttrpc/ttrpc.proto',
  'google/rpc/status.proto',
  'containerd/types/mount.proto',
  'containerd/types/task.proto',
  'containerd/types/metrics.proto',
  'containerd/task/v2/shim.proto',
  'containerd/events/task.proto',
  'containerd/services/events/ttrpc/v1/events.proto',
  'containerd/runc/v1/options.proto',
] as const;

/** The folder holding api/proto, for loaders other than this one (proto-loader's includeDirs). */
export function protoDir(): string {
  for (const rel of ['./proto/', '../../api/proto/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (fs.existsSync(path.join(dir, 'ttrpc/ttrpc.proto'))) return dir;
  }
  throw new Error('api/proto/ttrpc/ttrpc.proto not found beside the build or in the source tree');
}

let root: protobuf.Root | undefined;

export function protoRoot(): protobuf.Root {
  if (root) return root;
  const dir = protoDir();
  const r = new protobuf.Root();
  // google/protobuf/* always come from protobufjs's bundled copies; everything else from api/proto.
  r.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(dir, target));
  r.loadSync(PROTO_FILES.map((f) => path.join(dir, f)), { keepCase: false });
  // The bundled Any keeps its snake_case field name; rename it so that Any reads typeUrl like every
  // other field here (same number, same wire).
  const any = r.lookupType('google.protobuf.Any');
  const typeUrl = any.fields['type_url'];
  if (typeUrl) {
    any.remove(typeUrl);
    any.add(new protobuf.Field('typeUrl', 1, 'string'));
  }
  r.resolveAll();
  root = r;
  return r;
}

export function messageType(fullName: string): protobuf.Type {
  return protoRoot().lookupType(fullName);
}

/** How decoded messages look in TypeScript: camelCase fields, 64-bit as number, enums as names, defaults filled. */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true, arrays: true, objects: true };

/** Encodes like Go's proto3 marshalling: fields holding their zero value are left out. */
export function encodeMessage(t: protobuf.Type, value: object): Uint8Array {
  const m = t.fromObject(value);
  pruneDefaults(t, m as unknown as Record<string, unknown>);
  return t.encode(m).finish();
}

export function encode(fullName: string, value: object): Buffer {
  return Buffer.from(encodeMessage(messageType(fullName), value));
}

function isZero(v: unknown): boolean {
  if (v === 0 || v === '' || v === false) return true;
  if (v instanceof Uint8Array) return v.length === 0;
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) return (v as { low: number; high: number }).low === 0 && (v as { high: number }).high === 0;
  return false;
}

function pruneDefaults(t: protobuf.Type, m: Record<string, unknown>): void {
  for (const f of t.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(m, f.name)) continue;
    const v = m[f.name];
    f.resolve();
    if (f.repeated || f.map) {
      if (f.resolvedType instanceof protobuf.Type && Array.isArray(v)) for (const e of v) pruneDefaults(f.resolvedType, e as Record<string, unknown>);
      continue;
    }
    if (f.resolvedType instanceof protobuf.Type) {
      if (v) pruneDefaults(f.resolvedType, v as Record<string, unknown>);
    } else if (isZero(v)) {
      delete m[f.name];
    }
  }
}

export function decode<T = Record<string, unknown>>(fullName: string, bytes: Uint8Array): T {
  const t = messageType(fullName);
  return t.toObject(t.decode(bytes), TO_OBJECT) as T;
}
