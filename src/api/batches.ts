/**
 * Job batches as the UI sees them: one summary per batch (a publication's 20,000 file uploads)
 * instead of 20,000 rows and 80,000 events. The backend marks a batch dirty on each event of one
 * of its jobs; at most every `intervalMs` the dirty batches are summarized (one grouped query
 * each) and sent as one `jobs.batch` event. The ETA comes from the rate over the last minute of
 * summaries, so a pause or a slow start does not distort it for long.
 *
 *   const batches = new BatchTracker(jobs, (b) => emit('jobs.batch', b));
 *   jobs.on((ev) => { if (batchOf(ev) !== null) batches.touch(batchOf(ev)); });
 *   batches.list();   // for jobs.batches
 */
import type { JobRecord } from '../catalog/jobs';
import type { JobQueue } from '../jobs/queue';
import { formatEta } from '../util/format';
import type { JobBatchView, JobView } from './contract';
import { batchProgress, SHORT_BALANCE } from './progress';

/** A person-readable name for what a job works on: an upload's file path; null for other kinds. */
export function jobLabel(j: Pick<JobRecord, 'kind' | 'checkpoint'>): string | null {
  const p = j.checkpoint?.relPath;
  return j.kind === 'upload' && typeof p === 'string' ? p : null;
}

export const jobView = (j: JobRecord): JobView => ({
  id: j.id,
  kind: j.kind,
  assetId: j.assetId,
  state: j.state,
  attempts: j.attempts,
  progress: j.progress,
  nextRunAt: j.nextRunAt,
  error: j.error ?? j.checkpointError,
  createdAt: j.createdAt,
  updatedAt: j.updatedAt,
  batch: j.batch,
  label: jobLabel(j),
});

interface Sample {
  t: number;
  files: number;
  bytes: number;
}

const WINDOW_MS = 60_000;
/** No ETA before the rate has been watched this long (a slow start said "about 1146 h left"). */
const MIN_SPAN_MS = 10_000;
/** The rates of the two halves of the window must agree within this factor for an ETA. */
const STEADY_FACTOR = 2;

/** Seconds left at the rates between samples a and b (the slower of files and bytes decides), or null. */
function etaBetween(a: Sample, b: Sample, filesLeft: number, bytesLeft: number): number | null {
  const secs = (b.t - a.t) / 1000;
  if (secs <= 0) return null;
  const fileRate = (b.files - a.files) / secs;
  const byteRate = (b.bytes - a.bytes) / secs;
  const byFiles = fileRate > 0 ? filesLeft / fileRate : null;
  const byBytes = byteRate > 0 && bytesLeft > 0 ? bytesLeft / byteRate : null;
  if (byFiles === null && byBytes === null) return null;
  return Math.max(byFiles ?? 0, byBytes ?? 0);
}

/**
 * Seconds left, from samples of (files finished, bytes finished) over time: the slower of the
 * file rate and the byte rate decides (many small files are bound by files per second, a few big
 * ones by bytes per second). Null while there is no steady rate: less than 10 s watched, nothing
 * moved in either half of the window, or the two halves' estimates differ by more than 2×.
 */
export function estimateEta(samples: readonly Sample[], filesLeft: number, bytesLeft: number): number | null {
  if (filesLeft <= 0) return 0;
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined || last.t - first.t < MIN_SPAN_MS) return null;
  const whole = etaBetween(first, last, filesLeft, bytesLeft);
  if (whole === null) return null;
  // The sample nearest the middle of the window: both halves must show a similar rate.
  const midT = (first.t + last.t) / 2;
  const mid = samples.reduce((m, s) => (Math.abs(s.t - midT) < Math.abs(m.t - midT) ? s : m), first);
  if (mid === first || mid === last) return Math.round(whole);
  const early = etaBetween(first, mid, filesLeft, bytesLeft);
  const late = etaBetween(mid, last, filesLeft, bytesLeft);
  if (early === null || late === null) return null;
  if (Math.max(early, late) > STEADY_FACTOR * Math.min(early, late)) return null;
  return Math.round(whole);
}

