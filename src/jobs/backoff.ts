/** Retry policy of a job kind: exponential backoff with jitter (src/util/backoff), then failure. */
import type { Backoff } from '../util/backoff';

export { backoffCeiling, backoffDelay } from '../util/backoff';

export interface RetryPolicy extends Backoff {
  /** After this many failed attempts the job is failed with its last error. */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 2_000, factor: 2, maxDelayMs: 5 * 60_000, jitter: 0.25, maxAttempts: 8 };

/** Checks a policy (programming errors surface at register(), not at the first failure). */
export function validateRetryPolicy(p: RetryPolicy): RetryPolicy {
  const bad = (what: string): never => {
    throw new RangeError(`Invalid retry policy: ${what}.`);
  };
  if (!(Number.isFinite(p.baseMs) && p.baseMs >= 0)) bad('baseMs must be a finite number ≥ 0');
  if (!(Number.isFinite(p.factor) && p.factor >= 1)) bad('factor must be ≥ 1');
  if (!(Number.isFinite(p.maxDelayMs) && p.maxDelayMs >= 0)) bad('maxDelayMs must be a finite number ≥ 0');
  if (!(p.jitter >= 0 && p.jitter <= 1)) bad('jitter must be within 0..1');
  if (!(Number.isInteger(p.maxAttempts) && p.maxAttempts >= 1)) bad('maxAttempts must be an integer ≥ 1');
  return p;
}
