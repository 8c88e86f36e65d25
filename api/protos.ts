// The contract (api/proto/**/*.proto), as scripts/build-protos.mjs compiled it into
// dist/api/contract.json at build time: one protobufjs Root for every side (the shim and
// ref-containerd's ttrpc, ref-containerd's gRPC services and ref-dockerd's client of them). Loaded
// with protobufjs' light build, which has no .proto parser: nothing is parsed when a process starts.
import fs from 'node:fs';
import protobuf from 'protobufjs/light.js';

const CONTRACT = new URL('./contract.json', import.meta.url);

let root: protobuf.Root | undefined;

export function protoRoot(): protobuf.Root {
  if (root) return root;
  let json: protobuf.INamespace;
  try {
    json = JSON.parse(fs.readFileSync(CONTRACT, 'utf8')) as protobuf.INamespace;
  } catch (err) {
    throw new Error(`the contract descriptor ${CONTRACT.pathname} is missing or unreadable (node scripts/build-protos.mjs makes it): ${(err as Error).message}`);
  }
  // Not Root.fromJSON, which resolves and compiles every type of the contract at once; each type is
  // resolved when first used (the references are fully qualified: scripts/build-protos.mjs).
  const r = new protobuf.Root();
  r.addJSON(json.nested!);
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
