/** Exponential backoff with jitter: the one delay formula of job retries, the chain follower and the host supervisor. */
export interface Backoff {
  /** Delay after the first failure, in ms. */
  baseMs: number;
  /** Each further failure multiplies the delay by this. */
  factor: number;
  /** The delay never exceeds this (before jitter shortens it). */
  maxDelayMs: number;
  /** 0..1: the delay is drawn uniformly from [d·(1−jitter), d], so many retries spread out. */
  jitter: number;
}

/** The undithered delay after failure number `attempt` (1-based). */
export function backoffCeiling(p: Backoff, attempt: number): number {
  return Math.min(p.maxDelayMs, p.baseMs * p.factor ** Math.max(0, attempt - 1));
}

/** The delay before retrying after failure number `attempt`; random() in [0, 1). */
export function backoffDelay(p: Backoff, attempt: number, random: () => number): number {
  const d = backoffCeiling(p, attempt);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(d * (1 - p.jitter * r));
}
