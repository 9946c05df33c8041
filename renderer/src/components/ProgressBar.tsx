import type { ScanProgress } from '../state/store';
import { formatBytes, formatCount, scanPercent } from '../lib/format';

const PHASE: Record<ScanProgress['phase'], string> = {
  walking: 'Looking for files',
  hashing: 'Fingerprinting files',
  saving: 'Saving to the catalog',
  done: 'Done',
  failed: 'Scan failed',
};

/** `held`: the work cannot move now (waiting for funds, paused, or the app is reconnecting): the bar is greyed. */
export function ProgressBar({ value, label, held = false }: { value: number | null; label: string; held?: boolean }) {
  return (
    <div
      className={`progress${value === null ? ' progress-indeterminate' : ''}${held ? ' progress-held' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      {...(value !== null ? { 'aria-valuenow': value } : {})}
    >
      <div className="progress-fill" style={{ width: value === null ? undefined : `${value}%` }} />
    </div>
  );
}

/** A scan's live progress: bar, files n/N, bytes. */
export function ScanProgressView({ progress, title }: { progress: ScanProgress; title?: string }) {
  const pct = progress.phase === 'done' ? 100 : scanPercent(progress);
  const walking = progress.phase === 'walking';
  return (
    <div className="scan-progress">
      <div className="scan-progress-head">
        <span className="scan-progress-title">{title ?? PHASE[progress.phase]}</span>
        <span className="scan-progress-pct">{pct === null || walking ? '' : `${pct}%`}</span>
      </div>
      <ProgressBar value={walking ? null : pct} label={`${title ?? 'Scan'} progress`} />
      <div className="scan-progress-meta">
        {walking ? (
          <span>{formatCount(progress.filesTotal)} files found so far</span>
        ) : (
          <>
            <span data-testid="scan-files">
              {formatCount(progress.filesDone)} / {formatCount(progress.filesTotal)} files
            </span>
            <span aria-hidden="true">·</span>
            <span>
              {formatBytes(progress.bytesDone)} / {formatBytes(progress.bytesTotal)}
            </span>
            {title !== undefined && (
              <>
                <span aria-hidden="true">·</span>
                <span>{PHASE[progress.phase]}</span>
              </>
            )}
          </>
        )}
      </div>
    </div>
  );
}
