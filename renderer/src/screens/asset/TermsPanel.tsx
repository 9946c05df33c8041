/**
 * The published version's terms as the chain holds them, and the owner's tools after publishing
 * (issue 14): change price and license, put it on or off sale, and who bought access until when.
 */
import { useEffect, useState } from 'react';
import { call, messageOf } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { Icon } from '../../components/Icon';
import { ProgressBar } from '../../components/ProgressBar';
import { formatDate } from '../../lib/format';
import { jobPercent } from '../../lib/jobs';
import { notify, useApp } from '../../state/store';
import { useNetworkDown } from '../../state/network-health';
import type { LiveJob } from '../../state/store';
import { weiToEth } from '../../lib/format';
import { shortAddress } from '../../lib/wallet';
import { TermsDialog } from './TermsDialog';
import './terms.css';

type TermsState = CommandOutput<'assets.terms'>;
type Buyers = CommandOutput<'assets.buyers'>;

const FINAL = new Set(['done', 'failed', 'cancelled']);
const priceText = (wei: string): string => (weiToEth(wei) === '0' ? 'Free' : `${weiToEth(wei)} ETH`);
const accessText = (days: number): string => (days === 0 ? 'Perpetual' : `${days === 1 ? '1 day' : `${days} days`} from each approval`);

/** The newest job of `kind` for this asset (live or just ended). */
function useNewestJob(assetId: number, kind: string): LiveJob | undefined {
  return useApp((s) => {
    let found: LiveJob | undefined;
    for (const j of Object.values(s.jobs)) if (j.kind === kind && j.assetId === assetId && (found === undefined || j.id > found.id)) found = j;
    return found;
  });
}

function JobLine({ job, what }: { job: LiveJob | undefined; what: string }) {
  if (job === undefined) return null;
  if (job.state === 'failed') {
    return (
      <p className="field-error" role="alert">
        {what} failed: {job.error ?? 'no reason given'}
      </p>
    );
  }
  if (FINAL.has(job.state)) return null;
  return (
    <div className="terms-job" role="status">
      <p className="hint">
        {what}: {job.detail ?? (job.state === 'waiting' ? (job.error ?? 'waiting') : 'on its way to the chain')}
      </p>
      <ProgressBar value={jobPercent(job)} label={what} />
    </div>
  );
}

