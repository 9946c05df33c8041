/** Plain-English amounts and sizes for progress lines and messages. */
import { formatBytes, formatEta, unitsText } from '../util/format';

export { formatBytes, formatEta };

/** An amount of the storage token: atomic units (wei, decimal string) and a human form ("0.0003 ETH"). */
export interface Amount {
  atomic: string;
  formatted: string;
}

/** `atomic` wei as "<decimal> <ticker>" with every significant digit (no rounding: these are money). */
export const formatAtomic = (atomic: bigint, ticker = 'ETH', decimals = 18): string => unitsText(atomic, ticker, decimals);

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
