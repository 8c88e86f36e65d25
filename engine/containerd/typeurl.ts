// Values inside google.protobuf.Any the way containerd's typeurl writes them: bare type URLs (no
// type.googleapis.com/ prefix, which dockerd's decoder rejects), OCI types as JSON, containerd's
// own messages protobuf-encoded. Plus Timestamp ⇄ RFC 3339 with nanoseconds.
import { messageType } from './api-protos.js';
import { RUNC_OPTIONS_TYPE, type AnyValue } from '../../api/any.js';

export interface Any {
  type_url: string;
  value: Buffer | Uint8Array;
}

export interface Timestamp {
  seconds: number;
  nanos: number;
}

// The type URLs have one home, the contract (api/any.ts); these are its names on the gRPC side,
// whose Any is proto-loader's { type_url, value } rather than protobufjs's { typeUrl, value }.
export {
  SPEC_TYPE as SPEC_URL,
  PROCESS_TYPE as PROCESS_URL,
  LINUX_RESOURCES_TYPE as RESOURCES_URL,
  RUNC_OPTIONS_TYPE as RUNC_OPTIONS_URL,
} from '../../api/any.js';

export function jsonAny(typeUrl: string, value: unknown): Any {
  return { type_url: typeUrl, value: Buffer.from(JSON.stringify(value)) };
}

/** The JSON value of an Any, checked against the type URL expected. */
export function fromJsonAny<T = Record<string, unknown>>(a: Any | null | undefined, typeUrl: string): T | undefined {
  if (!a || !a.type_url) return undefined;
  if (a.type_url !== typeUrl) throw Object.assign(new Error(`unexpected type ${a.type_url}, want ${typeUrl}`), { grpcCode: 3 });
  return JSON.parse(Buffer.from(a.value).toString('utf8')) as T;
}

/** An Any of one of containerd's protobuf messages, named by its full name (also the type URL). */
export function protoAny(name: string, value: Record<string, unknown>): Any {
  const t = messageType(name);
  return { type_url: name, value: Buffer.from(t.encode(t.fromObject(value)).finish()) };
}

export function fromProtoAny(a: Any | null | undefined, name: string): Record<string, unknown> | undefined {
  if (!a || a.type_url !== name) return undefined;
  const t = messageType(name);
  return t.toObject(t.decode(Buffer.from(a.value)), { longs: Number, enums: String, defaults: true }) as Record<string, unknown>;
}

/** grpc-js' Any (snake_case, proto-loader) ⇄ api/any.ts' Any (camelCase, protobufjs): same wire. */
export function toAnyValue(a: Any | null | undefined): AnyValue | null {
  return a?.type_url ? { typeUrl: a.type_url, value: Buffer.from(a.value) } : null;
}

export function fromAnyValue(a: AnyValue | null | undefined): Any | null {
  return a?.typeUrl ? { type_url: a.typeUrl, value: Buffer.from(a.value) } : null;
}

export interface RuncOptions {
  binary_name: string;
  root: string;
  io_uid: number;
  io_gid: number;
  systemd_cgroup: boolean;
}

export function runcOptions(a: Any | null | undefined): Partial<RuncOptions> {
  return (fromProtoAny(a, RUNC_OPTIONS_TYPE) ?? {}) as Partial<RuncOptions>;
}

export function toTimestamp(rfc3339: string | undefined): Timestamp | null {
  if (!rfc3339) return null;
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(rfc3339);
  if (!m) return null;
  const seconds = Math.floor(Date.parse(m[1] + 'Z') / 1000);
  const nanos = m[2] ? Number(m[2].padEnd(9, '0').slice(0, 9)) : 0;
  return { seconds, nanos };
}

export function fromTimestamp(t: Partial<Timestamp> | null | undefined): string {
  if (!t) return '0001-01-01T00:00:00Z';
  const seconds = Number(t.seconds ?? 0);
  const nanos = Number(t.nanos ?? 0);
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const frac = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${base}${frac ? '.' + frac : ''}Z`;
}
