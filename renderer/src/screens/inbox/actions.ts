/** What the inbox asks the backend to do; every failure becomes a notice, never a throw. */
import { call, messageOf } from '../../api/client';
import { loadJobs, notify, useApp } from '../../state/store';
import { plural } from '../../lib/format';

function bumpAccess(): void {
  useApp.setState((s) => ({ accessVersion: s.accessVersion + 1 }));
}

/** Queues one durable approval job per request. Resolves true when they were queued. */
export async function approveRequests(ids: number[]): Promise<boolean> {
  try {
    const r = await call('access.approve', { ids });
    notify('info', r.items.length === 1 ? 'Approving the request: follow its progress here or in Activity.' : `Approving ${plural(r.items.length, 'request')}: follow their progress here or in Activity.`);
    return true;
  } catch (e) {
    notify('error', `Could not approve ${ids.length === 1 ? 'the request' : plural(ids.length, 'request')}: ${messageOf(e)}`);
    return false;
  } finally {
    loadJobs();
    bumpAccess();
  }
}

/** Queues one durable denial job per request (the requester is refunded on chain). */
export async function denyRequests(ids: number[], reason: string): Promise<boolean> {
  try {
    const r = await call('access.deny', { ids, reason });
    notify('info', r.items.length === 1 ? 'Denying the request: the requester is refunded once it is on chain.' : `Denying ${plural(r.items.length, 'request')}: each requester is refunded once it is on chain.`);
    return true;
  } catch (e) {
    notify('error', `Could not deny ${ids.length === 1 ? 'the request' : plural(ids.length, 'request')}: ${messageOf(e)}`);
    return false;
  } finally {
    loadJobs();
    bumpAccess();
  }
}

/** Retries a failed approval or denial job. */
export async function retryAction(jobId: number): Promise<void> {
  try {
    await call('jobs.retry', { id: jobId });
    notify('info', 'Trying again.');
  } catch (e) {
    notify('error', `Could not retry: ${messageOf(e)}`);
  } finally {
    loadJobs();
    bumpAccess();
  }
}

/** Marks requests read (quietly: the badge just stays as it was on failure). */
export function markRead(ids: number[]): void {
  if (ids.length === 0) return;
  call('access.markRead', { ids }).then(
    (r) => {
      useApp.setState((s) => ({ unreadRequests: r.unread, accessVersion: s.accessVersion + 1 }));
    },
    () => undefined,
  );
}

export async function markAllRead(): Promise<void> {
  try {
    const r = await call('access.markRead', { all: true });
    useApp.setState((s) => ({ unreadRequests: r.unread, accessVersion: s.accessVersion + 1 }));
  } catch (e) {
    notify('error', `Could not mark the requests read: ${messageOf(e)}`);
  }
}

/** Turns the asset's auto-approve rule on or off; resolves the state the backend kept (null on failure). */
export async function setAutoApprove(assetId: number, on: boolean, assetName: string): Promise<boolean | null> {
  try {
    const r = await call('access.setAutoApprove', { assetId, autoApprove: on });
    notify(
      'success',
      r.autoApprove ? `Requests for “${assetName}” that pay its price are now approved automatically.` : `Requests for “${assetName}” now wait for you to approve them.`,
    );
    bumpAccess();
    return r.autoApprove;
  } catch (e) {
    notify('error', `Could not change auto-approve for “${assetName}”: ${messageOf(e)}`);
    return null;
  }
}
