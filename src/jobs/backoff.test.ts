import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, backoffCeiling, backoffDelay, validateRetryPolicy, type RetryPolicy } from './backoff';

/** A small seeded PRNG (mulberry32), so "many random draws" is reproducible. */
const seeded = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('backoff', () => {
  const p: RetryPolicy = { baseMs: 1000, factor: 2, maxDelayMs: 30_000, jitter: 0.3, maxAttempts: 10 };

  it('grows by the factor from the base and stops at the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeiling(p, n))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('keeps jittered delays within [ceiling·(1−jitter), ceiling], spread over the range', () => {
    const random = seeded(42);
    for (let n = 1; n <= 8; n++) {
      const ceiling = backoffCeiling(p, n);
      const draws = Array.from({ length: 500 }, () => backoffDelay(p, n, random));
      for (const d of draws) {
        expect(d).toBeGreaterThanOrEqual(Math.round(ceiling * (1 - p.jitter)));
        expect(d).toBeLessThanOrEqual(ceiling);
      }
      // Jitter really spreads retries: both ends of the range are reached.
      expect(Math.min(...draws)).toBeLessThan(ceiling * (1 - p.jitter * 0.9));
      expect(Math.max(...draws)).toBeGreaterThan(ceiling * (1 - p.jitter * 0.1));
    }
    expect(backoffDelay(p, 3, () => 0)).toBe(4000);
    expect(backoffDelay(p, 3, () => 0.5)).toBe(3400);
    expect(backoffDelay({ ...p, jitter: 0 }, 3, () => 0.9)).toBe(4000);
    // A misbehaving random source cannot push the delay out of bounds.
    expect(backoffDelay(p, 1, () => 7)).toBe(700);
    expect(backoffDelay(p, 1, () => -1)).toBe(1000);
  });

  it('rejects nonsense policies', () => {
    expect(validateRetryPolicy(DEFAULT_RETRY)).toBe(DEFAULT_RETRY);
    expect(() => validateRetryPolicy({ ...p, jitter: 1.5 })).toThrow(/jitter/);
    expect(() => validateRetryPolicy({ ...p, factor: 0.5 })).toThrow(/factor/);
    expect(() => validateRetryPolicy({ ...p, maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => validateRetryPolicy({ ...p, baseMs: Number.NaN })).toThrow(/baseMs/);
  });
});
