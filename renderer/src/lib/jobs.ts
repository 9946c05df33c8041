/** Words for background jobs (uploads, publications) as the Activity screen and asset detail show them. */
import type { LiveJob } from '../state/store';

export const KIND_TEXT: Record<string, string> = {
  upload: 'Upload',
  publish: 'Publish',
  'access.approve': 'Approval',
  'access.deny': 'Denial',
  'access.deliver': 'Key delivery',
  withdraw: 'Withdrawal',
  'terms.update': 'Terms change',
  'terms.sale': 'Listing change',
  'access.download': 'Download',
};

/** What a running job is doing, by kind ("Uploading 42%" for uploads). */
const RUNNING_TEXT: Record<string, string> = {
  publish: 'Registering',
  'access.approve': 'Approving',
  'access.deny': 'Denying',
  'access.deliver': 'Delivering the key',
  withdraw: 'Withdrawing',
  'terms.update': 'Changing the terms',
  'terms.sale': 'Changing the listing',
};

/** What a finished job achieved, by kind. */
const DONE_TEXT: Record<string, string> = {
  publish: 'Certified',
  upload: 'Stored',
  'access.approve': 'Approved',
  'access.deny': 'Denied',
  'access.deliver': 'Key delivered',
  withdraw: 'Withdrawn',
  'terms.update': 'Terms changed',
  'terms.sale': 'Listing changed',
  'access.download': 'Downloaded and checked',
};

export const kindText = (kind: string): string => KIND_TEXT[kind] ?? kind.charAt(0).toUpperCase() + kind.slice(1);

export const jobPercent = (j: Pick<LiveJob, 'progress'>): number => Math.max(0, Math.min(100, Math.floor(j.progress * 100)));

/** The phase an upload reports at the start of its detail line ("Encrypting 42% · 12 MB of 30 MB" → "Encrypting 42%"). */
const UPLOAD_PHASE = /^(Hashing|Encrypting|Uploading) (\d{1,3})%/;

/** An upload's phase and percent from its detail line, when it reports one. */
export function uploadPhase(detail: string | null): string | null {
  const m = detail === null ? null : UPLOAD_PHASE.exec(detail);
  return m === null ? null : `${m[1] ?? ''} ${m[2] ?? ''}%`;
}

/** The percent of an upload's current phase ("Hashing 100% · …" → 100), when it reports one. */
export function phasePercent(detail: string | null): number | null {
  const m = detail === null ? null : UPLOAD_PHASE.exec(detail);
  return m === null ? null : Math.max(0, Math.min(100, Number(m[2])));
}

/** "Queued", "Encrypting 42%", "Uploading 42%", "Waiting: …", "Registering", "Certified", "Failed: reason". */
export function jobStateText(j: Pick<LiveJob, 'kind' | 'state' | 'progress' | 'detail' | 'error'>): string {
  switch (j.state) {
    case 'queued':
      return 'Queued';
    case 'running':
      // A download says where it is: "Downloading 3 of 12 files".
      if (j.kind === 'access.download') return j.detail ?? 'Downloading';
      return RUNNING_TEXT[j.kind] ?? uploadPhase(j.detail) ?? `Uploading ${jobPercent(j)}%`;
    case 'waiting':
      // A publication waiting for its uploads is busy, not stuck: "Uploading files: 1,234 of 20,000 stored".
      if (j.kind === 'publish' && j.error?.startsWith('Uploading files') === true) return j.error;
      return `Waiting: ${j.error ?? j.detail ?? 'for other work to finish'}`;
    case 'paused':
      return 'Paused';
    case 'done':
      return DONE_TEXT[j.kind] ?? 'Done';
    case 'failed':
      return `Failed: ${j.error ?? 'unknown error'}`;
    case 'cancelled':
      return 'Cancelled';
  }
}

export const canPause = (s: LiveJob['state']): boolean => s === 'queued' || s === 'running' || s === 'waiting';
export const canResume = (s: LiveJob['state']): boolean => s === 'paused';
export const canCancel = (s: LiveJob['state']): boolean => s === 'queued' || s === 'running' || s === 'waiting' || s === 'paused';
/** The queue retries failed jobs only (a cancelled one is published again instead). */
export const canRetry = (s: LiveJob['state']): boolean => s === 'failed';