function BuyerList({ buyers }: { buyers: Buyers }) {
  if (buyers.items.length === 0) return <p className="card-note">No buyer has been approved yet.</p>;
  return (
    <ul className="buyer-list" data-testid="buyers-list">
      {buyers.items.map((b) => (
        <li key={b.requestId} className="buyer-row" data-testid="buyer-row" data-state={b.state}>
          <code className="mono-text" title={b.requester}>
            {shortAddress(b.requester)}
          </code>
          <span className={`badge ${b.state === 'expired' ? 'badge-expired' : 'badge-active'}`}>{b.state === 'active' ? 'Active' : 'Expired'}</span>
          <span className="muted">
            {b.version !== null ? `version ${b.version} · ` : ''}
            {b.expiresAt === null ? 'no end date' : `${b.state === 'active' ? 'until' : 'ended'} ${formatDate(b.expiresAt)}`}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function TermsPanel({ assetId, name }: { assetId: number; name: string }) {
  const version = useApp((s) => s.assetVersions[assetId] ?? 0);
  const termsJob = useNewestJob(assetId, 'terms.update');
  const saleJob = useNewestJob(assetId, 'terms.sale');
  const net = useNetworkDown();
  const [terms, setTerms] = useState<TermsState | null>(null);
  const [buyers, setBuyers] = useState<Buyers | null>(null);
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  /** The listing asked for here, shown at once; the chain's state below says when it took effect. */
  const [wanted, setWanted] = useState<{ forSale: boolean; jobId: number | null } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const jobsKey = `${termsJob?.id ?? 0}:${termsJob?.state ?? ''}:${saleJob?.id ?? 0}:${saleJob?.state ?? ''}`;

  useEffect(() => {
    let live = true;
    call('assets.terms', { assetId }).then(
      (t) => {
        if (!live) return;
        setTerms(t);
        setLoadError(null);
        if (t.published) {
          call('assets.buyers', { assetId }).then(
            (b) => {
              if (live) setBuyers(b);
            },
            () => undefined,
          );
        }
      },
      (e: unknown) => {
        if (live) setLoadError(messageOf(e));
      },
    );
    return () => {
      live = false;
    };
  }, [assetId, version, jobsKey]);

  if (loadError !== null && terms === null) {
    return (
      <section className="card" aria-label="Terms">
        <p className="field-error">The terms on chain could not be read: {loadError}</p>
      </section>
    );
  }
  if (terms === null || !terms.published) return null;

  const busyTerms = termsJob !== undefined && !FINAL.has(termsJob.state);
  const busySale = saving || (saleJob !== undefined && !FINAL.has(saleJob.state));
  const setForSale = async (on: boolean): Promise<void> => {
    setSaving(true);
    setWanted({ forSale: on, jobId: null });
    try {
      const r = await call('assets.setForSale', { assetId, forSale: on });
      setWanted({ forSale: on, jobId: r.jobId });
      notify('info', on ? `Putting “${name}” on sale: buyers can ask again once the change is mined.` : `Taking “${name}” off sale: new requests are refused once the change is mined.`);
    } catch (e) {
      setWanted(null);
      notify('error', `Could not change the listing: ${messageOf(e)}`);
    } finally {
      setSaving(false);
    }
  };
  // The listing asked for is shown until the chain has it, unless its change failed.
  const gaveUp = wanted !== null && saleJob !== undefined && saleJob.id === wanted.jobId && (saleJob.state === 'failed' || saleJob.state === 'cancelled');
  const shownForSale = wanted !== null && wanted.forSale !== terms.forSale && !gaveUp ? wanted.forSale : terms.forSale;
  const superseded = terms.certificates.filter((c) => c.supersededAt !== null);

  return (
    <section className="card terms-panel" aria-labelledby="terms-title" data-testid="terms-panel">
      <div className="card-head">
        <h2 id="terms-title">Terms on chain · version {terms.version ?? '?'}</h2>
        <div className="card-actions">
          <button
            type="button"
            className="button"
            data-testid="change-terms"
            disabled={!terms.isOwner || busyTerms || net.down}
            title={net.down ? net.reason : !terms.isOwner ? 'Only the wallet that owns this asset can change its terms.' : busyTerms ? 'A change of terms is under way.' : undefined}
            onClick={() => {
              setEditing(true);
            }}
          >
            <Icon name="key" size={16} />
            Change terms
          </button>
        </div>
      </div>
      {!terms.isOwner && terms.owner !== null && <p className="card-note">This asset belongs to the wallet {shortAddress(terms.owner)}, not to the wallet in use: switch to it to change its terms or listing.</p>}
      {terms.note !== null && <p className="card-note">{terms.note}</p>}
      <dl className="facts">
        <div className="fact">
          <dt>Price per access</dt>
          <dd data-testid="terms-price-now">{priceText(terms.priceWei)}</dd>
        </div>
        <div className="fact">
          <dt>License</dt>
          <dd>{terms.license === 'custom' ? 'Custom' : terms.license}</dd>
        </div>
        <div className="fact">
          <dt>Access</dt>
          <dd>{accessText(terms.accessDays)}</dd>
        </div>
        <div className="fact">
          <dt>Waiting requests</dt>
          <dd>{terms.pendingRequests}</dd>
        </div>
      </dl>
      <JobLine job={termsJob} what="Changing the terms" />

      <div className="terms-sale">
        <label className="checkbox">
          <input type="checkbox" checked={shownForSale} disabled={!terms.isOwner || busySale || net.down} title={net.reason || undefined} data-testid="for-sale" onChange={(e) => void setForSale(e.target.checked)} />
          For sale
        </label>
        <p className="card-note" data-testid="sale-state">
          {terms.forSale
            ? 'Buyers can request access and pay the price.'
            : 'Not for sale: new requests are refused and nobody pays. Requests already waiting can still be approved or denied, and their buyers can still cancel them.'}
        </p>
        <JobLine job={saleJob} what="Changing the listing" />
      </div>

      {superseded.length > 0 && (
        <div className="terms-history">
          <p className="field-label">Earlier terms of this version</p>
          <ul>
            {superseded.map((c) => (
              <li key={`${c.certifiedAt}:${c.termsHash}`} className="muted">
                {priceText(c.priceWei)} under {c.license === 'custom' ? 'a custom license' : c.license}, certified {formatDate(c.certifiedAt)}: superseded by the terms of {formatDate(c.supersededAt)}. Its certificate still verifies and says so.
              </li>
            ))}
          </ul>
        </div>
      )}

      <div className="terms-buyers">
        <p className="field-label">Buyers</p>
        <p className="card-note">
          {terms.accessDays === 0
            ? 'Access is perpetual: an approved buyer can download every time.'
            : `Access lasts ${accessText(terms.accessDays).replace(' from each approval', '')} from each approval. After it ends, Ativo no longer downloads the files for the buyer. Expiry cannot take back what a buyer already downloaded, or the key delivered with the approval.`}
        </p>
        {buyers !== null && <BuyerList buyers={buyers} />}
      </div>

      {editing && (
        <TermsDialog
          assetId={assetId}
          name={name}
          terms={terms}
          onClose={() => {
            setEditing(false);
          }}
          onQueued={() => undefined}
        />
      )}
    </section>
  );
}
