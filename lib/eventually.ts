// Every wait has a deadline and says what it waited for when it gives up (STYLE.md). One polling
// helper for steps, tests and tools alike. Deadlines stretch with DOCKSPEC_TIME_SCALE (lib/time-scale.ts).
import { scaled } from './time-scale.js';

/** Poll `check` until it returns a truthy value; fail with what was awaited after the deadline. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15000, intervalMs = 100): Promise<T> {
  timeoutMs = scaled(timeoutMs);
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  while (true) {
    try {
      const value = await check();
      if (value) return value as T;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
