/** Plain-English amounts and sizes for progress lines and messages. */
import { formatUnits } from 'ethers';
import { formatBytes } from '../util/format';

export { formatBytes };

/** An amount of the storage token: atomic units (wei, decimal string) and a human form ("0.0003 ETH"). */
export interface Amount {
  atomic: string;
  formatted: string;
}


/** `atomic` wei as "<decimal> <ticker>" with every significant digit (no rounding: these are money). */
export function formatAtomic(atomic: bigint, ticker = 'ETH', decimals = 18): string {
  const neg = atomic < 0n;
  let s = formatUnits(neg ? -atomic : atomic, decimals);
  if (s.endsWith('.0')) s = s.slice(0, -2);
  return `${neg ? '-' : ''}${s} ${ticker}`;
}

export function amount(atomic: bigint, ticker = 'ETH', decimals = 18): Amount {
  return { atomic: atomic.toString(), formatted: formatAtomic(atomic, ticker, decimals) };
}

/**
 * "42% · 120 MB of 300 MB", or with a time estimate "42% · 120 MB of 300 MB · about 2 min left"
 * (no estimate once done, nor when `etaSeconds` is undefined, null, negative or not finite).
 */
export function progressLine(done: number, total: number, etaSeconds?: number | null): string {
  const pct = total > 0 ? Math.floor((Math.min(done, total) / total) * 100) : 100;
  const line = `${pct}% · ${formatBytes(Math.min(done, total))} of ${formatBytes(total)}`;
  return hasEta(etaSeconds) && done < total ? `${line} · ${formatEta(etaSeconds)}` : line;
}

/** The phase words of an upload's progress line. */
export type ProgressPhase = 'Hashing' | 'Encrypting' | 'Uploading';

/** "Encrypting 42% · 120 MB of 300 MB" / "Uploading 42% · 120 MB of 300 MB · about 2 min left" */
export function phaseLine(phase: ProgressPhase, done: number, total: number, etaSeconds?: number | null): string {
  return `${phase} ${progressLine(done, total, etaSeconds)}`;
}

const hasEta = (s: number | null | undefined): s is number => typeof s === 'number' && Number.isFinite(s) && s >= 0;

/**
 * Time left in words: "less than a minute left" (under 60 s), "about 3 min left",
 * "about 1 h 20 min left", "about 2 h left"; from 10 h on, whole hours ("about 14 h left").
 * Minutes are rounded to the nearest (90 s → "about 2 min left").
 */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'time left unknown';
  if (seconds < 60) return 'less than a minute left';
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return `about ${minutes} min left`;
  if (minutes >= 10 * 60) return `about ${Math.round(minutes / 60)} h left`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `about ${h} h left` : `about ${h} h ${m} min left`;
}
