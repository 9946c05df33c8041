/**
 * The lifecycle status of an asset (issue 14), computed in one place so that the Library, the
 * asset screen and `ativo list` / `ativo show` say the same words:
 *
 *   Not published · Publishing n% · Live · price · approval · Changed since version N ·
 *   Failed: reason · Not for sale
 *
 * Pure: everything it needs is given (the latest certificate's terms, the latest publish job,
 * whether the folder changed since the certified version, and the on-chain for-sale flag, which
 * is `null` while it is not known).
 */

import { priceText } from '../util/format';

export type LifecycleState = 'not-published' | 'publishing' | 'live' | 'changed' | 'failed' | 'not-for-sale';

export interface LifecycleInput {
  /** The latest certificate on this network, or null when the asset was never certified here. */
  certificate: { version: number; priceWei: string; approval: 'manual' | 'auto' } | null;
  /** The asset's latest publish job on this network, or null when there is none. */
  job: { state: 'queued' | 'running' | 'paused' | 'waiting' | 'done' | 'failed' | 'cancelled'; progress: number; error: string | null } | null;
  /** The folder's last complete scan differs from the latest certified version. */
  changedSinceCertified: boolean;
  /** Whether the asset is for sale on chain; null when not known. */
  forSale: boolean | null;
}

export interface Lifecycle {
  state: LifecycleState;
  /** What people read (the same words in the app and the CLI). */
  label: string;
  /** More about it: a failure's reason, what to do next; null when the label says it all. */
  detail: string | null;
  /** The certified version the status speaks of (null before the first certificate). */
  version: number | null;
  /** The price of the live terms in wei (null before the first certificate). */
  priceWei: string | null;
}

export const approvalText = (a: 'manual' | 'auto'): string => (a === 'auto' ? 'automatic approval' : 'manual approval');

const ACTIVE = new Set(['queued', 'running', 'paused', 'waiting']);

export function lifecycle(i: LifecycleInput): Lifecycle {
  const version = i.certificate?.version ?? null;
  const priceWei = i.certificate?.priceWei ?? null;
  if (i.job !== null && ACTIVE.has(i.job.state)) {
    const pct = Math.max(0, Math.min(99, Math.floor(i.job.progress * 100)));
    const detail = i.job.state === 'paused' ? 'Paused: resume it from Activity.' : i.job.state === 'waiting' ? i.job.error : null;
    return { state: 'publishing', label: `Publishing ${pct}%`, detail, version, priceWei };
  }
  if (i.job?.state === 'failed') {
    const reason = i.job.error ?? 'The publication stopped without saying why.';
    return { state: 'failed', label: `Failed: ${reason}`, detail: reason, version, priceWei };
  }
  if (i.certificate === null) return { state: 'not-published', label: 'Not published', detail: null, version, priceWei };
  const c = i.certificate;
  if (i.changedSinceCertified) {
    return {
      state: 'changed',
      label: `Changed since version ${c.version}`,
      detail: `Version ${c.version} is live at ${priceText(c.priceWei)}; publish to certify the files as they are now.`,
      version,
      priceWei,
    };
  }
  if (i.forSale === false) return { state: 'not-for-sale', label: 'Not for sale', detail: `Version ${c.version} is certified; nobody can request access now.`, version, priceWei };
  return { state: 'live', label: `Live · ${priceText(c.priceWei)} · ${approvalText(c.approval)}`, detail: null, version, priceWei };
}
