import { useEffect, useState } from 'react';
import { ApiError, call } from '../api/client';
import type { AssetDetail } from '../api/client';
import { KindBadge, StateBadge } from '../components/Badges';
import { CopyButton } from '../components/CopyButton';
import { Icon } from '../components/Icon';
import { ConfirmDialog } from '../components/Modal';
import { ScanProgressView } from '../components/ProgressBar';
import { formatBytes, formatCount, formatDate, plural, scanPercent } from '../lib/format';
import { removeAsset, rescan, useApp } from '../state/store';
import { useNetworkDown } from '../state/network-health';
import { NetworkDownBanner } from '../components/NetworkDownBanner';
import { PublishDialog } from './PublishDialog';
import { PublicationCard, PublishProgress } from './PublicationCard';
import { FileTable } from './FileTable';
import { PublishFailed } from './asset/PublishFailed';
import { VersionHistory } from './asset/VersionHistory';
import { TermsPanel } from './asset/TermsPanel';
import { ApproversPanel } from './asset/ApproversPanel';
import { BatchProgressLine } from './activity/BatchCard';
import { FingerprintHelp } from './asset/FingerprintHelp';
import { LifecycleBadge, useLiveStatus } from './asset/Lifecycle';
import { OwnerAndTerms } from './asset/OwnerAndTerms';
import { Governance } from './asset/Governance';
import { OwnerRecord } from './discover/OwnerRecord';
import './asset/asset.css';

/** The header's lifecycle status (Live · 0.01 ETH · …, Changed since version 1, …). */
function LiveStatus({ asset }: { asset: AssetDetail }) {
  return <LifecycleBadge status={useLiveStatus(asset.id, asset.status)} testId="asset-status" />;
}

function Skipped({ asset }: { asset: AssetDetail }) {
  const MAX = 500;
  if (asset.skipped.length === 0) return null;
  const shown = asset.skipped.slice(0, MAX);
  return (
    <section className="card" aria-labelledby="skipped-title">
      <div className="card-head">
        <h2 id="skipped-title">
          Skipped entries<span className="count">{formatCount(asset.skipped.length)}</span>
        </h2>
      </div>
      <p className="card-note">
        These entries are not part of the fingerprint. Symbolic links are never followed, and unreadable files are left out.
      </p>
      <ul className="skipped-list" data-testid="skipped-list">
        {shown.map((s) => (
          <li key={s.relPath}>
            <span className="skipped-path" title={s.relPath}>
              {s.relPath}
            </span>
            <span className="skipped-reason">{s.reason}</span>
          </li>
        ))}
        {asset.skipped.length > MAX && <li className="muted">…and {formatCount(asset.skipped.length - MAX)} more.</li>}
      </ul>
    </section>
  );
}

