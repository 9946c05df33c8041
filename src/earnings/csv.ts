/** Payouts as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when needed). */
import { formatEther } from 'ethers';
import type { Payout } from '../api/contract';

export const CSV_HEADER = ['kind', 'token_id', 'asset', 'request_id', 'account', 'amount_wei', 'amount_eth', 'block', 'time_utc', 'tx_hash'] as const;

/** A field, quoted when it holds a comma, quote or line break; a leading = + - @ is neutralised (spreadsheet formulas). */
export function csvField(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s) && typeof value === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(payouts: readonly Payout[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const p of payouts) {
    lines.push(
      [p.kind, p.tokenId, p.assetName, p.requestId, p.account, p.amountWei, formatEther(BigInt(p.amountWei)), p.blockNumber, p.at, p.txHash].map(csvField).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
