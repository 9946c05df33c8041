/**
 * Activity: the background job queue. Batches (a publication's file uploads, live from
 * `jobs.batch`) are one card each (BatchCard); jobs on their own (publications, approvals,
 * withdrawals) are rows with live progress from `job.changed` and per-job Pause / Resume /
 * Cancel / Retry. A global Pause all / Resume all holds the whole queue.
 */
import { useState } from 'react';
import { call, messageOf } from '../api/client';
import type { CommandOutput } from '../api/client';
import { Icon } from '../components/Icon';
import { ProgressBar } from '../components/ProgressBar';
import { canCancel, canPause, canResume, canRetry, jobPercent, jobStateText, kindText } from '../lib/jobs';
import { formatDate } from '../lib/format';
import { useQuery } from '../hooks/useQuery';
import { isActiveJob, loadJobs, notify, useApp } from '../state/store';
import type { AppState, LiveJob } from '../state/store';
import { BatchCard } from './activity/BatchCard';
import { ResumedNote } from './activity/ResumedNote';
import { publishWaitText, useAssetBatch } from './activity/useAssetBatch';
import { useThrottled } from './activity/useThrottled';

type JobItem = CommandOutput<'jobs.list'>['items'][number];
type Action = 'pause' | 'resume' | 'cancel' | 'retry';

const ACTION_TEXT: Record<Action, string> = { pause: 'Pause', resume: 'Resume', cancel: 'Cancel', retry: 'Retry' };

/** The list of jobs on their own refetches at most this often while jobs change. */
const LIST_REFETCH_MS = 500;

const SHORT_BALANCE = /storage balance is short/i;

/** The live batches' ids, newest first, as one string (a stable selector value: the cards subscribe to their own batch). */
const batchIdsKey = (s: AppState): string =>
  Object.keys(s.batches)
    .map(Number)
    .sort((a, b) => b - a)
    .join(',');

/** Some batch has a job waiting because the storage balance is short. */
const batchesShortOfStorage = (s: AppState): boolean =>
  Object.values(s.batches).some((b) => b.counts.waiting > 0 && b.attention.some((j) => j.state === 'waiting' && j.error !== null && SHORT_BALANCE.test(j.error)));

function useAssetNames(ids: number[]): Record<number, string> {
  const key = ids.length === 0 ? null : `names:${ids.join(',')}`;
  const q = useQuery(key, async () => {
    const out: Record<number, string> = {};
    await Promise.all(
      ids.map((id) =>
        call('assets.get', { id }).then(
          (a) => {
            out[id] = a.name;
          },
          () => undefined,
        ),
      ),
    );
    return out;
  });
  return q.data ?? {};
}

/** What a job without an asset works on, in words ("Approval of an access request"), never a dash. */
const SUBJECT_WITHOUT_ASSET: Record<string, string> = {
  'access.approve': 'an access request',
  'access.deny': 'an access request',
  'access.deliver': 'a request one of your approvers approved',
  withdraw: 'your earnings',
  'access.download': 'files you have access to',
};

