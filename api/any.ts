// google.protobuf.Any as containerd uses it, on every side (the shim's ttrpc, ref-containerd's
// gRPC services, ref-dockerd's client): bare type URLs (no type.googleapis.com/ prefix; containerd's
// typeurl matches the URL exactly, and dockerd's decoder rejects the prefix), protobuf values for
// containerd's own messages (the URL is the message's full name) and JSON values for the OCI
// runtime-spec types.
import { decode, encode } from './protos.js';
import { invalidArgument } from './errors.js';

export interface AnyValue {
  typeUrl: string;
  value: Uint8Array;
}

export const SPEC_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
export const PROCESS_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
export const LINUX_RESOURCES_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources';
export const RUNC_OPTIONS_TYPE = 'containerd.runc.v1.Options';
/** What a runc shim's Stats holds on a cgroup v1 host, and on a cgroup v2 host. */
export const CGROUPS_V1_METRICS_TYPE = 'io.containerd.cgroups.v1.Metrics';
export const CGROUPS_V2_METRICS_TYPE = 'io.containerd.cgroups.v2.Metrics';

/** An Any that holds something: decoders fill an absent one with an empty type URL. */
export function isSet(any: AnyValue | null | undefined): any is AnyValue {
  return Boolean(any?.typeUrl);
}

/** A copy that owns its bytes (decoded values share the frame's buffer), or null when unset. */
export function copyAny(any: AnyValue | null | undefined): AnyValue | null {
  return isSet(any) ? { typeUrl: any.typeUrl, value: Buffer.from(any.value) } : null;
}

/** Packs one of the contract's messages; its type URL is its full name. */
export function packMessage(fullName: string, value: object): AnyValue {
  return { typeUrl: fullName, value: encode(fullName, value) };
}

export function unpackMessage<T>(any: AnyValue | null | undefined, fullName: string): T | undefined {
  if (!isSet(any)) return undefined;
  if (any.typeUrl !== fullName) throw invalidArgument(`expected ${fullName}, got type URL ${any.typeUrl}`);
  return decode<T>(fullName, any.value);
}

export function packJson(typeUrl: string, value: unknown): AnyValue {
  return { typeUrl, value: Buffer.from(JSON.stringify(value)) };
}

export function unpackJson<T>(any: AnyValue | null | undefined, typeUrl: string): T | undefined {
  if (!isSet(any)) return undefined;
  if (any.typeUrl !== typeUrl) throw invalidArgument(`expected ${typeUrl}, got type URL ${any.typeUrl}`);
  return JSON.parse(Buffer.from(any.value).toString('utf8')) as T;
}
