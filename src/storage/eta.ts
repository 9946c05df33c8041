/**
 * Time left of a transfer, from (bytes done, time) samples: pure (the caller passes the clock).
 *
 *   const eta = new EtaTracker(totalBytes);
 *   const seconds = eta.sample(bytesDone, performance.now()); // null until it can tell
 *
 * The rate is measured over a sliding window (default the last 30 s), so it follows the link's
 * current speed and a short stall only slows the estimate down rather than resetting it. There is
 * no estimate (null) until `minElapsedMs` (default 2 s) and some bytes have passed since the
 * first sample, nor while nothing moved during the whole window. Bytes going backwards (the
 * transfer restarted) start the measurement afresh.
 */

export interface EtaOptions {
  /** The rate is measured over about this much of the most recent time (default 30 000 ms). */
  windowMs?: number;
  /** No estimate before this long after the first sample (default 2 000 ms). */
  minElapsedMs?: number;
  /** Samples closer together than this are not stored (they still count as the latest point; default 250 ms). */
  resolutionMs?: number;
}

interface Sample {
  t: number;
  bytes: number;
}

export class EtaTracker {
  private readonly windowMs: number;
  private readonly minElapsedMs: number;
  private readonly resolutionMs: number;
  /** Stored samples, oldest first; the first is at or before the window's start when there is one. */
  private samples: Sample[] = [];
  private start: Sample | null = null;
  private last: Sample | null = null;

  constructor(
    private readonly total: number,
    options: EtaOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 30_000;
    this.minElapsedMs = options.minElapsedMs ?? 2_000;
    this.resolutionMs = options.resolutionMs ?? 250;
  }

  /** Records that `bytes` (cumulative) were done at `nowMs`, and returns the seconds left (or null). */
  sample(bytes: number, nowMs: number): number | null {
    if (!Number.isFinite(bytes) || !Number.isFinite(nowMs)) return this.eta();
    const prev = this.last;
    if (prev !== null && bytes < prev.bytes) this.reset(); // restarted from a lower offset
    const t = this.last !== null ? Math.max(nowMs, this.last.t) : nowMs; // a clock never runs backwards here
    const s = { t, bytes };
    this.last = s;
    if (this.start === null) this.start = s;
    const newest = this.samples[this.samples.length - 1];
    if (newest === undefined || t - newest.t >= this.resolutionMs) this.samples.push(s);
    // Drop what is older than the window, keeping one sample at or before its start.
    const from = t - this.windowMs;
    let drop = 0;
    while (drop + 1 < this.samples.length && (this.samples[drop + 1] as Sample).t <= from) drop++;
    if (drop > 0) this.samples.splice(0, drop);
    return this.eta();
  }

  /** Seconds left at the latest sample, or null when it cannot be told yet. */
  eta(): number | null {
    const { start, last } = this;
    const first = this.samples[0];
    if (start === null || last === null || first === undefined) return null;
    if (last.t - start.t < this.minElapsedMs || last.bytes <= start.bytes) return null;
    const left = Math.max(0, this.total - last.bytes);
    if (left === 0) return 0;
    const ms = last.t - first.t;
    const moved = last.bytes - first.bytes;
    if (ms <= 0 || moved <= 0) return null; // stalled for the whole window
    return left / (moved / ms) / 1000;
  }

  private reset(): void {
    this.samples = [];
    this.start = null;
    this.last = null;
  }
}
