/** The time-left estimate, with an injected clock (no real time passes). */
import { describe, expect, it } from 'vitest';
import { EtaTracker } from './eta';

const MB = 1_000_000;

/** Feeds `rate` bytes/s from `from` ms to `to` ms in `stepMs` steps; returns the last estimate. */
function feed(t: EtaTracker, state: { bytes: number; ms: number }, rate: number, untilMs: number, stepMs = 100): number | null {
  let eta: number | null = null;
  while (state.ms < untilMs) {
    state.ms += stepMs;
    state.bytes += (rate * stepMs) / 1000;
    eta = t.sample(state.bytes, state.ms);
  }
  return eta;
}

describe('EtaTracker', () => {
  it('has no estimate until about 2 s and some bytes have passed', () => {
    const t = new EtaTracker(100 * MB);
    expect(t.sample(0, 1_000)).toBeNull();
    expect(t.sample(0, 5_000)).toBeNull(); // time passed, no bytes
    expect(t.sample(1 * MB, 5_500)).not.toBeNull(); // 4.5 s and 1 MB since the first sample
    const u = new EtaTracker(100 * MB);
    expect(u.sample(0, 0)).toBeNull();
    expect(u.sample(5 * MB, 1_999)).toBeNull(); // bytes, but not yet 2 s
    expect(u.sample(5 * MB, 2_000)).toBeCloseTo(95 / 2.5, 6); // 5 MB in 2 s: 2.5 MB/s, 95 MB left
    expect(u.eta()).toBeCloseTo(38, 6);
  });

  it('at a steady rate: bytes left / rate', () => {
    const t = new EtaTracker(100 * MB);
    const s = { bytes: 0, ms: 0 };
    t.sample(0, 0);
    expect(feed(t, s, 2 * MB, 10_000)).toBeCloseTo(40, 6); // 20 MB done at 2 MB/s: 80 MB in 40 s
    expect(feed(t, s, 2 * MB, 20_000)).toBeCloseTo(30, 6);
  });

  it('starts from the first sample, so bytes already done (a resumed upload) do not count as speed', () => {
    const t = new EtaTracker(100 * MB);
    t.sample(60 * MB, 0); // resumed at 60 MB
    expect(t.sample(64 * MB, 4_000)).toBeCloseTo(36, 6); // 1 MB/s, 36 MB left
  });

  it('follows the current speed over a sliding window of about 30 s', () => {
    const t = new EtaTracker(1_000 * MB);
    const s = { bytes: 0, ms: 0 };
    t.sample(0, 0);
    feed(t, s, 1 * MB, 60_000); // slow for a minute
    const eta = feed(t, s, 10 * MB, 100_000); // then fast for 40 s: the window only sees the fast part
    expect(eta).toBeCloseTo((1_000 - s.bytes / MB) / 10, 3);
  });

  it('a pause slows the estimate down but does not reset it; a stall over the whole window gives none', () => {
    const t = new EtaTracker(100 * MB);
    const s = { bytes: 0, ms: 0 };
    t.sample(0, 0);
    feed(t, s, 1 * MB, 20_000); // 20 MB in 20 s
    const paused = feed(t, s, 0, 30_000); // 10 s without progress: 20 MB over 30 s
    expect(paused).toBeCloseTo(80 / (20 / 30), 3);
    expect(feed(t, s, 1 * MB, 31_000)).not.toBeNull(); // moving again: an estimate at once
    feed(t, s, 0, 70_000); // nothing for longer than the window
    expect(t.eta()).toBeNull();
    expect(feed(t, s, 1 * MB, 71_000)).not.toBeNull();
  });

  it('bytes going backwards (a restarted transfer) start the measurement afresh', () => {
    const t = new EtaTracker(100 * MB);
    t.sample(0, 0);
    expect(t.sample(50 * MB, 10_000)).toBeCloseTo(10, 6);
    expect(t.sample(0, 11_000)).toBeNull();
    expect(t.sample(1 * MB, 12_000)).toBeNull(); // 1 s since the restart
    expect(t.sample(4 * MB, 14_000)).toBeCloseTo(96 / 1.3333333, 3); // 4 MB in 3 s since the restart
  });

  it('done: 0 s left; a clock going backwards or garbage samples do not break it', () => {
    const t = new EtaTracker(10 * MB);
    t.sample(0, 0);
    expect(t.sample(10 * MB, 3_000)).toBe(0);
    const u = new EtaTracker(10 * MB);
    u.sample(0, 10_000);
    expect(u.sample(1 * MB, 5_000)).toBeNull(); // time went back: treated as no time passed
    expect(u.sample(Number.NaN, 20_000)).toBeNull();
    expect(u.sample(2 * MB, 12_000)).toBeCloseTo(8 / 1, 6); // 2 MB in 2 s since 10 000
  });

  it('keeps a bounded number of samples however often it is fed', () => {
    const t = new EtaTracker(1e15);
    for (let i = 0; i < 200_000; i++) t.sample(i * 1000, i * 10); // 2 000 s at a sample every 10 ms
    expect((t as unknown as { samples: unknown[] }).samples.length).toBeLessThanOrEqual(30_000 / 250 + 2);
    expect(t.eta()).toBeCloseTo((1e15 - 199_999 * 1000) / 100_000, -3); // 100 kB/s
  });
});
