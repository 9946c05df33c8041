/**
 * My access (issue 16): the requests the wallet in use made on this network, read from the chain,
 * with their state and deadline. Approved: Download into a new folder, a background job (fetch →
 * decrypt → verify, "Downloading 3 of 12 files"; the folder appears only when every file matches
 * the registered content root, and a download goes on after a restart). Unanswered
 * past the owner's time: Cancel, which refunds. Refunds: Withdraw.
 */
import { useEffect, useId, useState } from 'react';
import type { SyntheticEvent } from 'react';
import { call, getBridge } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { FormError } from '../../components/FormError';
import { Icon } from '../../components/Icon';
import { WalletLine } from '../../components/WalletContext';
import { useAction } from '../../hooks/useAction';
import { useQuery } from '../../hooks/useQuery';
import { formatDate } from '../../lib/format';
import { notify, useApp } from '../../state/store';
import { formatEth } from '../earnings/money';
import './buyer.css';

type Mine = CommandOutput<'buyer.requests'>;
type Item = Mine['items'][number];

const STATE_WORDS: Record<Item['state'], string> = {
  pending: 'Waiting for the owner',
  expired: 'Not answered in time',
  approved: 'Approved',
  denied: 'Denied',
  cancelled: 'Cancelled, refunded',
};

const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);

function Download({ item, onChanged }: { item: Item; onChanged: () => void }) {
  const [path, setPath] = useState<string | null>(null);
  const action = useAction();
  const [jobId, setJobId] = useState<number | null>(null);
  const fieldId = useId();
  const errorId = useId();
  const home = useQuery('home', () => call('system.browse', { showHidden: false }));
  const suggested = home.data !== null ? `${home.data.path.replace(/\/+$/, '')}/${slug(item.name ?? `asset-${item.tokenId}`) || `asset-${item.tokenId}`}` : '';
  const value = path ?? suggested;
  const electron = getBridge().shell === 'electron';
  // The download is a background job: its live state from the job events, else as the list read it.
  const known = item.download;
  const id = jobId ?? known?.jobId ?? null;
  const live = useApp((s) => (id === null ? undefined : s.jobs[id]));
  const state = live?.state ?? (known !== null && known.jobId === id ? known.state : null);
  const active = state === 'queued' || state === 'running' || state === 'waiting' || state === 'paused';
  const finished = state === 'done' && known !== null && known.jobId === id && known.contentRoot !== null;
  const liveState = live?.state;
  const knownState = known?.state;
  useEffect(() => {
    // A job that just ended: read the list again for its result (files, content root) or its error.
    if ((liveState === 'done' || liveState === 'failed' || liveState === 'cancelled') && knownState !== liveState) onChanged();
  }, [liveState, knownState, onChanged]);

  const submit = (e: SyntheticEvent<HTMLFormElement, SubmitEvent>): void => {
    e.preventDefault();
    const out = value.trim();
    if (out === '') {
      action.setError('Type the path of a new folder to download into.');
      return;
    }
    void action.run(async () => {
      const r = await call('buyer.download', { requestId: item.requestId, out });
      setJobId(r.jobId);
      notify('info', 'Downloading in the background: follow it here or in Activity.', '#/activity');
      onChanged();
    });
  };

  if (finished) {
    return (
      <p className="buyer-note" role="status" data-testid="download-done">
        <Icon name="check" size={16} /> {known.files === null ? 'The files were' : `${known.files} ${known.files === 1 ? 'file' : 'files'}`} downloaded into{' '}
        <code className="buyer-code">{known.out}</code>; every one matches the registered content root <code className="buyer-code">{known.contentRoot}</code>.
      </p>
    );
  }
  if (active) {
    const percent = Math.round((live?.progress ?? 0) * 100);
    const words =
      state === 'waiting'
        ? `Waiting: ${live?.error ?? known?.error ?? 'it will go on by itself'}`
        : state === 'paused'
          ? 'Paused: resume it in Activity.'
          : state === 'queued'
            ? 'About to start…'
            : (live?.detail ?? 'Downloading…');
    return (
      <div className="buyer-download" data-testid="download-progress" aria-live="polite">
        <p>
          <Icon name="download" size={16} /> <span data-testid="download-progress-text">{words}</span>
        </p>
        <progress max={100} value={percent} aria-label="Download progress" />
        <p className="hint">
          Into {known?.out ?? value}. Each file is decrypted and checked against the registered fingerprint; the folder appears only when every file matches. If Ativo closes, it
          goes on when it opens again.
        </p>
      </div>
    );
  }
  const failed = state === 'failed' && known !== null && known.jobId === id ? known.error : null;
  return (
    <form className="buyer-download" onSubmit={submit} aria-busy={action.busy}>
      <label htmlFor={fieldId}>Download into a new folder</label>
      <div className="path-bar">
        <input
          id={fieldId}
          className="input input-mono"
          type="text"
          value={value}
          spellCheck={false}
          autoComplete="off"
          data-testid="download-path"
          aria-describedby={action.error !== null ? errorId : undefined}
          aria-invalid={action.error !== null}
          onChange={(e) => {
            setPath(e.target.value);
          }}
        />
        {electron && (
          <button
            type="button"
            className="button"
            onClick={() => {
              void getBridge()
                .pickFolder()
                .then((p) => {
                  if (p !== null) setPath(`${p.replace(/\/+$/, '')}/${slug(item.name ?? `asset-${item.tokenId}`) || `asset-${item.tokenId}`}`);
                });
            }}
          >
            Choose…
          </button>
        )}
        <button type="submit" className="button button-primary" disabled={action.busy} data-testid="download-button">
          <Icon name="download" size={16} />
          {action.busy ? 'Starting…' : failed !== null ? 'Download again' : 'Download'}
        </button>
      </div>
      <p className="hint">A new or empty folder. Nothing is kept unless every file matches what the owner registered.</p>
      {failed !== null && action.error === null && <FormError>The last download did not finish: {failed}</FormError>}
      {action.error !== null && <FormError id={errorId}>{action.error}</FormError>}
    </form>
  );
}

