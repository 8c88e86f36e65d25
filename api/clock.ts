// Timestamps as Go's time.RFC3339Nano prints them (UTC, trailing zeros of the fraction trimmed),
// because dockerd and containerd show exit times that way and ref-dockerd passes them on verbatim.
// Date has only milliseconds, so the nanoseconds come from the monotonic clock anchored once.

const anchorNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function nowNs(): bigint {
  return anchorNs + process.hrtime.bigint();
}

export function rfc3339Nano(ns: bigint = nowNs()): string {
  const ms = Number(ns / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${frac ? '.' + frac : ''}Z`;
}
