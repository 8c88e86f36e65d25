// The contract (api/proto/**/*.proto), as scripts/build-protos.mjs compiled it into
// dist/api/contract.json at build time, and a proto3 codec for its messages: one descriptor and one
// codec for every side (the shim and ref-containerd's ttrpc, ref-containerd's gRPC services and
// ref-dockerd's client of them).
//
// Why a codec of our own instead of protobufjs at run time (docs/benchmarks.md): every reference
// process paid for loading protobufjs (its reflection classes, Long, code generation) and for
// building a Root, and the shim, one per container, kept all of it resident for the container's
// life. The contract needs little: proto3 scalars (string, bytes, bool, int32, uint32, int64,
// uint64), enums, nested messages, repeated fields and string-keyed maps; no oneofs, groups or
// proto2 defaults. protobufjs still compiles the .proto files at build time, and a unit test
// (protos.test.ts) holds this codec to protobufjs' bytes and objects for every message of the
// contract.
//
// Decoded messages look as protobufjs' toObject({ longs: Number, enums: String, defaults: true,
// arrays: true, objects: true }) made them: camelCase fields, 64-bit integers as numbers, enums by
// name, every field present (scalars at their zero value, messages null, repeated fields [], maps
// {}); bytes are Buffers that share the decoded buffer's memory. Encoding is Go's proto3
// marshalling: fields holding their zero value are left out, a message field that is set is
// written even when empty, repeated scalars are packed, fields go out in field-number order.
import fs from 'node:fs';

const CONTRACT = new URL('./contract.json', import.meta.url);

interface FieldJson {
  type: string;
  id: number;
  rule?: string;
  keyType?: string;
}

interface NodeJson {
  nested?: Record<string, NodeJson>;
  fields?: Record<string, FieldJson>;
  values?: Record<string, number>;
  methods?: Record<string, { requestType: string; responseType: string; requestStream?: boolean; responseStream?: boolean }>;
}

type Scalar = 'string' | 'bytes' | 'bool' | 'int32' | 'uint32' | 'int64' | 'uint64';
const SCALARS = new Set<string>(['string', 'bytes', 'bool', 'int32', 'uint32', 'int64', 'uint64']);

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;

let contract: NodeJson | undefined;

function contractRoot(): NodeJson {
  if (contract) return contract;
  try {
    contract = JSON.parse(fs.readFileSync(CONTRACT, 'utf8')) as NodeJson;
  } catch (err) {
    throw new Error(`the contract descriptor ${CONTRACT.pathname} is missing or unreadable (node scripts/build-protos.mjs makes it): ${(err as Error).message}`);
  }
  return contract;
}

/** The descriptor node of a full name ("containerd.types.Mount"), or undefined. */
function lookup(fullName: string): NodeJson | undefined {
  let node: NodeJson | undefined = contractRoot();
  for (const part of fullName.replace(/^\./, '').split('.')) {
    node = node?.nested?.[part];
    if (!node) return undefined;
  }
  return node;
}

interface Field {
  name: string;
  id: number;
  repeated: boolean;
  /** a map<string, …> field: encoded as repeated entries {key = 1, value = 2} */
  map: boolean;
  /** the value's type: a scalar, or the full name of a message or enum */
  type: string;
  scalar?: Scalar;
}

class EnumType {
  readonly byName: Record<string, number>;
  readonly byNumber = new Map<number, string>();
  readonly zeroName: string;

  constructor(values: Record<string, number>) {
    this.byName = values;
    for (const [name, n] of Object.entries(values)) if (!this.byNumber.has(n)) this.byNumber.set(n, name);
    // protobufjs' default for an enum field is its first value (in proto3, the one numbered 0)
    this.zeroName = Object.keys(values)[0] ?? '';
  }
}

const messages = new Map<string, MessageType>();
const enums = new Map<string, EnumType>();

function enumType(fullName: string): EnumType | undefined {
  let e = enums.get(fullName);
  if (e) return e;
  const node = lookup(fullName);
  if (!node?.values) return undefined;
  e = new EnumType(node.values);
  enums.set(fullName, e);
  return e;
}

/** A message of the contract by its full name; each is resolved when first used. */
export function messageType(fullName: string): MessageType {
  const name = fullName.replace(/^\./, '');
  let t = messages.get(name);
  if (t) return t;
  const node = lookup(name);
  if (!node?.fields) throw new Error(`no such type: ${name}`);
  t = new MessageType(name, node.fields);
  messages.set(name, t);
  return t;
}

