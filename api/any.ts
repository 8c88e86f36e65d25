// google.protobuf.Any as containerd uses it: bare type URLs (no type.googleapis.com/ prefix;
// containerd's typeurl matches the URL exactly), protobuf values for its own messages and JSON
// values for the OCI runtime-spec types.
import { decode, encode } from './protos.js';

export interface AnyValue {
  typeUrl: string;
  value: Uint8Array;
}

export const SPEC_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
export const PROCESS_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
export const LINUX_RESOURCES_TYPE = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources';
export const RUNC_OPTIONS_TYPE = 'containerd.runc.v1.Options';

/** Packs one of the contract's messages; its type URL is its full name. */
export function packMessage(fullName: string, value: object): AnyValue {
  return { typeUrl: fullName, value: encode(fullName, value) };
}

export function unpackMessage<T>(any: AnyValue | null | undefined, fullName: string): T | undefined {
  if (!any || !any.typeUrl) return undefined;
  if (any.typeUrl !== fullName) throw new Error(`expected ${fullName}, got type URL ${any.typeUrl}`);
  return decode<T>(fullName, any.value);
}

export function packJson(typeUrl: string, value: unknown): AnyValue {
  return { typeUrl, value: Buffer.from(JSON.stringify(value)) };
}

export function unpackJson<T>(any: AnyValue | null | undefined, typeUrl: string): T | undefined {
  if (!any || !any.typeUrl) return undefined;
  if (any.typeUrl !== typeUrl) throw new Error(`expected ${typeUrl}, got type URL ${any.typeUrl}`);
  return JSON.parse(Buffer.from(any.value).toString('utf8')) as T;
}
