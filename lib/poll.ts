// One polling loop for every wait that asks "has it happened yet?" at an interval until a deadline:
// the engines' own waits (their deadlines are behaviour and are not scaled), the harness's and the
// steps' (lib/eventually.ts builds on it). Each caller keeps its deadline and its error text; this
// only answers whether it happened in time. `check` may throw to stop early (the process died).
//
// ref-runc runs synchronously from start to end (one short-lived process, no event loop worth
// keeping), so it has the synchronous form, which sleeps with Atomics.wait.

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
}

/** Calls `check` until it returns true (→ true) or the deadline has passed after a false (→ false). */
export async function pollUntil(check: () => boolean | Promise<boolean>, { timeoutMs, intervalMs }: PollOptions): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (fractions of a millisecond too). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** pollUntil for synchronous code; `sleep` may be replaced (tests that change the world between checks). */
export function pollUntilSync(check: () => boolean, { timeoutMs, intervalMs, sleep = sleepSync }: PollOptions & { sleep?: (ms: number) => void }): boolean {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > until) return false;
    sleep(intervalMs);
  }
}
