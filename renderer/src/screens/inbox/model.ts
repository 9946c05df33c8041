/** Words and derived states for the access-request inbox (issue 6). */
import { useEffect, useState } from 'react';
import type { CommandOutput } from '../../api/client';
import type { LiveJob } from '../../state/store';
import { formatEth } from '../../lib/wallet';
import { weiToEth } from '../../lib/format';

export type RequestView = CommandOutput<'access.list'>['items'][number];
export type RequestDetail = CommandOutput<'access.get'>;
export type RequestState = RequestView['state'];
type JobState = LiveJob['state'];

/** The steps of an approval job (grant encrypted, grant stored, approval sent on chain). */
export const APPROVE_STEPS = 3;

/** What the inbox shows for a request: its chain state, or the approval/denial in progress. */
export type Chip =
  | { kind: 'pending' }
  | { kind: 'approving'; step: number; queued: boolean; paused: boolean }
  | { kind: 'denying'; queued: boolean; paused: boolean }
  | { kind: 'failed'; action: 'approve' | 'deny'; jobId: number | null; error: string | null }
  | { kind: 'approved' }
  | { kind: 'denied' }
  | { kind: 'expired' }
  | { kind: 'cancelled' };

/**
 * The approval job reports up to 0.3 while it makes (and signs) the grant, up to 0.7 while the
 * approval is sent and mined, then stores the grant: the key leaves only after the payment is in.
 */
export const approveStep = (progress: number): number => (progress < 0.3 ? 1 : progress < 0.7 ? 2 : 3);

const IN_PROGRESS: readonly JobState[] = ['queued', 'running', 'waiting', 'paused'];

/** The request's chip, with the live job state (job.changed) laid over what the list said. */
export function chipOf(r: Pick<RequestView, 'state' | 'action'>, live: LiveJob | undefined): Chip {
  // An expired request can still be answered until the requester cancels it.
  if (r.state !== 'pending' && r.state !== 'expired') return { kind: r.state };
  const a = r.action;
  if (a === null) return { kind: r.state };
  const state = live?.state ?? a.state;
  const error = live !== undefined ? live.error : a.error;
  if (state === 'failed' || state === 'cancelled') return { kind: 'failed', action: a.kind, jobId: a.jobId, error: error ?? (state === 'cancelled' ? 'cancelled' : null) };
  if (IN_PROGRESS.includes(state)) {
    const queued = state === 'queued' || state === 'waiting';
    const paused = state === 'paused';
    if (a.kind === 'deny') return { kind: 'denying', queued, paused };
    const progress = live?.progress ?? 0;
    const step = state === 'running' ? approveStep(progress) : 1;
    return { kind: 'approving', step, queued, paused };
  }
  // The job is done; the chain event that flips the request's state is on its way.
  return a.kind === 'approve' ? { kind: 'approving', step: APPROVE_STEPS, queued: false, paused: false } : { kind: 'denying', queued: false, paused: false };
}

export function chipText(c: Chip): string {
  switch (c.kind) {
    case 'pending':
      return 'Pending';
    case 'approving':
      return c.paused ? 'Approval paused' : c.queued ? 'Approval queued' : `Approving ${c.step}/${APPROVE_STEPS}`;
    case 'denying':
      return c.paused ? 'Denial paused' : c.queued ? 'Denial queued' : 'Denying';
    case 'failed':
      return c.action === 'approve' ? 'Approval failed' : 'Denial failed';
    case 'approved':
      return 'Approved';
    case 'denied':
      return 'Denied';
    case 'expired':
      return 'Expired';
    case 'cancelled':
      return 'Cancelled';
  }
}

/** The chip's color family (inbox.css). */
export function chipTone(c: Chip): 'pending' | 'busy' | 'ok' | 'bad' | 'off' {
  switch (c.kind) {
    case 'pending':
      return 'pending';
    case 'approving':
    case 'denying':
      return 'busy';
    case 'approved':
      return 'ok';
    case 'failed':
    case 'denied':
      return 'bad';
    case 'expired':
    case 'cancelled':
      return 'off';
  }
}

/** A request the owner can still approve or deny (nothing in progress). */
export const isActionable = (c: Chip): boolean => c.kind === 'pending' || c.kind === 'expired' || c.kind === 'failed';

/** "0.01 ETH", "Free". */
export function amountText(wei: string): string {
  if (wei === '0') return 'Free';
  return `${formatEth(weiToEth(wei), 8).text} ETH`;
}

/** "just now", "3 min ago", "2 h ago", "5 days ago" (dates further back as a date). */
export function ageText(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 30) return d === 1 ? 'yesterday' : `${d} days ago`;
  return new Date(t).toLocaleDateString();
}

/** The current time, refreshed every `ms` (ages stay right while the screen is open). */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => {
      setNow(Date.now());
    }, ms);
    return () => {
      clearInterval(t);
    };
  }, [ms]);
  return now;
}

export const STATE_FILTERS: readonly { value: RequestState | 'all'; label: string }[] = [
  { value: 'all', label: 'All requests' },
  { value: 'pending', label: 'Pending' },
  { value: 'approved', label: 'Approved' },
  { value: 'denied', label: 'Denied' },
  { value: 'expired', label: 'Expired' },
  { value: 'cancelled', label: 'Cancelled' },
];