export function AssetScreen({ id }: { id: number }) {
  const version = useApp((s) => s.assetVersions[id] ?? 0);
  const progress = useApp((s) => s.progress[id]);
  const busy = useApp((s) => s.busy[id]);
  const network = useApp((s) => s.network);
  const net = useNetworkDown();
  const [asset, setAsset] = useState<AssetDetail | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [publishing, setPublishing] = useState(false);
  const publishJob = useApp((s) => {
    let found: (typeof s.jobs)[number] | undefined;
    for (const j of Object.values(s.jobs)) {
      if (j.kind === 'publish' && j.assetId === id && j.state !== 'done' && j.state !== 'failed' && j.state !== 'cancelled' && (found === undefined || j.id > found.id)) found = j;
    }
    return found;
  });
  /** The asset's newest live batch (a publication's file uploads), shown under the publishing status. */
  const batch = useApp((s) => {
    let found: (typeof s.batches)[number] | undefined;
    for (const b of Object.values(s.batches)) if (b.assetId === id && (found === undefined || b.id > found.id)) found = b;
    return found;
  });
  /** The asset's newest publish job, when it failed (a later success or retry replaces it). */
  const failedJob = useApp((s) => {
    let newest: (typeof s.jobs)[number] | undefined;
    for (const j of Object.values(s.jobs)) if (j.kind === 'publish' && j.assetId === id && (newest === undefined || j.id > newest.id)) newest = j;
    return newest?.state === 'failed' ? newest : undefined;
  });

  useEffect(() => {
    let live = true;
    call('assets.get', { id }).then(
      (a) => {
        if (!live) return;
        setAsset(a);
        setError(null);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e instanceof ApiError ? e : new ApiError('INTERNAL', String(e)));
      },
    );
    return () => {
      live = false;
    };
  }, [id, version]);

  const back = (
    <a className="back-link" href="#/">
      <Icon name="back" size={16} />
      Library
    </a>
  );

  if (asset === null) {
    return (
      <div className="detail">
        {back}
        {error !== null ? (
          <div className="panel panel-error" role="alert">
            <Icon name="alert" />
            <div>
              <strong>{error.code === 'NOT_FOUND' ? 'This asset is not in the catalog.' : 'This asset could not be loaded.'}</strong>
              <p>{error.code === 'NOT_FOUND' ? 'It may have been removed. Go back to the library to see what is there.' : error.message}</p>
            </div>
          </div>
        ) : (
          <div className="panel panel-muted" role="status">
            Loading…
          </div>
        )}
      </div>
    );
  }

  const live = progress !== undefined && progress.phase !== 'done' && progress.phase !== 'failed';
  const scanning = live || asset.state === 'scanning' || busy === 'rescan';
  const percent = progress !== undefined && progress.phase !== 'walking' ? scanPercent(progress) : null;
  const latestVersion = asset.versions[0];
  const publishBlocked = net.down
    ? net.reason
    : scanning || asset.state === 'scanning'
      ? 'Wait for the scan to finish before publishing.'
      : asset.state === 'error'
        ? 'Fix the scan error and rescan before publishing.'
        : asset.fileCount === 0
          ? 'This folder has no files to publish.'
          : publishJob !== undefined
            ? 'A publication of this asset is in progress.'
            : latestVersion !== undefined && latestVersion.contentRoot === asset.contentRoot && latestVersion.network === network
              ? `Version ${latestVersion.number} is certified and the folder has not changed since the last scan: change files and rescan to publish version ${latestVersion.number + 1}.`
            : busy !== undefined
              ? 'Wait for the current action to finish.'
              : null;

  return (
    <div className="detail">
      {back}
      <div className="page-head">
        <div className="title-block">
          <h1>{asset.name}</h1>
          <div className="title-meta">
            <KindBadge kind={asset.kind} />
            {scanning || asset.state !== 'ready' ? (
              <StateBadge state={scanning ? 'scanning' : asset.state} percent={percent} error={asset.error} />
            ) : (
              <LiveStatus asset={asset} />
            )}
          </div>
        </div>
        <div className="page-actions">
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              setPublishing(true);
            }}
            disabled={publishBlocked !== null}
            aria-describedby={publishBlocked !== null ? 'publish-blocked' : undefined}
            title={publishBlocked ?? undefined}
          >
            <Icon name="shield" size={16} />
            Publish
          </button>
          <button type="button" className="button" onClick={() => void rescan(asset.id)} disabled={scanning || busy !== undefined}>
            <Icon name="refresh" size={16} />
            {busy === 'rescan' ? 'Rescanning…' : 'Rescan'}
          </button>
          <button
            type="button"
            className="button button-danger-outline"
            onClick={() => {
              setConfirmRemove(true);
            }}
            disabled={busy !== undefined || scanning}
            title={scanning ? 'Wait for the scan to finish' : undefined}
          >
            <Icon name="trash" size={16} />
            Remove from catalog
          </button>
        </div>
      </div>

      <NetworkDownBanner shows="what Ativo knew of this asset when it last reached the network" />

      {publishBlocked !== null && publishJob === undefined && (
        <p id="publish-blocked" className="hint publish-blocked">
          {publishBlocked}
        </p>
      )}
      {publishBlocked !== null && publishJob !== undefined && (
        <p id="publish-blocked" className="sr-only">
          {publishBlocked}
        </p>
      )}

      {publishJob === undefined && failedJob !== undefined && <PublishFailed job={failedJob} name={asset.name} />}

      {publishJob !== undefined ? (
        <PublishProgress job={publishJob} name={asset.name} />
      ) : (
        asset.publication !== null && <PublicationCard asset={asset} publication={asset.publication} />
      )}

      {batch !== undefined && <BatchProgressLine batch={batch} name={asset.name} />}

      <OwnerAndTerms asset={asset} />
      {asset.publication !== null && <TermsPanel assetId={asset.id} name={asset.name} />}
      {/* Governance (issue 17): consent rule and proposals. */}
      {asset.publication !== null && <Governance assetId={asset.id} />}
      {asset.publication !== null && <ApproversPanel assetId={asset.id} name={asset.name} />}
      {asset.publication?.tokenId != null && <OwnerRecord assetId={asset.id} version={asset.publication.tokenId} />}

      <VersionHistory asset={asset} />

      {progress !== undefined && (
        <section className="activity" aria-label="Scan progress">
          <ScanProgressView progress={progress} />
        </section>
      )}

      {asset.state === 'error' && !scanning && (
        <div className="panel panel-error" role="alert">
          <Icon name="alert" />
          <div>
            <strong>The last scan failed.</strong>
            <p>{asset.error ?? 'Unknown error.'} Fix the folder, then Rescan.</p>
          </div>
        </div>
      )}

      <section className="card" aria-label="Summary">
        <dl className="facts">
          <div className="fact fact-wide">
            <dt>Folder</dt>
            <dd>
              <code className="mono-text" data-testid="asset-folder">
                {asset.rootPath}
              </code>
            </dd>
          </div>
          <div className="fact fact-wide">
            <dt>Fingerprint</dt>
            <dd className="root-line">
              {asset.contentRoot !== null ? (
                <>
                  <code className="mono-text root-full" data-testid="content-root">
                    {asset.contentRoot}
                  </code>
                  <CopyButton text={asset.contentRoot} label="Copy fingerprint" />
                </>
              ) : (
                <span className="muted">{scanning ? 'Computed when the scan finishes' : '—'}</span>
              )}
            </dd>
            <dd>
              <FingerprintHelp />
            </dd>
          </div>
          <div className="fact">
            <dt>Files</dt>
            <dd data-testid="detail-files">{formatCount(asset.fileCount)}</dd>
          </div>
          <div className="fact">
            <dt>Total size</dt>
            <dd title={`${formatCount(asset.totalBytes)} bytes`}>{formatBytes(asset.totalBytes)}</dd>
          </div>
          <div className="fact">
            <dt>Scanned</dt>
            <dd>{formatDate(asset.scannedAt)}</dd>
          </div>
          <div className="fact">
            <dt>Skipped</dt>
            <dd>{asset.skippedCount === 0 ? 'None' : plural(asset.skippedCount, 'entry', 'entries')}</dd>
          </div>
        </dl>
      </section>

      <FileTable assetId={asset.id} version={`${asset.state}:${asset.scannedAt ?? ''}:${asset.contentRoot ?? ''}`} scanning={scanning} />

      <Skipped asset={asset} />

      {publishing && (
        <PublishDialog
          asset={asset}
          onClose={() => {
            setPublishing(false);
          }}
        />
      )}

      {confirmRemove && (
        <ConfirmDialog
          title={`Remove “${asset.name}” from the catalog?`}
          description={
            <>
              <p>
                Ativo forgets this asset: its fingerprints are deleted from the catalog. <strong>The files on disk are not touched</strong>{' '}
                — <code className="mono-text">{asset.rootPath}</code> stays exactly as it is, and you can add it again at any time.
              </p>
            </>
          }
          confirmLabel="Remove from catalog"
          busy={busy === 'remove'}
          onConfirm={() => {
            void removeAsset(asset.id, asset.name).then((ok) => {
              if (!ok) setConfirmRemove(false);
            });
          }}
          onClose={() => { setConfirmRemove(false); }}
        />
      )}
    </div>
  );
}
