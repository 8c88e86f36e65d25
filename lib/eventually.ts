// Every wait has a deadline and says what it waited for when it gives up. One polling
// helper for steps, tests and tools alike. Deadlines stretch with DOCKSPEC_TIME_SCALE (lib/time-scale.ts).
import { scaled } from './time-scale.js';
import { pollUntil } from './poll.js';

/** Poll `check` until it returns a truthy value; fail with what was awaited after the deadline. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15000, intervalMs = 100): Promise<T> {
  timeoutMs = scaled(timeoutMs);
  let lastError: unknown;
  let value: T | undefined | false;
  const happened = async () => {
    try {
      value = await check();
      return Boolean(value);
    } catch (err) {
      lastError = err;
      return false;
    }
  };
  if (await pollUntil(happened, { timeoutMs, intervalMs })) return value as T;
  const why = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}${why}`);
}

/**
 * The other half of a "stays so" claim: `check` must hold (not throw) at every look for `forMs`,
 * and the first look that throws fails at once. Not stretched by DOCKSPEC_TIME_SCALE: a slow host
 * only makes fewer looks. Returns what the last look returned.
 */
export async function throughout<T>(check: () => Promise<T> | T, forMs: number, intervalMs = 100): Promise<T> {
  const until = Date.now() + forMs;
  let value = await check();
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await check();
  }
  return value;
}