export class BatchTracker {
  private readonly dirty = new Set<number>();
  private readonly samples = new Map<number, Sample[]>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly jobs: JobQueue,
    private readonly send: (batch: JobBatchView & { finished: boolean }) => void,
    private readonly intervalMs = 500,
    private readonly now: () => number = Date.now,
  ) {
    // A queue-wide pause or resume changes what every open batch says ("paused" or its time left).
    this.offPaused = jobs.on((ev) => {
      if (ev.type === 'paused') for (const b of jobs.openBatches()) this.touch(b);
    });
  }

  private readonly offPaused: () => void;

  /** A job of this batch changed: it is summarized and sent within intervalMs. */
  touch(batch: number): void {
    if (this.stopped) return;
    this.dirty.add(batch);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
  }

  /** Sends every dirty batch now. */
  flush(): void {
    const batches = [...this.dirty];
    this.dirty.clear();
    for (const b of batches) {
      const v = this.view(b);
      if (!v) continue;
      const finished = v.counts.queued + v.counts.running + v.counts.waiting + v.counts.paused === 0;
      if (finished) this.samples.delete(b);
      this.send({ ...v, finished });
    }
  }

  /** The open batches (work left or a failure), newest first. */
  list(): JobBatchView[] {
    return this.jobs.openBatches().flatMap((b) => {
      const v = this.view(b);
      return v ? [v] : [];
    });
  }

  /** One batch's summary, or undefined if no job has this batch id. */
  view(batch: number): JobBatchView | undefined {
    const s = this.jobs.batchSummary(batch);
    if (!s) return undefined;
    const running = this.jobs
      .running()
      .filter((r) => r.batch === batch)
      .sort((a, b) => a.id - b.id);
    let partial = 0;
    const runningViews = running.map((r) => {
      const job = this.jobs.get(r.id);
      const size = job?.checkpoint?.size;
      if (typeof size === 'number' && Number.isFinite(size)) partial += size * Math.max(0, Math.min(1, r.progress));
      return { id: r.id, progress: r.progress, detail: r.detail, label: job ? jobLabel(job) : null };
    });
    const bytesDone = s.bytesDone + partial;
    const t = this.now();
    const files = s.counts.done;
    const list = this.samples.get(batch) ?? [];
    list.push({ t, files, bytes: bytesDone });
    while (list.length > 2 && (list[0]?.t ?? t) < t - WINDOW_MS) list.shift();
    this.samples.set(batch, list);
    const moving = s.counts.running + s.counts.queued > 0;
    const filesLeft = s.counts.queued + s.counts.running + s.counts.waiting + s.counts.paused;
    const attention = this.jobs.batchAttention(batch, 20).map(jobView);
    const waitingForFunds = s.counts.waiting > 0 && attention.some((j) => j.state === 'waiting' && j.error !== null && SHORT_BALANCE.test(j.error));
    const held = { queuePaused: this.jobs.isPaused(), waitingForFunds };
    // No time left while something holds the batch: its rate says nothing about when it ends.
    const eta = moving && !held.queuePaused && !waitingForFunds ? estimateEta(list, filesLeft, Math.max(0, s.bytesLive - partial)) : null;
    const summary = batchProgress({ kind: s.kind, total: s.total, counts: s.counts, bytes: s.bytes, bytesDone, etaSeconds: eta }, held);
    return {
      id: s.id,
      kind: s.kind,
      assetId: s.assetId,
      total: s.total,
      counts: s.counts,
      bytes: s.bytes,
      bytesDone,
      createdAt: s.createdAt,
      etaSeconds: eta,
      etaText: eta === null ? null : formatEta(eta),
      running: runningViews,
      attention,
      summary,
    };
  }

  stop(): void {
    this.stopped = true;
    this.offPaused();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty.clear();
  }
}