function JobRow({ job, name, onDone, stale }: { job: LiveJob & { createdAt: string; attempts: number }; name: string | null; onDone: () => void; stale: boolean }) {
  const batch = useAssetBatch(job.kind === 'publish' ? job.assetId : null);
  const [busy, setBusy] = useState<Action | null>(null);
  const act = async (a: Action): Promise<void> => {
    setBusy(a);
    try {
      await call(`jobs.${a}`, { id: job.id });
    } catch (e) {
      notify('error', `Could not ${ACTION_TEXT[a].toLowerCase()} this job: ${messageOf(e)}`);
    } finally {
      setBusy(null);
      onDone();
    }
  };
  const actions: Action[] = [];
  if (canPause(job.state)) actions.push('pause');
  if (canResume(job.state)) actions.push('resume');
  if (canCancel(job.state)) actions.push('cancel');
  if (canRetry(job.state)) actions.push('retry');
  // A publication waiting for its uploads says what their batch card says.
  const label = publishWaitText(job, batch) ?? jobStateText(job);
  const what = name ?? SUBJECT_WITHOUT_ASSET[job.kind] ?? null;
  const subject = what !== null ? `${kindText(job.kind)} of ${what}` : kindText(job.kind);
  return (
    <li className={`job job-${job.state}${stale ? ' stale' : ''}`} data-testid="job-row" data-job-id={job.id} data-kind={job.kind} data-stale={stale || undefined}>
      <div className="job-main">
        <div className="job-title">
          <span className={`badge job-kind job-kind-${job.kind}`}>{kindText(job.kind)}</span>
          {job.assetId !== null ? (
            <a href={`#/assets/${job.assetId}`} className="job-asset">
              {name}
            </a>
          ) : (
            what !== null && <span className="job-asset">{what}</span>
          )}
        </div>
        <div className={`job-state job-state-${job.state}`} data-testid="job-state">
          {stale && isActiveJob(job) ? `Last known: ${label}` : label}
        </div>
        {job.state === 'running' && (
          <div className="job-progress">
            <ProgressBar value={job.kind === 'publish' && job.progress === 0 ? null : jobPercent(job)} label={`${subject} progress`} held={stale} />
            {job.detail !== null && <span className="hint">{job.detail}</span>}
          </div>
        )}
        <div className="hint">
          Started {formatDate(job.createdAt)}
          {job.attempts > 1 ? ` · attempt ${job.attempts}` : ''}
        </div>
        <details className="job-details">
          <summary>Details</summary>
          <span className="hint">Job #{job.id}</span>
        </details>
      </div>
      <div className="job-actions">
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            className={`button button-sm${a === 'cancel' ? ' button-danger-outline' : ''}`}
            onClick={() => void act(a)}
            disabled={busy !== null}
            aria-label={`${ACTION_TEXT[a]} ${subject}`}
          >
            {busy === a ? 'Working…' : ACTION_TEXT[a]}
          </button>
        ))}
      </div>
    </li>
  );
}