type Obj = Record<string, unknown>;

export class MessageType {
  /** in field-number order: the order of the wire and of a decoded object's keys */
  private readonly fields: Field[];
  private readonly byId = new Map<number, Field>();

  constructor(
    readonly fullName: string,
    fields: Record<string, FieldJson>,
  ) {
    this.fields = Object.entries(fields)
      .map(([name, f]) => {
        const type = f.type.replace(/^\./, '');
        const scalar = SCALARS.has(type) ? (type as Scalar) : undefined;
        return { name, id: f.id, repeated: f.rule === 'repeated', map: f.keyType !== undefined, type, scalar };
      })
      .sort((a, b) => a.id - b.id);
    for (const f of this.fields) {
      if (f.map && fields[f.name]!.keyType !== 'string') throw new Error(`${fullName}.${f.name}: only string map keys are supported`);
      this.byId.set(f.id, f);
    }
  }

  /** Go's proto3 marshalling of a plain object (camelCase fields); absent and zero fields are left out. */
  encode(value: object): Buffer {
    const w = new Writer();
    this.write(w, value as Obj, '');
    return w.finish();
  }

  decode<T = Obj>(bytes: Uint8Array): T {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.read(new Reader(buf, 0, buf.length)) as T;
  }

  private write(w: Writer, v: Obj, path: string): void {
    if (typeof v !== 'object' || v === null) throw new TypeError(`${path || '.' + this.fullName}: object expected`);
    for (const f of this.fields) {
      const x = v[f.name];
      if (x === null || x === undefined) continue;
      const where = `.${this.fullName}.${f.name}`;
      if (f.map) {
        if (typeof x !== 'object') throw new TypeError(`${where}: object expected`);
        for (const key of Object.keys(x)) {
          const entry = new Writer();
          entry.tag(1, WIRE_BYTES).string(key);
          writeValue(entry, f, 2, (x as Obj)[key], where, true);
          w.tag(f.id, WIRE_BYTES).bytes(entry.finish());
        }
      } else if (f.repeated) {
        if (!Array.isArray(x)) throw new TypeError(`${where}: array expected`);
        if (!x.length) continue;
        if (packable(f)) {
          const packed = new Writer();
          for (const e of x) writeNumber(packed, f, e);
          w.tag(f.id, WIRE_BYTES).bytes(packed.finish());
        } else {
          for (const e of x) writeValue(w, f, f.id, e, where, true);
        }
      } else {
        writeValue(w, f, f.id, x, where, false);
      }
    }
  }

  private read(r: Reader): Obj {
    const o: Obj = {};
    // protobufjs' key order: repeated fields, then maps, then the rest, each by field number
    for (const f of this.fields) if (f.repeated && !f.map) o[f.name] = [];
    for (const f of this.fields) if (f.map) o[f.name] = {};
    for (const f of this.fields) if (!f.repeated && !f.map) o[f.name] = defaultOf(f);
    while (r.pos < r.end) {
      const key = r.uint32();
      const id = key >>> 3;
      const wire = key & 7;
      const f = this.byId.get(id);
      if (!f || (wire === WIRE_START_GROUP || wire === WIRE_END_GROUP)) {
        r.skip(wire, id);
        continue;
      }
      if (f.map) {
        const end = r.uint32() + r.pos;
        let k = '';
        let val: unknown = defaultOf(f);
        while (r.pos < end) {
          const ek = r.uint32();
          if (ek >>> 3 === 1) k = r.string();
          else if (ek >>> 3 === 2) val = readValue(r, f);
          else r.skip(ek & 7, ek >>> 3);
        }
        if (val === null) val = messageType(f.type).read(new Reader(r.buf, 0, 0));
        (o[f.name] as Obj)[k] = val;
      } else if (f.repeated) {
        const list = o[f.name] as unknown[];
        if (wire === WIRE_BYTES && packable(f)) {
          const end = r.uint32() + r.pos;
          while (r.pos < end) list.push(readValue(r, f));
        } else {
          list.push(readValue(r, f));
        }
      } else {
        o[f.name] = readValue(r, f);
      }
    }
    return o;
  }

