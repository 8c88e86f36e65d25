// google.protobuf.Timestamp ↔ the RFC 3339 nanosecond strings the engine keeps (api/clock.ts).

export interface TimestampValue {
  seconds: number;
  nanos: number;
}

export function toTimestamp(rfc3339: string): TimestampValue {
  const m = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(rfc3339);
  if (!m) throw new Error(`not an RFC 3339 UTC time: ${rfc3339}`);
  const seconds = Math.floor(Date.parse(`${m[1]}Z`) / 1000);
  if (!Number.isFinite(seconds)) throw new Error(`not an RFC 3339 UTC time: ${rfc3339}`);
  return { seconds, nanos: m[2] ? Number(m[2].padEnd(9, '0')) : 0 };
}

/** Go's zero time (0001-01-01T00:00:00Z) for a missing value, as containerd shows it. */
export function fromTimestamp(t: TimestampValue | null | undefined): string {
  const seconds = t?.seconds ?? -62135596800;
  const nanos = t?.nanos ?? 0;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const frac = nanos ? '.' + String(nanos).padStart(9, '0').replace(/0+$/, '') : '';
  return `${base}${frac}Z`;
}

/** A message's optional time field: null (left out on the wire) when there is none. */
export function optionalTimestamp(rfc3339: string | undefined): TimestampValue | null {
  return rfc3339 ? toTimestamp(rfc3339) : null;
}
