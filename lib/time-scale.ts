// One factor for every deadline of the steps and the harness. A slow host (a software-emulated
// guest: `dockspec vm` sets it) stretches them all alike, so slowness is not taken for a failure.
// The engines' deadlines are part of the behaviour under test and are not scaled, except those
// that only measure the host's speed: their waits for a child to become ready (containerd for
// dockerd, the shim for containerd) and the guards on calls that Docker makes without a deadline
// (ref-dockerd's calls to ref-containerd, ref-containerd's calls to the shim).

function parseScale(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1) throw new Error(`DOCKSPEC_TIME_SCALE wants a number >= 1, got "${value}"`);
  return n;
}

/** DOCKSPEC_TIME_SCALE, 1 when unset. */
export const TIME_SCALE = parseScale(process.env.DOCKSPEC_TIME_SCALE);

/** A deadline in milliseconds, stretched by DOCKSPEC_TIME_SCALE. */
export function scaled(ms: number): number {
  return Math.round(ms * TIME_SCALE);
}