function RequestCard({ item, onChanged }: { item: Item; onChanged: () => void }) {
  const cancel = useAction();
  const title = item.name ?? `Asset #${item.tokenId}`;
  return (
    <li className="card buyer-item" data-testid="my-request" data-request-id={item.requestId} data-state={item.state}>
      <div className="buyer-item-head">
        <h3>{title}</h3>
        <span className={`buyer-state buyer-state-${item.state}`} data-testid="my-request-state">
          {STATE_WORDS[item.state]}
        </span>
      </div>
      <p className="muted">
        Request #{item.requestId} · asked {formatDate(item.createdAt)} · {item.amountWei === '0' ? 'free' : `${formatEth(item.amountWei)} paid into escrow`}
        {item.message !== '' && <> · your message: “{item.message}”</>}
      </p>
      {item.state === 'pending' && <p>The owner has until {formatDate(item.cancellableAt)} to answer; after that you can cancel and get your payment back.</p>}
      {item.state === 'denied' && (
        <p>
          The owner denied it{item.reason !== null && item.reason.trim() !== '' ? `: “${item.reason}”` : ''}. Your payment came back: withdraw it below.
        </p>
      )}
      {item.state === 'approved' && item.keyNote !== null && (
        <p className="card-note" data-testid="my-request-key-note">
          {item.keyNote}
        </p>
      )}
      {item.state === 'approved' && item.expiresAt !== null && <p>Your access lasts until {formatDate(item.expiresAt)}; files you downloaded stay yours.</p>}
      <div className="buyer-actions">
        {item.state === 'expired' && (
          <button
            type="button"
            className="button"
            disabled={cancel.busy}
            onClick={() =>
              void cancel.run(async () => {
                const r = await call('access.cancel', { requestId: item.requestId });
                notify('success', `Request #${r.requestId} cancelled: ${formatEth(r.refundedWei)} is back in your balance to withdraw.`);
                onChanged();
              })
            }
          >
            {cancel.busy ? 'Cancelling…' : 'Cancel and get my payment back'}
          </button>
        )}
        {item.assetId !== null && (
          <a className="button" href={`#/certificate/${item.assetId}`}>
            Certificate
          </a>
        )}
      </div>
      {cancel.error !== null && <FormError>{cancel.error}</FormError>}
      {item.state === 'approved' && <Download item={item} onChanged={onChanged} />}
    </li>
  );
}

function Refunds({ mine, onChanged }: { mine: Mine; onChanged: () => void }) {
  const action = useAction();
  if (mine.withdrawableWei === '0') return null;
  return (
    <section className="card" aria-labelledby="refund-title" data-testid="refunds">
      <div className="card-head">
        <h2 id="refund-title">Money to withdraw</h2>
      </div>
      <p>
        {formatEth(mine.withdrawableWei)} is waiting for this wallet in the registry (refunds, and earnings if you sell too). Withdraw it to your wallet.
      </p>
      <div className="buyer-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              const r = await call('earnings.withdraw', {});
              notify('success', `Withdrawing ${formatEth(r.amountWei)}: follow it in Activity.`, '#/activity');
              onChanged();
            })
          }
        >
          {action.busy ? 'Starting…' : 'Withdraw'}
        </button>
      </div>
      {action.error !== null && <FormError>{action.error}</FormError>}
    </section>
  );
}

export function MyAccessScreen() {
  const network = useApp((s) => s.network);
  const settings = useApp((s) => s.settingsVersion);
  const walletVersion = useApp((s) => s.walletVersion);
  // Another wallet, network or settings: another list. A reload keeps the list (and a finished download's note) on screen.
  const mine = useQuery(`my-access:${network ?? ''}:${settings}:${walletVersion}`, () => call('buyer.requests', {}));
  const reload = mine.reload;
  const m = mine.data;
  return (
    <div className="buyer-page">
      <div className="page-head">
        <div className="title-block">
          <h1>My access</h1>
          <p className="page-sub">
            <WalletLine prefix="Requests of" /> What you asked for, read from the registry on chain.
          </p>
        </div>
        <div className="page-actions">
          <button type="button" className="button" onClick={reload} disabled={mine.loading}>
            <Icon name="refresh" size={16} />
            Refresh
          </button>
        </div>
      </div>
      {mine.error !== null && <FormError>{mine.error.message}</FormError>}
      {m === null && mine.error === null && <p className="muted">Loading your requests…</p>}
      {m !== null && <Refunds mine={m} onChanged={reload} />}
      {m !== null && m.items.length === 0 && (
        <div className="card" data-testid="myaccess-empty">
          <h2>No requests yet</h2>
          <p className="muted">
            Find a dataset or model in Discover, or open a link someone sent you, and choose Request access. Your requests appear here with their state; once the
            owner approves, you download the files from here.
          </p>
        </div>
      )}
      {m !== null && m.items.length > 0 && (
        <ul className="buyer-list" aria-label="Your requests">
          {m.items.map((item) => (
            <RequestCard key={item.requestId} item={item} onChanged={reload} />
          ))}
        </ul>
      )}
    </div>
  );
}
