/**
 * The words of a batch's progress, computed once in the backend from the batch's own summary
 * (one grouped query: src/catalog/jobs.ts batchSummary), and shown as they are by every screen
 * that shows that batch: the Activity card, the asset page's publication line, and a publication
 * job waiting for its uploads. So two screens never disagree about the same upload.
 *
 *   batchProgress({ kind: 'upload', total: 8, counts, bytes, bytesDone, etaSeconds: 95 }, { queuePaused: false, waitingForFunds: false })
 *   // { percent: 62, counts: '5 of 8 files stored · 3 running', bytes: '423 KB of 8.7 MB', status: 'about 2 min left' }
 */
import { formatBytes, formatEta } from '../util/format';

export interface ProgressCounts {
  queued: number;
  running: number;
  waiting: number;
  paused: number;
  done: number;
  failed: number;
  cancelled: number;
}

export interface ProgressInput {
  kind: string;
  total: number;
  counts: ProgressCounts;
  bytes: number;
  bytesDone: number;
  etaSeconds: number | null;
}

export interface BatchProgress {
  /** 0–100, by bytes when the batch knows its size, else by finished jobs. */
  percent: number;
  /** "5 of 8 files stored · 3 running · 2 waiting". */
  counts: string;
  /** "423 KB of 8.7 MB", or null when the batch has no sizes. */
  bytes: string | null;
  /**
   * What comes next, in place of a time left when the batch is held: "waiting for funds",
   * "paused", "waiting"; "about 3 min left" once the rate is steady; null when there is no steady
   * rate yet or nothing is left.
   */
  status: string | null;
  /** The batch cannot move on its own (funds, a pause): screens grey its bar. */
  blocked: boolean;
}

const count = (n: number): string => n.toLocaleString('en-US');

const itemWord = (kind: string, n: number): string => (kind === 'upload' ? (n === 1 ? 'file' : 'files') : n === 1 ? 'job' : 'jobs');

/** A waiting reason that means the storage balance does not cover the work (the upload jobs' wording). */
export const SHORT_BALANCE = /balance is short/i;

export function batchProgress(b: ProgressInput, held: { queuePaused: boolean; waitingForFunds: boolean }): BatchProgress {
  const c = b.counts;
  const parts = [`${count(c.done)} of ${count(b.total)} ${itemWord(b.kind, b.total)} ${b.kind === 'upload' ? 'stored' : 'done'}`];
  if (c.running > 0) parts.push(`${count(c.running)} running`);
  if (c.waiting > 0) parts.push(`${count(c.waiting)} waiting`);
  if (c.paused > 0) parts.push(`${count(c.paused)} paused`);
  if (c.failed > 0) parts.push(`${count(c.failed)} failed`);
  if (c.cancelled > 0) parts.push(`${count(c.cancelled)} cancelled`);
  const ratio = b.bytes > 0 ? b.bytesDone / b.bytes : b.total > 0 ? c.done / b.total : 0;
  const percent = Math.max(0, Math.min(100, Math.floor(ratio * 100)));
  const left = c.queued + c.running + c.waiting + c.paused;
  let status: string | null = null;
  let blocked = false;
  if (left > 0) {
    if (held.waitingForFunds) {
      status = 'waiting for funds';
      blocked = true;
    } else if (held.queuePaused || (c.paused > 0 && c.queued + c.running + c.waiting === 0)) {
      status = 'paused';
      blocked = true;
    } else if (c.running + c.queued === 0) {
      status = 'waiting';
    } else if (b.etaSeconds !== null) {
      status = formatEta(b.etaSeconds);
    }
  }
  return {
    percent,
    counts: parts.join(' · '),
    bytes: b.bytes > 0 ? `${formatBytes(Math.min(b.bytesDone, b.bytes))} of ${formatBytes(b.bytes)}` : null,
    status,
    blocked,
  };
}
