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

/** "42% · 120 MB of 300 MB" */
export function progressLine(done: number, total: number): string {
  const pct = total > 0 ? Math.floor((Math.min(done, total) / total) * 100) : 100;
  return `${pct}% · ${formatBytes(Math.min(done, total))} of ${formatBytes(total)}`;
}