  /** for readValue: a nested message of this type, length-delimited */
  readNested(r: Reader): Obj {
    const len = r.uint32();
    const nested = new Reader(r.buf, r.pos, r.pos + len);
    r.pos += len;
    return this.read(nested);
  }

  /** for writeValue */
  writeNested(w: Writer, v: Obj, path: string): void {
    this.write(w, v, path);
  }
}

function packable(f: Field): boolean {
  return f.scalar ? f.scalar !== 'string' && f.scalar !== 'bytes' : enumType(f.type) !== undefined;
}

function defaultOf(f: Field): unknown {
  switch (f.scalar) {
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'bool':
      return false;
    case undefined:
      break;
    default:
      return 0;
  }
  const e = enumType(f.type);
  return e ? e.zeroName : null;
}

function isZero(f: Field, v: unknown): boolean {
  if (f.scalar === 'bytes') return (v as Uint8Array).length === 0;
  if (f.scalar === 'int64' || f.scalar === 'uint64') return v === 0n;
  return v === 0 || v === '' || v === false;
}

/**
 * One value of field `f` under field number `id`. `always`: an element of a repeated field or a
 * map entry's value, written even when zero.
 */
function writeValue(w: Writer, f: Field, id: number, x: unknown, where: string, always: boolean): void {
  if (!f.scalar) {
    const e = enumType(f.type);
    if (!e) {
      if (typeof x !== 'object' || x === null) throw new TypeError(`${where}: object expected`);
      const sub = new Writer();
      messageType(f.type).writeNested(sub, x as Obj, where);
      w.tag(id, WIRE_BYTES).bytes(sub.finish());
      return;
    }
  }
  const v = scalarValue(f, x);
  if (v === undefined || (!always && isZero(f, v))) return;
  if (f.scalar === 'string') w.tag(id, WIRE_BYTES).string(v as string);
  else if (f.scalar === 'bytes') w.tag(id, WIRE_BYTES).bytes(v as Uint8Array);
  else writeNumber(w.tag(id, WIRE_VARINT), f, x);
}

/** A varint-encoded value (packed element or after its tag). */
function writeNumber(w: Writer, f: Field, x: unknown): void {
  const v = scalarValue(f, x);
  if (v === undefined) return;
  if (typeof v === 'bigint') w.varint64(v);
  else if (typeof v === 'boolean') w.varint32(v ? 1 : 0);
  else if (f.scalar === 'uint32') w.varint32(v as number);
  else if ((v as number) < 0) w.varint64(BigInt.asUintN(64, BigInt(v as number)));
  else w.varint32(v as number);
}

/**
 * A JavaScript value as the field's type holds it (protobufjs' fromObject): strings and numbers
 * coerced, 64-bit integers as bigint, enums from their name or number (an unknown name: unset),
 * bytes from a Uint8Array, an array of bytes or base64 text.
 */
function scalarValue(f: Field, x: unknown): string | number | boolean | bigint | Uint8Array | undefined {
  switch (f.scalar) {
    case 'string':
      return String(x);
    case 'bool':
      return Boolean(x);
    case 'uint32':
      return (x as number) >>> 0;
    case 'int32':
      return (x as number) | 0;
    case 'int64':
    case 'uint64':
      return BigInt.asUintN(64, toBigInt(x));
    case 'bytes':
      if (typeof x === 'string') return Buffer.from(x, 'base64');
      if (x instanceof Uint8Array) return x;
      return Uint8Array.from(x as ArrayLike<number>);
    default: {
      if (typeof x === 'number') return x | 0;
      const n = enumType(f.type)!.byName[x as string];
      return n === undefined ? undefined : n;
    }
  }
}

function toBigInt(x: unknown): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number') return Number.isFinite(x) ? BigInt(Math.trunc(x)) : 0n;
  if (typeof x === 'string') {
    try {
      return BigInt(x.trim() || '0');
    } catch {
      return 0n;
    }
  }
  if (x && typeof x === 'object' && 'low' in x && 'high' in x) {
    const l = x as { low: number; high: number };
    return (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
  }
  return 0n;
}

