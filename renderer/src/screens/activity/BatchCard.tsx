/**
 * One batch of jobs (a publication's file uploads) as a card: how many files are stored, the
 * bytes and time left, the uploads running now, the jobs that need a person (failed with Retry,
 * waiting with the reason, paused with Resume), and Retry failed / Cancel remaining for the
 * whole batch. 20,000 uploads are one card, not 20,000 rows.
 */
import { memo, useState } from 'react';
import { call, messageOf } from '../../api/client';
import { Icon } from '../../components/Icon';
import { ConfirmDialog } from '../../components/Modal';
import { ProgressBar } from '../../components/ProgressBar';
import { formatCount } from '../../lib/format';
import { jobPercent, kindText, phasePercent, uploadPhase } from '../../lib/jobs';
import { loadJobs, notify, useApp } from '../../state/store';
import type { BatchState } from '../../state/store';
import { useAssetName } from './names';
import './activity.css';

type JobView = BatchState['attention'][number];
type BatchCounts = BatchState['counts'];

/** Jobs of the batch not finished yet (queued, running, waiting or paused). */
export const remainingOf = (c: BatchCounts): number => c.queued + c.running + c.waiting + c.paused;

/** "Uploading files", or for another kind of batch "Approval jobs". */
const batchTitle = (kind: string): string => (kind === 'upload' ? 'Uploading files' : `${kindText(kind)} jobs`);

/** What the batch's items are called: "file"/"files" for uploads, else "job"/"jobs". */
const itemWord = (kind: string, n: number): string => (kind === 'upload' ? (n === 1 ? 'file' : 'files') : n === 1 ? 'job' : 'jobs');

/**
 * "12 MB of 40 MB · about 3 min left", "… · waiting for funds", "… · paused": the backend's
 * summary of the batch (src/api/progress.ts), the same words on every screen; null without sizes
 * or a status.
 */
export function batchBytesLine(b: Pick<BatchState, 'summary' | 'finished'>): string | null {
  const parts = [b.summary.bytes, b.finished ? null : b.summary.status].filter((p): p is string => p !== null);
  return parts.length === 0 ? null : parts.join(' · ');
}

/**
 * The file a job is about: its label (an upload's path in the asset), else the path its error
 * starts with ("data/a.csv: /home/…/a.csv changed on disk since it was scanned …").
 */
function fileOf(job: Pick<JobView, 'error' | 'label'>): string | null {
  if (job.label !== null) return job.label;
  const m = job.error === null ? null : /^([^\s:]{1,300}): /.exec(job.error);
  return m?.[1] ?? null;
}

type JobAction = 'retry' | 'resume';

/** Waiting jobs listed by name (the rest are counted). */
const WAITING_SHOWN = 3;

function AttentionRow({ job, assetName, kind }: { job: JobView; assetName: string; kind: string }) {
  const [busy, setBusy] = useState(false);
  const file = fileOf(job);
  const what = `${kind === 'upload' ? 'upload' : kindText(kind).toLowerCase()} #${job.id}${file !== null ? ` (${file})` : ''} of ${assetName}`;
  const action: JobAction | null = job.state === 'failed' ? 'retry' : job.state === 'paused' ? 'resume' : null;
  const act = async (a: JobAction): Promise<void> => {
    setBusy(true);
    try {
      await call(`jobs.${a}`, { id: job.id });
    } catch (e) {
      notify('error', `Could not ${a} ${what}: ${messageOf(e)}`);
    } finally {
      setBusy(false);
    }
  };
  // The file is named on the row already: "a.csv: … changed on disk" says the rest.
  const reason = job.error !== null && file !== null && job.error.startsWith(`${file}: `) ? job.error.slice(file.length + 2) : job.error;
  const text =
    job.state === 'failed'
      ? `Failed: ${reason ?? 'unknown error'}`
      : job.state === 'waiting'
        ? `Waiting: ${reason ?? 'for other work to finish'}`
        : job.state === 'paused'
          ? 'Paused'
          : job.state;
  return (
    <li className={`batch-attention-row batch-attention-${job.state}`} data-testid="batch-attention" data-job-id={job.id} data-state={job.state}>
      <div className="batch-attention-main">
        <span className="batch-file">{file ?? `${kindText(kind)} #${job.id}`}</span>
        <span className={`job-state job-state-${job.state}`}>{text}</span>
      </div>
      {action !== null && (
        <button type="button" className="button button-sm" onClick={() => void act(action)} disabled={busy} aria-label={`${action === 'retry' ? 'Retry' : 'Resume'} ${what}`}>
          {busy ? 'Working…' : action === 'retry' ? 'Retry' : 'Resume'}
        </button>
      )}
    </li>
  );
}

