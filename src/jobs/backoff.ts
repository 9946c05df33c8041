/** Retry policy of a job kind: exponential backoff with jitter, then failure. */
export interface RetryPolicy {
  /** Delay after the first failed attempt, in ms. */
  baseMs: number;
  /** Each further failure multiplies the delay by this. */
  factor: number;
  /** The delay never exceeds this (before jitter shortens it). */
  maxDelayMs: number;
  /** 0..1: the delay is drawn uniformly from [d·(1−jitter), d], so retries of many jobs spread out. */
  jitter: number;
  /** After this many failed attempts the job is failed with its last error. */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 2_000, factor: 2, maxDelayMs: 5 * 60_000, jitter: 0.25, maxAttempts: 8 };

/** The undithered delay after failed attempt number `attempt` (1-based). */
export function backoffCeiling(p: RetryPolicy, attempt: number): number {
  return Math.min(p.maxDelayMs, p.baseMs * p.factor ** Math.max(0, attempt - 1));
}

/** The delay before retrying after failed attempt number `attempt`; random() in [0, 1). */
export function backoffDelay(p: RetryPolicy, attempt: number, random: () => number): number {
  const d = backoffCeiling(p, attempt);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(d * (1 - p.jitter * r));
}

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
