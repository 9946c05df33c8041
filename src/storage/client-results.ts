/**
 * How the storage client reports what an upload cost: the warning when the charge differs from
 * the quote or was not seen, and the result for an item an earlier run stored. Split from
 * client.ts.
 */
import type { StorageReceipt } from './chunked';
import type { ResumeState, UploadFileResult } from './client-types';
import { formatAtomic, formatBytes, type Amount } from './format';

/** The warning for an upload's charge: null when it matched the quote or was not observed (`observed` false). */
export function chargeWarning(ticker: string, size: number, quoted: bigint, observed: boolean, charged: bigint | undefined, chargeMismatch: boolean): string | null {
  let warning: string | null = null;
  if (!observed) {
    warning = null;
  } else if (charged === undefined) {
    warning = `The balance after uploading ${formatBytes(size)} could not be read, so the charge is unknown (quoted ${formatAtomic(quoted, ticker)}).`;
  } else if (chargeMismatch) {
    warning = `Storing ${formatBytes(size)} was quoted ${formatAtomic(quoted, ticker)} but the balance went down by ${formatAtomic(charged, ticker)} (difference ${formatAtomic(charged - quoted, ticker)}). Other activity on this storage account at the same time also changes the balance.`;
  }
  return warning;
}

/** The result for an item an earlier, interrupted run of this upload stored: paid then, charge not observed. */
export function earlierResult(base: { sha256: string; size: number; itemBytes: number }, id: string, receipt: StorageReceipt, state: ResumeState, quoted: Amount | null): UploadFileResult {
  return {
    ...base,
    id,
    receipt,
    reused: false,
    resumed: true,
    sentBytes: 0,
    quoted,
    balanceBefore: null,
    balanceAfter: null,
    charged: null,
    chargeObserved: false,
    chargeMismatch: false,
    warning: `${formatBytes(base.size)} were stored by an earlier run of this upload that stopped before recording it; its charge was not observed.`,
    resume: state,
  };
}
