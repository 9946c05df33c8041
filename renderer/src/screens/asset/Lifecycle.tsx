/** An asset's lifecycle status as the backend words it (Live · 0.01 ETH · …, Changed since version 1, …), and its amounts. */
import type { AssetSummary } from '../../api/client';
import { jobPercent } from '../../lib/jobs';
import { useApp } from '../../state/store';
import { ethText } from '../../lib/format';

export type Status = AssetSummary['status'];

/** A price: "0.01 ETH", "Free", or a dash before the first certificate. */
export const priceCell = (wei: string | null): string => (wei === null ? '—' : wei === '0' ? 'Free' : ethText(wei));

/**
 * The status, with the live percent of a publication in progress: the backend's answer is as old
 * as the last refresh, the job's own events are current (its end refreshes the asset).
 */
export function useLiveStatus(assetId: number, status: Status): Status {
  const job = useApp((s) => {
    let found: (typeof s.jobs)[number] | undefined;
    for (const j of Object.values(s.jobs)) if (j.kind === 'publish' && j.assetId === assetId && (found === undefined || j.id > found.id)) found = j;
    return found;
  });
  if (job === undefined || (job.state !== 'running' && job.state !== 'queued' && job.state !== 'waiting' && job.state !== 'paused')) return status;
  return { ...status, state: 'publishing', label: `Publishing ${Math.min(99, jobPercent(job))}%` };
}

export function LifecycleBadge({ status, testId }: { status: Status; testId?: string }) {
  return (
    <span className={`state life-${status.state}`} title={status.detail ?? status.label} data-testid={testId}>
      <span className="dot" aria-hidden="true" />
      <span className="state-text">{status.label}</span>
    </span>
  );
}
