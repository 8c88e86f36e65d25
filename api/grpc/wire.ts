// gRPC's HTTP/2 wire format, as both sides of the project's gRPC (api/grpc/client.ts and
// api/grpc/server.ts) write and read it: the 5-byte message prefix, the percent-encoded
// grpc-message, and the grpc-timeout header.

/** A message on the wire: compressed-flag 0, big-endian length, the bytes. */
export function frame(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out[0] = 0;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

/** grpc-message is percent-encoded UTF-8: everything outside printable ASCII, and '%' itself. */
export function encodeMessage(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** encodeMessage undone; a message with a malformed escape is returned as it stands. */
export function decodeMessage(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** grpc-timeout: digits and a unit (H, M, S, m, u, n), in milliseconds; undefined if absent or malformed. */
export function timeoutMs(v: string | string[] | undefined): number | undefined {
  const m = typeof v === 'string' ? /^(\d{1,8})([HMSmun])$/.exec(v) : null;
  if (!m) return undefined;
  const n = Number(m[1]);
  const per: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
  return n * per[m[2]];
}

/** grpc-timeout for a deadline in milliseconds: at most 8 digits, so long ones go in seconds. */
export function grpcTimeout(ms: number): string {
  const n = Math.max(1, Math.ceil(ms));
  return n < 1e8 ? `${n}m` : `${Math.ceil(n / 1000)}S`;
}
