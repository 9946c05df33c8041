/** The asset's certificate facts (when published), or the live state of its publication in progress. */
import { useState } from 'react';
import { call, messageOf } from '../api/client';
import type { AssetDetail } from '../api/client';
import { CopyButton } from '../components/CopyButton';
import { Icon } from '../components/Icon';
import { ProgressBar } from '../components/ProgressBar';
import { formatDate, weiToEth } from '../lib/format';
import { jobPercent, jobStateText } from '../lib/jobs';
import { downloadText, formatEth, shortAddress } from '../lib/wallet';
import { notify, useApp } from '../state/store';
import './inbox/inbox.css';
import type { LiveJob } from '../state/store';
import { publishWaitText, useAssetBatch } from './activity/useAssetBatch';

type Publication = NonNullable<AssetDetail['publication']>;

const NETWORK_WORD: Record<string, string> = { sandbox: 'Sandbox', testnet: 'Testnet', mainnet: 'Mainnet' };

export function PublishProgress({ job, name }: { job: LiveJob; name: string }) {
  const pct = jobPercent(job);
  const batch = useAssetBatch(job.assetId);
  // Waiting for its uploads: the batch's own words and bar (below) say how far they are.
  const uploads = publishWaitText(job, batch);
  return (
    <section className="card publish-live" aria-labelledby="publish-live-title" data-testid="publish-live">
      <div className="card-head">
        <h2 id="publish-live-title">Publishing</h2>
      </div>
      <p className="job-state" data-testid="publish-live-state">
        {uploads ?? jobStateText(job)}
      </p>
      {uploads === null && (job.state === 'running' || job.state === 'waiting') && <ProgressBar value={pct} label={`Publishing ${name}`} />}
      {uploads === null && job.detail !== null && job.detail !== job.error && <p className="hint">{job.detail}</p>}
      <p className="card-note">
        It continues in the background: see <a href="#/activity">Activity</a> to pause or cancel it.
      </p>
    </section>
  );
}

/** The asset's auto-approve rule as the backend reports it, overridden by the owner's latest choice here. */
function useAutoApprove(publication: Publication): [boolean, (v: boolean) => void] {
  const [chosen, setChosen] = useState<boolean | null>(null);
  return [chosen ?? publication.autoApprove, setChosen];
}

/** Owner tools for requests: the auto-approve rule, and on the sandbox a simulated buyer. */
function AccessTools({ asset, publication }: { asset: AssetDetail; publication: Publication }) {
  const network = useApp((s) => s.network);
  const [auto, setAuto] = useAutoApprove(publication);
  const [savingAuto, setSavingAuto] = useState(false);
  const [simulating, setSimulating] = useState(false);
  const price = weiToEth(publication.priceWei);
  const onChain = publication.tokenId !== null;
  const sandbox = publication.network === 'sandbox' && network === 'sandbox';

  const toggleAuto = async (on: boolean): Promise<void> => {
    setSavingAuto(true);
    // Shown at once; put back if the backend refuses.
    const before = auto;
    setAuto(on);
    try {
      const r = await call('access.setAutoApprove', { assetId: asset.id, autoApprove: on });
      setAuto(r.autoApprove);
      notify(
        'success',
        r.autoApprove ? `Requests for “${asset.name}” that pay its price are now approved automatically.` : `Requests for “${asset.name}” now wait for you in the Inbox.`,
      );
    } catch (e) {
      setAuto(before);
      notify('error', `Could not change auto-approve: ${messageOf(e)}`);
    } finally {
      setSavingAuto(false);
    }
  };

  const simulate = async (): Promise<void> => {
    setSimulating(true);
    try {
      const r = await call('access.simulateBuyer', { assetId: asset.id, message: 'Hello! I would like to use this for a research project.' });
      notify('success', `A simulated buyer (${shortAddress(r.requester)}) requested access. It arrives in your Inbox in a few seconds.`, '#/inbox');
    } catch (e) {
      notify('error', `The simulated buyer could not request access: ${messageOf(e)}`);
    } finally {
      setSimulating(false);
    }
  };

  if (!onChain) return null;
  return (
    <div className="publication-access" data-testid="publication-access">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={auto}
          disabled={savingAuto}
          data-testid="auto-approve"
          onChange={(e) => void toggleAuto(e.target.checked)}
        />
        Approve automatically any request that pays the price{price === '0' ? '' : ` (${formatEth(price, 8).text} ETH)`}
      </label>
      {sandbox && (
        <p className="card-note">
          <button type="button" className="button button-sm" onClick={() => void simulate()} disabled={simulating}>
            {simulating ? 'Requesting…' : 'Simulate a buyer'}
          </button>{' '}
          A funded test account requests access to this asset and pays its price, so you can try the <a href="#/inbox">Inbox</a> offline.
        </p>
      )}
    </div>
  );
}

export function PublicationCard({ asset, publication }: { asset: AssetDetail; publication: Publication }) {
  const [busy, setBusy] = useState(false);
  const network = NETWORK_WORD[publication.network] ?? publication.network;
  const download = async (): Promise<void> => {
    setBusy(true);
    try {
      const { certificate } = await call('assets.certificate', { id: asset.id });
      downloadText('ativo-certificate.json', `${JSON.stringify(certificate, null, 2)}\n`);
    } catch (e) {
      notify('error', `Could not get the certificate: ${messageOf(e)}`);
    } finally {
      setBusy(false);
    }
  };
  const price = weiToEth(publication.priceWei);
  return (
    <section className="card publication" aria-labelledby="publication-title" data-testid="publication">
      <div className="card-head">
        <h2 id="publication-title">
          <Icon name="shield" />
          Certified on {network}
          {publication.tokenId !== null ? ` · token #${publication.tokenId}` : ''}
        </h2>
        <div className="card-actions">
          <a className="button" href={`#/certificate/${asset.id}`} data-testid="open-certificate">
            Certificate
          </a>
          <button type="button" className="button" onClick={() => void download()} disabled={busy}>
            <Icon name="download" size={16} />
            {busy ? 'Preparing…' : 'Download certificate'}
          </button>
        </div>
      </div>
      <dl className="facts">
        <div className="fact fact-wide">
          <dt>Proven</dt>
          <dd className="root-line">
            {publication.txHash !== null ? (
              <>
                <span>Registered on chain {publication.chainId} in</span>
                <code className="mono-text root-full" data-testid="publication-tx">
                  {publication.txHash}
                </code>
                <CopyButton text={publication.txHash} label="Copy transaction hash" />
              </>
            ) : (
              <span className="muted">Not registered on chain</span>
            )}
          </dd>
        </div>
        <div className="fact fact-wide">
          <dt>Preserved</dt>
          <dd className="root-line">
            <span>Stored; manifest</span>
            <code className="mono-text root-full" data-testid="publication-manifest">
              {publication.manifestId}
            </code>
            <CopyButton text={publication.manifestId} label="Copy manifest id" />
          </dd>
        </div>
        <div className="fact">
          <dt>Visibility</dt>
          <dd>{publication.visibility === 'private' ? 'Private — encrypted' : 'Public'}</dd>
        </div>
        <div className="fact">
          <dt>License</dt>
          <dd>{publication.license}</dd>
        </div>
        <div className="fact">
          <dt>Price per access</dt>
          <dd>{price === '0' ? 'Free' : `${formatEth(price, 8).text} ETH`}</dd>
        </div>
        <div className="fact">
          <dt>Certified</dt>
          <dd>{formatDate(publication.certifiedAt)}</dd>
        </div>
      </dl>
      <AccessTools asset={asset} publication={publication} />
    </section>
  );
}
