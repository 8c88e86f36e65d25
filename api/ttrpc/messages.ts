// The envelope of each frame: ttrpc.Request and ttrpc.Response (api/proto/ttrpc/ttrpc.proto).
import { decode, encode } from '../protos.js';
import type { StatusValue } from './status.js';

export interface RequestMessage {
  service: string;
  method: string;
  payload: Uint8Array;
  timeoutNano: number;
  metadata: { key: string; value: string }[];
}

export interface ResponseMessage {
  status?: StatusValue | null;
  payload: Uint8Array;
}

export function encodeRequest(r: RequestMessage): Buffer {
  return encode('ttrpc.Request', r);
}

export function decodeRequest(b: Uint8Array): RequestMessage {
  return decode<RequestMessage>('ttrpc.Request', b);
}

export function encodeResponse(r: ResponseMessage): Buffer {
  return encode('ttrpc.Response', r);
}

export function decodeResponse(b: Uint8Array): ResponseMessage {
  const t = decode<ResponseMessage & { status: StatusValue | null }>('ttrpc.Response', b);
  return t;
}

/** Metadata as ttrpc carries it: one key may repeat. */
export type Metadata = Record<string, string[]>;

export function metadataFromPairs(pairs: { key: string; value: string }[]): Metadata {
  const md: Metadata = {};
  for (const { key, value } of pairs) (md[key] ??= []).push(value);
  return md;
}

export function metadataToPairs(md: Record<string, string | string[]> = {}): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const key of Object.keys(md)) {
    const v = md[key]!;
    for (const value of Array.isArray(v) ? v : [v]) out.push({ key, value });
  }
  return out;
}
