// The contract's codec (api/protos.ts) held to protobufjs, which compiles the contract at build
// time and was the codec before: for every message of the contract, random values encode to the
// same bytes and decode to the same objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import protobuf from 'protobufjs/light.js';
import { decode, encode, serviceMethods } from './protos.js';

const json = JSON.parse(fs.readFileSync(new URL('./contract.json', import.meta.url), 'utf8')) as protobuf.INamespace;
const root = protobuf.Root.fromJSON(json);
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true, arrays: true, objects: true };

function allTypes(ns: protobuf.NamespaceBase, out: protobuf.Type[] = []): protobuf.Type[] {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Type) out.push(o);
    if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) allTypes(o as protobuf.NamespaceBase, out);
  }
  return out;
}

/**
 * The encoding the reference used before: protobufjs with Go's zero values left out. One change:
 * zero fields of a message inside a map (Container.extensions' Anys) were written before and are
 * left out now, as Go leaves them out; both decode the same.
 */
function protobufjsEncode(t: protobuf.Type, value: object): Buffer {
  const m = t.fromObject(value) as unknown as Record<string, unknown>;
  prune(t, m);
  return Buffer.from(t.encode(m).finish());
}

function prune(t: protobuf.Type, m: Record<string, unknown>): void {
  for (const f of t.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(m, f.name)) continue;
    const v = m[f.name];
    f.resolve();
    if (f.repeated || f.map) {
      if (f.resolvedType instanceof protobuf.Type && v) for (const e of Object.values(v)) prune(f.resolvedType, e as Record<string, unknown>);
      continue;
    }
    if (f.resolvedType instanceof protobuf.Type) {
      if (v) prune(f.resolvedType, v as Record<string, unknown>);
    } else if (v === 0 || v === '' || v === false || (v instanceof Uint8Array && v.length === 0) || isZeroLong(v)) {
      delete m[f.name];
    }
  }
}

function isZeroLong(v: unknown): boolean {
  const l = v as { low?: number; high?: number } | null;
  return typeof l === 'object' && l !== null && l.low === 0 && l.high === 0;
}

let seed = 22;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;

function scalar(type: string): unknown {
  switch (type) {
    case 'string':
      return pick(['', 'a', 'ünïcødé ✓', '/run/containerd/s/' + Math.floor(rand() * 1e9)]);
    case 'bytes':
      return Buffer.from(Array.from({ length: pick([0, 1, 5, 200]) }, () => Math.floor(rand() * 256)));
    case 'bool':
      return rand() < 0.5;
    case 'uint32':
      return pick([0, 1, 127, 128, 300, 4294967295, Math.floor(rand() * 2 ** 32)]);
    case 'int32':
      return pick([0, 1, -1, 2147483647, -2147483648, Math.floor(rand() * 1e6) - 5e5]);
    case 'uint64':
      return pick([0, 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER, Math.floor(rand() * 2 ** 50)]);
    case 'int64':
      return pick([0, 1, -1, -(2 ** 40), Number.MAX_SAFE_INTEGER, Math.floor(rand() * 2 ** 50) - 2 ** 49]);
    default:
      throw new Error(type);
  }
}

function value(f: protobuf.Field, depth: number): unknown {
  f.resolve();
  if (f.resolvedType instanceof protobuf.Enum) return pick(Object.keys(f.resolvedType.values));
  if (f.resolvedType instanceof protobuf.Type) return depth > 3 ? {} : randomMessage(f.resolvedType, depth + 1);
  return scalar(f.type);
}

function randomMessage(t: protobuf.Type, depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of t.fieldsArray) {
    if (rand() < 0.35) continue;
    if (f.map) o[f.name] = Object.fromEntries(Array.from({ length: pick([0, 1, 3]) }, (_, i) => [`k${i}`, value(f, depth)]));
    else if (f.repeated) o[f.name] = Array.from({ length: pick([0, 1, 3]) }, () => value(f, depth));
    else o[f.name] = value(f, depth);
  }
  return o;
}

const types = allTypes(root);

test('every message of the contract encodes to protobufjs\' bytes and decodes to its objects', () => {
  assert.ok(types.length > 100, `${types.length} types`);
  for (const t of types) {
    const name = t.fullName.slice(1);
    for (let i = 0; i < 20; i++) {
      const v = randomMessage(t);
      const ours = encode(name, v);
      const theirs = protobufjsEncode(t, v);
      assert.equal(ours.toString('hex'), theirs.toString('hex'), `${name} encode of ${JSON.stringify(v)}`);
      // decoding also sees explicit zero values, as a Go peer never sends but others may
      const unpruned = Buffer.from(t.encode(t.fromObject(v)).finish());
      for (const bytes of [ours, unpruned]) {
        assert.deepEqual(decode(name, bytes), t.toObject(t.decode(bytes), TO_OBJECT), `${name} decode of ${bytes.toString('hex')}`);
      }
    }
  }
});

test('unknown fields are skipped; a truncated message fails', () => {
  // field 15 (varint), field 14 (fixed64), field 13 (bytes), field 12 (fixed32) before pid=3
  const extra = Buffer.from('7801' + '71' + '0102030405060708' + '6a03616263' + '6501020304', 'hex');
  const known = encode('containerd.events.TaskExit', { containerId: 'c', pid: 7 });
  assert.deepEqual(decode('containerd.events.TaskExit', Buffer.concat([extra, known])), decode('containerd.events.TaskExit', known));
  assert.throws(() => decode('containerd.events.TaskExit', known.subarray(0, known.length - 1)), /index out of range/);
});

test('a non-object where a message belongs is refused, as protobufjs refused it', () => {
  assert.throws(() => encode('containerd.events.TaskExit', { exitedAt: 5 }), /\.containerd\.events\.TaskExit\.exitedAt: object expected/);
  assert.throws(() => encode('containerd.events.TaskCreate', { rootfs: {} }), /rootfs: array expected/);
});

test('services: the methods of containerd.task.v2.Task with their message types', () => {
  const m = serviceMethods('containerd.task.v2.Task');
  assert.equal(m.get('Create')!.requestType.fullName, 'containerd.task.v2.CreateTaskRequest');
  assert.equal(m.get('Create')!.responseType.fullName, 'containerd.task.v2.CreateTaskResponse');
  assert.ok(m.has('ResizePty') && m.has('Stats') && m.has('Shutdown'));
});
