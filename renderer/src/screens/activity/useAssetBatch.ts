import { useApp } from '../../state/store';
import type { AppState, BatchState } from '../../state/store';

/** The asset's newest live batch (a publication's file uploads), or undefined. */
export const assetBatchOf = (s: Pick<AppState, 'batches'>, assetId: number | null): BatchState | undefined => {
  if (assetId === null) return undefined;
  let found: BatchState | undefined;
  for (const b of Object.values(s.batches)) if (b.assetId === assetId && (found === undefined || b.id > found.id)) found = b;
  return found;
};

export function useAssetBatch(assetId: number | null): BatchState | undefined {
  return useApp((s) => assetBatchOf(s, assetId));
}

/**
 * A publication waiting for its uploads says what its batch says ("Uploading files: 5 of 8 files
 * stored · 3 running"), not the count it took when it last looked: one source for both screens.
 */
export function publishWaitText(job: { kind: string; state: string; error: string | null }, batch: BatchState | undefined): string | null {
  if (job.kind !== 'publish' || job.state !== 'waiting' || batch === undefined) return null;
  if (job.error?.startsWith('Uploading files') !== true) return null;
  return `Uploading files: ${batch.summary.counts}`;
}
