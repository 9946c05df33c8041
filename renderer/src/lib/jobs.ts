/** Words for background jobs (uploads, publications) as the Activity screen and asset detail show them. */
import type { LiveJob } from '../state/store';

export const KIND_TEXT: Record<string, string> = {
  upload: 'Upload',
  publish: 'Publish',
};

export const kindText = (kind: string): string => KIND_TEXT[kind] ?? kind.charAt(0).toUpperCase() + kind.slice(1);

export const jobPercent = (j: Pick<LiveJob, 'progress'>): number => Math.max(0, Math.min(100, Math.floor(j.progress * 100)));

/** "Queued", "Uploading 42%", "Waiting: …", "Registering", "Certified", "Failed: reason". */
export function jobStateText(j: Pick<LiveJob, 'kind' | 'state' | 'progress' | 'detail' | 'error'>): string {
  switch (j.state) {
    case 'queued':
      return 'Queued';
    case 'running':
      return j.kind === 'publish' ? 'Registering' : `Uploading ${jobPercent(j)}%`;
    case 'waiting':
      return `Waiting: ${j.error ?? j.detail ?? 'for other work to finish'}`;
    case 'paused':
      return 'Paused';
    case 'done':
      return j.kind === 'publish' ? 'Certified' : 'Stored';
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