export function ActivityScreen() {
  const version = useThrottled(
    useApp((s) => s.jobsVersion),
    LIST_REFETCH_MS,
  );
  const live = useApp((s) => s.jobs);
  const paused = useApp((s) => s.jobsPaused);
  const batchKey = useApp(batchIdsKey);
  const batchIds = batchKey === '' ? [] : batchKey.split(',').map(Number);
  const batchesShort = useApp(batchesShortOfStorage);
  const [busyAll, setBusyAll] = useState(false);
  const q = useQuery(`jobs:${version}`, () => call('jobs.list', { batched: false, limit: 200 }));
  const items: JobItem[] = q.data?.items ?? [];
  const assetIds = [...items.map((j) => j.assetId), ...(q.data?.resumed?.items ?? []).map((r) => r.assetId)];
  const names = useAssetNames([...new Set(assetIds.filter((id): id is number => id !== null))].sort((a, b) => a - b));
  const queuePaused = q.data?.paused ?? paused;
  const network = useApp((s) => s.network);
  const [funding, setFunding] = useState(false);
  const storageShort =
    batchesShort ||
    items.some((j) => {
      const state = live[j.id]?.state ?? j.state;
      const error = live[j.id]?.error ?? j.error;
      return state === 'waiting' && error !== null && SHORT_BALANCE.test(error);
    });
  const anything = items.length > 0 || batchIds.length > 0;
  // The backend cannot be reached (the browser shell reconnecting): what is shown is the last known state.
  const stale = useApp((s) => s.connection !== 'open' && s.connection !== 'signed-out');

  const fund = async (): Promise<void> => {
    setFunding(true);
    try {
      const r = await call('storage.fund', { ether: '0.01' });
      notify('success', `Added ${r.amount.formatted} to your storage balance${r.status === 'pending' ? ' (pending)' : ''}.`);
    } catch (e) {
      notify('error', `Could not fund storage: ${messageOf(e)}`);
    } finally {
      setFunding(false);
      q.reload();
    }
  };

  const toggleAll = async (): Promise<void> => {
    setBusyAll(true);
    try {
      await call(queuePaused ? 'jobs.resumeAll' : 'jobs.pauseAll', {});
    } catch (e) {
      notify('error', `Could not ${queuePaused ? 'resume' : 'pause'} the queue: ${messageOf(e)}`);
    } finally {
      setBusyAll(false);
      loadJobs();
      q.reload();
    }
  };

  return (
    <div className="activity-page">
      <div className="page-head">
        <div className="title-block">
          <h1>Activity</h1>
          <p className="page-sub">Uploads and publications run here in the background, even while you work elsewhere in Ativo.</p>
        </div>
        <div className="page-actions">
          {anything && (
            <button type="button" className="button" onClick={() => void toggleAll()} disabled={busyAll}>
              {queuePaused ? 'Resume all' : 'Pause all'}
            </button>
          )}
        </div>
      </div>

      {stale && anything && (
        <div className="callout" role="status" data-testid="activity-stale">
          <Icon name="info" />
          <div>
            <strong>Showing the last known progress.</strong>
            <p>Ativo is reconnecting to its background work. The numbers update again once it is back.</p>
          </div>
        </div>
      )}

      <ResumedNote resumed={q.data?.resumed ?? null} names={names} />

      {queuePaused && (
        <div className="callout callout-warn" role="status">
          <Icon name="info" />
          <div>
            <strong>The queue is paused.</strong>
            <p>No job starts or continues until you resume it.</p>
          </div>
        </div>
      )}

      {storageShort && (
        <div className="callout callout-warn" role="status" data-testid="storage-short">
          <Icon name="alert" />
          <div>
            <strong>Uploads are waiting for storage funds.</strong>
            <p>Your storage balance does not cover these files. Uploads continue by themselves once it does.</p>
            {network === 'sandbox' && (
              <p>
                <button type="button" className="button button-sm" onClick={() => void fund()} disabled={funding}>
                  {funding ? 'Funding…' : 'Fund storage (0.01 test ETH)'}
                </button>
              </p>
            )}
          </div>
        </div>
      )}

      {q.error !== null && (
        <div className="panel panel-error" role="alert">
          <Icon name="alert" />
          <div>
            <strong>The activity could not be loaded.</strong>
            <p>{q.error.message}</p>
          </div>
        </div>
      )}

      {batchIds.length > 0 && (
        <div className="batch-list" data-testid="job-batches">
          {batchIds.map((id) => (
            <BatchCard key={id} id={id} stale={stale} />
          ))}
        </div>
      )}

      {q.data === null && q.error === null ? (
        batchIds.length === 0 && (
          <div className="panel panel-muted" role="status">
            Loading…
          </div>
        )
      ) : q.data !== null && !anything ? (
        <div className="card activity-empty" data-testid="activity-empty">
          <h2>Nothing running</h2>
          <p className="muted">
            When you publish an asset, its file uploads and its registration on chain appear here, with their progress. You can pause, resume, cancel or
            retry each of them.
          </p>
        </div>
      ) : (
        items.length > 0 && (
          <section className="card" aria-labelledby="jobs-title">
            <div className="card-head">
              <h2 id="jobs-title">
                Jobs<span className="count">{q.data?.total ?? items.length}</span>
              </h2>
            </div>
            <ul className="job-list" aria-labelledby="jobs-title">
              {items.map((j) => {
                const l = live[j.id];
                const merged = {
                  id: j.id,
                  kind: j.kind,
                  assetId: j.assetId,
                  createdAt: j.createdAt,
                  attempts: j.attempts,
                  state: l?.state ?? j.state,
                  progress: l?.progress ?? j.progress,
                  detail: l?.detail ?? null,
                  error: l !== undefined ? l.error : j.error,
                };
                return (
                  <JobRow
                    key={j.id}
                    job={merged}
                    name={j.assetId !== null ? (names[j.assetId] ?? `Asset #${j.assetId}`) : null}
                    stale={stale}
                    onDone={() => {
                      q.reload();
                    }}
                  />
                );
              })}
            </ul>
          </section>
        )
      )}
    </div>
  );
}