function RunningRow({ job, kind }: { job: BatchState['running'][number]; kind: string }) {
  const phase = uploadPhase(job.detail);
  // The bar shows the number its words say ("Hashing 100%" beside a full bar, not the job's 5%).
  const pct = phasePercent(job.detail) ?? jobPercent(job);
  // "Encrypting 42% · 12 MB of 30 MB": the phase is the heading of the row, the rest its detail.
  const rest = job.detail !== null && phase !== null ? job.detail.slice(phase.length).replace(/^\s*·\s*/, '') : job.detail;
  return (
    <li className="batch-running-row" data-testid="batch-running" data-job-id={job.id}>
      <div className="batch-running-head">
        <span className="batch-file">{job.label ?? `${kindText(kind)} #${job.id}`}</span>
        <span className="job-state">{phase ?? `${kind === 'upload' ? 'Uploading' : 'Running'} ${pct}%`}</span>
      </div>
      <ProgressBar value={pct} label={`${job.label ?? `${kindText(kind)} #${job.id}`} progress`} />
      {rest !== null && rest !== '' && <span className="hint">{rest}</span>}
    </li>
  );
}

/** A batch's card on the Activity screen (renders nothing once the batch left the store). */
export const BatchCard = memo(function BatchCard({ id, stale = false }: { id: number; stale?: boolean }) {
  const b = useApp((s) => s.batches[id]);
  const name = useAssetName(b?.assetId ?? null);
  const [busy, setBusy] = useState<'retry' | 'cancel' | 'pause' | 'resume' | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  if (b === undefined) return null;

  const remaining = remainingOf(b.counts);
  const plural_ = (n: number): string => `${formatCount(n)} ${itemWord(b.kind, n)}`;
  const titleId = `batch-${b.id}-title`;
  const subject = b.kind === 'upload' ? `uploads of ${name}` : `${kindText(b.kind).toLowerCase()} jobs of ${name}`;
  const pct = b.summary.percent;
  const bytesLine = batchBytesLine(b);
  // Failed and paused jobs each need their own button; waiting ones mostly share a reason
  // (the storage balance): a few of them say it.
  const failedRows = b.attention.filter((j) => j.state === 'failed');
  const pausedRows = b.attention.filter((j) => j.state === 'paused');
  const waitingRows = b.attention.filter((j) => j.state === 'waiting').slice(0, WAITING_SHOWN);
  const shown = [...failedRows, ...pausedRows, ...waitingRows];
  const hidden: [number, string][] = [
    [b.counts.failed - failedRows.length, 'failed'],
    [b.counts.paused - pausedRows.length, 'paused'],
    [b.counts.waiting - waitingRows.length, 'waiting'],
  ];
  const more = hidden.filter(([n]) => n > 0).map(([n, what]) => `${formatCount(n)} more ${what}`);

  const retryFailed = async (): Promise<void> => {
    setBusy('retry');
    try {
      const r = await call('jobs.retryBatch', { batch: b.id });
      notify('info', r.retried === 0 ? `Nothing to retry in the ${subject}.` : `Retrying ${plural_(r.retried)} of “${name}”.`);
    } catch (e) {
      notify('error', `Could not retry the ${subject}: ${messageOf(e)}`);
    } finally {
      setBusy(null);
      loadJobs();
    }
  };

  /** Pauses the batch (running files stop and keep their progress), or resumes what is paused. */
  const pauseOrResume = async (what: 'pause' | 'resume'): Promise<void> => {
    setBusy(what);
    try {
      if (what === 'pause') {
        const r = await call('jobs.pauseBatch', { batch: b.id });
        notify('info', `Paused ${plural_(r.paused)} of “${name}”.`);
      } else {
        const r = await call('jobs.resumeBatch', { batch: b.id });
        notify('info', `Resumed ${plural_(r.resumed)} of “${name}”.`);
      }
    } catch (e) {
      notify('error', `Could not ${what} the ${subject}: ${messageOf(e)}`);
    } finally {
      setBusy(null);
      loadJobs();
    }
  };
  const canPauseAll = b.counts.queued + b.counts.running + b.counts.waiting > 0;

  /** Cancels what is left; with only failures left, gives up on them (they leave Activity). */
  const cancelText = remaining > 0 ? 'Cancel remaining' : 'Dismiss failed';
  const cancelRemaining = async (): Promise<void> => {
    setBusy('cancel');
    try {
      const r = await call('jobs.cancelBatch', { batch: b.id });
      notify('success', `Cancelled ${plural_(r.cancelled)} of “${name}”.`);
      setConfirmCancel(false);
    } catch (e) {
      notify('error', `Could not cancel the ${subject}: ${messageOf(e)}`);
    } finally {
      setBusy(null);
      loadJobs();
    }
  };

  return (
    <section
      className={`card batch${stale ? ' stale' : ''}`}
      aria-labelledby={titleId}
      data-testid="job-batch"
      data-batch-id={b.id}
      data-asset-id={b.assetId ?? undefined}
      data-stale={stale || undefined}
    >
      <div className="batch-head">
        <h2 id={titleId} className="batch-title">
          {batchTitle(b.kind)} ·{' '}
          {b.assetId !== null ? <a href={`#/assets/${b.assetId}`}>{name}</a> : <span>{name}</span>}
        </h2>
        <div className="job-actions">
          {canPauseAll && (
            <button type="button" className="button button-sm" onClick={() => void pauseOrResume('pause')} disabled={busy !== null} aria-label={`Pause ${subject}`}>
              {busy === 'pause' ? 'Pausing…' : 'Pause'}
            </button>
          )}
          {b.counts.paused > 0 && (
            <button type="button" className="button button-sm" onClick={() => void pauseOrResume('resume')} disabled={busy !== null} aria-label={`Resume ${subject}`}>
              {busy === 'resume' ? 'Resuming…' : `Resume (${formatCount(b.counts.paused)})`}
            </button>
          )}
          {b.counts.failed > 0 && (
            <button
              type="button"
              className="button button-sm"
              onClick={() => void retryFailed()}
              disabled={busy !== null}
              aria-label={`Retry failed (${formatCount(b.counts.failed)}) ${subject}`}
            >
              <Icon name="refresh" size={16} />
              {busy === 'retry' ? 'Retrying…' : `Retry failed (${formatCount(b.counts.failed)})`}
            </button>
          )}
          {(remaining > 0 || b.counts.failed > 0) && (
            <button
              type="button"
              className="button button-sm button-danger-outline"
              onClick={() => {
                setConfirmCancel(true);
              }}
              disabled={busy !== null}
              aria-label={`${cancelText} ${subject}`}
            >
              {cancelText}
            </button>
          )}
        </div>
      </div>

      <p className="batch-summary" data-testid="batch-summary">
        {stale && <span className="stale-note">Last known: </span>}
        {b.summary.counts}
      </p>
      <ProgressBar value={pct} label={`${batchTitle(b.kind)} of ${name}`} held={stale || b.summary.blocked} />
      {bytesLine !== null && (
        <p className="hint batch-bytes" data-testid="batch-bytes">
          {bytesLine}
        </p>
      )}

      {b.running.length > 0 && (
        <div className="batch-section">
          <h3 className="batch-section-title">Running now</h3>
          <ul className="batch-running">
            {b.running.map((j) => (
              <RunningRow key={j.id} job={j} kind={b.kind} />
            ))}
          </ul>
        </div>
      )}

      {shown.length > 0 && (
        <div className="batch-section">
          <h3 className="batch-section-title">Needs attention</h3>
          <ul className="batch-attention">
            {shown.map((j) => (
              <AttentionRow key={j.id} job={j} assetName={name} kind={b.kind} />
            ))}
            {more.length > 0 && (
              <li className="muted batch-more" data-testid="batch-more">
                …and {more.join(', ')}.
              </li>
            )}
          </ul>
        </div>
      )}

      {confirmCancel && (
        <ConfirmDialog
          title={remaining > 0 ? `Cancel the remaining ${subject}?` : `Give up on the failed ${subject}?`}
          description={
            <p>
              {plural_(remaining + b.counts.failed)} not stored yet will not be uploaded. Files already stored stay stored, and publishing “{name}” again does
              not pay for them twice.
            </p>
          }
          confirmLabel={cancelText}
          busy={busy === 'cancel'}
          onConfirm={() => void cancelRemaining()}
          onClose={() => {
            setConfirmCancel(false);
          }}
        />
      )}
    </section>
  );
});

/** A live batch under an asset's publishing status: files stored, bytes, time left; failures point to Activity. */
export function BatchProgressLine({ batch, name }: { batch: BatchState; name: string }) {
  const bytesLine = batchBytesLine(batch);
  const stale = useApp((s) => s.connection !== 'open' && s.connection !== 'signed-out');
  return (
    <section className={`card batch-line${stale ? ' stale' : ''}`} aria-label={`${batchTitle(batch.kind)} of ${name}`} data-testid="asset-batch" data-stale={stale || undefined}>
      <p className="batch-summary" data-testid="asset-batch-summary">
        {stale && <span className="stale-note">Last known: </span>}
        {batch.summary.counts}
      </p>
      <ProgressBar value={batch.summary.percent} label={`${batchTitle(batch.kind)} of ${name}`} held={stale || batch.summary.blocked} />
      {bytesLine !== null && (
        <p className="hint" data-testid="asset-batch-bytes">
          {bytesLine}
        </p>
      )}
      {batch.counts.failed > 0 && (
        <p className="hint batch-line-failed">
          {batch.counts.failed === 1 ? 'One file failed' : `${formatCount(batch.counts.failed)} files failed`}: see <a href="#/activity">Activity</a> to retry.
        </p>
      )}
    </section>
  );
}
