// Order statistics over a handful of samples. Medians, not means: on a shared 2-core machine one
// iteration that lands on someone else's test run would drag a mean far from the typical cost.

/** Nearest-rank percentile (p in 0..100) of the samples; NaN for none. */
export function percentile(samples: number[], p: number): number {
  if (!samples.length) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Median that averages the two middle samples of an even count. */
export function median(samples: number[]): number {
  if (!samples.length) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