function readValue(r: Reader, f: Field): unknown {
  switch (f.scalar) {
    case 'string':
      return r.string();
    case 'bytes':
      return r.bytes();
    case 'bool':
      return r.uint32() !== 0;
    case 'uint32':
      return r.uint32();
    case 'int32':
      return r.uint32() | 0;
    case 'uint64':
      return r.varint64Number(true);
    case 'int64':
      return r.varint64Number(false);
    default: {
      const e = enumType(f.type);
      if (!e) return messageType(f.type).readNested(r);
      const n = r.uint32() | 0;
      return e.byNumber.get(n) ?? n;
    }
  }
}

class Writer {
  private buf = Buffer.allocUnsafe(64);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  tag(id: number, wire: number): this {
    this.varint32(((id << 3) | wire) >>> 0);
    return this;
  }

  /** a non-negative number below 2^53 */
  varint32(v: number): this {
    this.room(10);
    while (v > 127) {
      this.buf[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  varint64(v: bigint): this {
    this.room(10);
    while (v > 127n) {
      this.buf[this.pos++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
    return this;
  }

  string(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    this.varint32(len);
    this.room(len);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    return this;
  }

  bytes(b: Uint8Array): this {
    this.varint32(b.length);
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  private byte(): number {
    if (this.pos >= this.end) throw new RangeError(`index out of range: ${this.pos} + 1 > ${this.end}`);
    return this.buf[this.pos++]!;
  }

  /** a varint's low 32 bits, unsigned (the rest of a longer varint is read and dropped) */
  uint32(): number {
    let v = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.byte();
      if (shift < 32) v += (b & 127) * 2 ** shift;
      if (b < 128) return v >>> 0;
    }
    throw new Error('invalid varint encoding');
  }

  /** a 64-bit varint as a number (exact below 2^53), unsigned or two's complement */
  varint64Number(unsigned: boolean): number {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.byte();
      const bits = b & 127;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (b < 128) {
        lo >>>= 0;
        hi >>>= 0;
        if (!unsigned && hi >>> 31) {
          let nlo = (~lo + 1) >>> 0;
          let nhi = ~hi >>> 0;
          if (!nlo) nhi = (nhi + 1) >>> 0;
          return -(nlo + nhi * 4294967296);
        }
        return lo + hi * 4294967296;
      }
    }
    throw new Error('invalid varint encoding');
  }

  private length(): number {
    const len = this.uint32();
    if (this.pos + len > this.end) throw new RangeError(`index out of range: ${this.pos} + ${len} > ${this.end}`);
    return len;
  }

  string(): string {
    const len = this.length();
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** shares the buffer's memory, as protobufjs' reader does */
  bytes(): Buffer {
    const len = this.length();
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  skip(wire: number, id: number): void {
    switch (wire) {
      case WIRE_VARINT:
        while (this.byte() & 128);
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.advance(this.length());
        return;
      case WIRE_START_GROUP:
        for (;;) {
          const key = this.uint32();
          if ((key & 7) === WIRE_END_GROUP) return;
          this.skip(key & 7, key >>> 3);
        }
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new Error(`invalid wire type ${wire} at offset ${this.pos} (field ${id})`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new RangeError(`index out of range: ${this.pos} + ${n} > ${this.end}`);
    this.pos += n;
  }
}

export interface MethodInfo {
  name: string;
  requestType: MessageType;
  responseType: MessageType;
  requestStream: boolean;
  responseStream: boolean;
}

const services = new Map<string, Map<string, MethodInfo>>();

/** The methods of a service of the contract (e.g. containerd.task.v2.Task), by name. */
export function serviceMethods(fullName: string): Map<string, MethodInfo> {
  const known = services.get(fullName);
  if (known) return known;
  const node = lookup(fullName);
  if (!node?.methods) throw new Error(`no such service: ${fullName}`);
  const out = new Map<string, MethodInfo>();
  for (const [name, m] of Object.entries(node.methods)) {
    out.set(name, {
      name,
      get requestType() {
        return messageType(m.requestType);
      },
      get responseType() {
        return messageType(m.responseType);
      },
      requestStream: Boolean(m.requestStream),
      responseStream: Boolean(m.responseStream),
    });
  }
  services.set(fullName, out);
  return out;
}

export function encode(fullName: string, value: object): Buffer {
  return messageType(fullName).encode(value);
}

export function decode<T = Record<string, unknown>>(fullName: string, bytes: Uint8Array): T {
  return messageType(fullName).decode<T>(bytes);
}
