// Every wait has a deadline and says what it waited for when it gives up (STYLE.md). One polling
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
