/**
 * Earnings (issue 7): what the current wallet earned on the current network, from the registry's
 * events: totals, payouts over time, per asset, per contributor of each split, every payout
 * (virtualized), CSV export, Reconcile (re-read from block 0) and Withdraw (a durable job).
 */
import { useState } from 'react';
import { call, messageOf } from '../api/client';
import type { CommandOutput } from '../api/client';
import { CopyButton } from '../components/CopyButton';
import { Icon } from '../components/Icon';
import { WalletLine } from '../components/WalletContext';
import { BlockedReason, NetworkDownBanner } from '../components/NetworkDownBanner';
import { useNetworkDown } from '../state/network-health';
import { useQuery } from '../hooks/useQuery';
import { formatCount, formatDate, weiToEth } from '../lib/format';
import { notify, useApp } from '../state/store';
import type { LiveJob } from '../state/store';
import { PayoutChart } from './earnings/PayoutChart';
import { PayoutTable } from './earnings/PayoutTable';
import { shortAddress } from '../lib/wallet';
import { formatEth, localTimeZone, networkTitle } from './earnings/money';
import './earnings/earnings.css';

type Bucket = 'day' | 'week' | 'month';
type Summary = CommandOutput<'earnings.summary'>;
type Reconciled = CommandOutput<'earnings.reconcile'>;

const BUCKETS: { value: Bucket; label: string }[] = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
];

function Amount({ wei, currency, testId }: { wei: string; currency: string; testId?: string }) {
  return (
    <span className="earn-amount" data-wei={wei} data-testid={testId} title={`${weiToEth(wei)} ${currency}`}>
      {formatEth(wei, currency)}
    </span>
  );
}

function Totals({ s }: { s: Summary }) {
  return (
    <section className="card" aria-labelledby="totals-title">
      <div className="card-head">
        <h2 id="totals-title">Totals</h2>
        <span className="hint" data-testid="earnings-synced">
          {shortAddress(s.account)} on {networkTitle(s.network)} · indexed to block {formatCount(Math.max(0, s.syncedBlock))}
          {s.syncedAt !== null ? ` · ${formatDate(s.syncedAt)}` : ''}
        </span>
      </div>
      <dl className="facts earn-totals">
        <div className="fact">
          <dt>Earned</dt>
          <dd>
            <Amount wei={s.earnedWei} currency={s.currency} testId="total-earned" />
          </dd>
        </div>
        <div className="fact">
          <dt>Withdrawable</dt>
          <dd>
            <Amount wei={s.withdrawableWei} currency={s.currency} testId="total-withdrawable" />
          </dd>
        </div>
        <div className="fact">
          <dt>Withdrawn</dt>
          <dd>
            <Amount wei={s.withdrawnWei} currency={s.currency} testId="total-withdrawn" />
          </dd>
        </div>
        <div className="fact">
          <dt>In fiat</dt>
          <dd className="muted" data-testid="total-fiat">
            Not available yet
          </dd>
        </div>
      </dl>
    </section>
  );
}

const TX_RE = /0x[0-9a-fA-F]{64}/;

function withdrawText(j: LiveJob): string {
  switch (j.state) {
    case 'queued':
      return 'Withdrawal queued';
    case 'running':
      return j.detail ?? 'Withdrawing';
    case 'waiting':
      return `Waiting: ${j.error ?? j.detail ?? 'will retry'}`;
    case 'paused':
      return 'Withdrawal paused (resume it in Activity)';
    case 'done':
      return 'Withdrawn';
    case 'failed':
      return `Withdrawal failed: ${j.error ?? 'unknown error'}`;
    case 'cancelled':
      return 'Withdrawal cancelled';
  }
}

function WithdrawCard({ s, version }: { s: Summary; version: number }) {
  const jobs = useApp((st) => st.jobs);
  const [busy, setBusy] = useState(false);
  const job = Object.values(jobs)
    .filter((j) => j.kind === 'withdraw')
    .sort((a, b) => b.id - a.id)[0];
  const active = job !== undefined && (job.state === 'queued' || job.state === 'running' || job.state === 'waiting' || job.state === 'paused');
  const last = useQuery(`last-withdrawal:${s.network}:${s.account}:${version}`, async () => {
    const page = await call('earnings.payouts', { offset: 0, limit: 100 });
    return page.items.find((p) => p.kind === 'withdrawal') ?? null;
  });
  const pendingHash = job !== undefined && active ? (TX_RE.exec(job.detail ?? '')?.[0] ?? null) : null;
  const txHash = pendingHash ?? last.data?.txHash ?? null;
  const net = useNetworkDown();
  const canWithdraw = BigInt(s.withdrawableWei) > 0n && !active && !net.down;

  const withdraw = async (): Promise<void> => {
    setBusy(true);
    try {
      const r = await call('earnings.withdraw', {});
      notify('info', `Withdrawing ${formatEth(r.amountWei, s.currency)} (job #${r.jobId}). Follow it here or in Activity.`);
    } catch (e) {
      notify('error', `Could not withdraw: ${messageOf(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card earn-withdraw" aria-labelledby="withdraw-title">
      <div className="card-head">
        <h2 id="withdraw-title">Withdraw</h2>
      </div>
      <p className="muted">
        Credited payouts stay in the registry until you withdraw them to your wallet. A withdrawal is one transaction; it carries on in the background, and
        survives a restart of Ativo without ever being sent twice.
      </p>
      <div className="earn-withdraw-row">
        <button type="button" className="button button-primary" onClick={() => void withdraw()} disabled={!canWithdraw || busy} title={net.reason || undefined} data-testid="withdraw-button">
          {busy ? 'Starting…' : `Withdraw ${formatEth(s.withdrawableWei, s.currency)}`}
        </button>
        <div role="status" aria-live="polite" className="earn-withdraw-state" data-testid="withdraw-state" data-state={job?.state ?? 'none'}>
          {job !== undefined ? withdrawText(job) : BigInt(s.withdrawableWei) === 0n ? 'Nothing to withdraw.' : ''}
        </div>
      </div>
      <BlockedReason />
      {txHash !== null && (
        <p className="earn-tx" data-testid="withdraw-tx">
          <span className="muted">{pendingHash !== null ? 'Transaction' : 'Last withdrawal'}:</span> <code className="hash">{txHash}</code>{' '}
          <CopyButton text={txHash} label="Copy the transaction hash" />
        </p>
      )}
    </section>
  );
}

function AssetsTable({ items, currency }: { items: CommandOutput<'earnings.assets'>['items']; currency: string }) {
  return (
    <section className="card" aria-labelledby="assets-earn-title">
      <div className="card-head">
        <h2 id="assets-earn-title">
          Per asset<span className="count">{items.length}</span>
        </h2>
      </div>
      <table className="earn-grid" data-testid="earnings-assets">
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col" className="num">
              Requests
            </th>
            <th scope="col" className="num">
              Approvals
            </th>
            <th scope="col" className="num">
              Revenue
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.tokenId} data-token={a.tokenId}>
              <th scope="row">
                {a.assetId !== null ? <a href={`#/assets/${a.assetId}`}>{a.assetName ?? `Asset #${a.tokenId}`}</a> : (a.assetName ?? 'Asset')}{' '}
                <span className="muted">#{a.tokenId}</span>
              </th>
              <td className="num" data-field="requests">
                {formatCount(a.requests)}
              </td>
              <td className="num" data-field="approvals">
                {formatCount(a.approvals)}
              </td>
              <td className="num" data-field="revenue">
                <Amount wei={a.revenueWei} currency={currency} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ContributorsTable({ items, currency }: { items: CommandOutput<'earnings.contributors'>['items']; currency: string }) {
  return (
    <section className="card" aria-labelledby="contrib-title">
      <div className="card-head">
        <h2 id="contrib-title">Per contributor</h2>
        <span className="hint">What each payee of each split was credited</span>
      </div>
      <table className="earn-grid" data-testid="earnings-contributors">
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col">Payee</th>
            <th scope="col" className="num">
              Share
            </th>
            <th scope="col" className="num">
              Earned
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr key={`${c.tokenId}:${c.payee}`} data-token={c.tokenId} data-payee={c.payee}>
              <td>
                {c.assetName ?? 'Asset'} <span className="muted">#{c.tokenId}</span>
              </td>
              <th scope="row">
                <code className="hash" title={c.payee}>
                  {shortAddress(c.payee)}
                </code>
                {c.isYou && <span className="badge badge-current">You</span>}
              </th>
              <td className="num">{(c.bps / 100).toFixed(2)}%</td>
              <td className="num" data-field="earned">
                <Amount wei={c.earnedWei} currency={currency} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}

export function EarningsScreen() {
  const version = useApp((s) => s.earningsVersion);
  const settings = useApp((s) => s.settingsVersion);
  const network = useApp((s) => s.network);
  const netDown = useNetworkDown().down;
  const [bucket, setBucket] = useState<Bucket>('day');
  const [reconciling, setReconciling] = useState(false);
  const [reconciled, setReconciled] = useState<Reconciled | null>(null);
  const [exporting, setExporting] = useState(false);
  const key = `${network ?? '?'}:${settings}:${version}`;
  const summary = useQuery(`summary:${key}`, () => call('earnings.summary', {}));
  const assets = useQuery(`assets:${key}`, () => call('earnings.assets', {}));
  const contributors = useQuery(`contributors:${key}`, () => call('earnings.contributors', {}));
  // Buckets follow the person's calendar: a payout at 5 PM here counts on today here.
  const series = useQuery(`series:${key}:${bucket}`, () => call('earnings.series', { bucket, timeZone: localTimeZone() }));
  const s = summary.data;
  const currency = s?.currency ?? 'ETH';
  const empty = s !== null && BigInt(s.earnedWei) === 0n && BigInt(s.withdrawnWei) === 0n && BigInt(s.withdrawableWei) === 0n && (assets.data?.items.length ?? 0) === 0;

  const exportCsv = async (): Promise<void> => {
    setExporting(true);
    try {
      const r = await call('earnings.csv', {});
      download(r.filename, r.csv);
    } catch (e) {
      notify('error', `Could not export the payouts: ${messageOf(e)}`);
    } finally {
      setExporting(false);
    }
  };

  const reconcile = async (): Promise<void> => {
    setReconciling(true);
    try {
      setReconciled(await call('earnings.reconcile', {}));
    } catch (e) {
      notify('error', `Could not reconcile: ${messageOf(e)}`);
    } finally {
      setReconciling(false);
      summary.reload();
    }
  };

  return (
    <div className="earnings-page">
      <div className="page-head">
        <div className="title-block">
          <h1 id="earnings-title">Earnings</h1>
          <p className="page-sub">
            <WalletLine prefix="Earnings of" /> What this wallet earned from access to your assets, read from the registry on chain.
          </p>
        </div>
        {s !== null && !empty && (
          <div className="page-actions">
            <button type="button" className="button" onClick={() => void reconcile()} disabled={reconciling} data-testid="reconcile-button">
              <Icon name="refresh" size={16} />
              {reconciling ? 'Reconciling…' : 'Reconcile'}
            </button>
            <button type="button" className="button" onClick={() => void exportCsv()} disabled={exporting} data-testid="csv-button">
              <Icon name="download" size={16} />
              {exporting ? 'Exporting…' : 'Download CSV'}
            </button>
          </div>
        )}
      </div>

      <NetworkDownBanner shows={s !== null ? 'the earnings Ativo knew of when it last reached the network' : 'no earnings until then: they are read from the registry on chain'} />

      {summary.error !== null && !(netDown && summary.error.code === 'CHAIN_ERROR') && (
        <div className={`callout ${summary.error.code === 'NOT_CONFIGURED' ? 'callout-warn' : 'callout-error'}`} role="alert" data-testid="earnings-error">
          <Icon name="alert" />
          <div>
            <strong>{summary.error.code === 'NOT_CONFIGURED' ? 'Earnings need a wallet and a network.' : 'Earnings could not be loaded.'}</strong>
            <p>{summary.error.message}</p>
            {summary.error.code === 'NOT_CONFIGURED' && (
              <p>
                <a href="#/wallet">Open the Wallet screen</a>
              </p>
            )}
          </div>
        </div>
      )}

      {reconciled !== null && (
        <div className={`callout ${reconciled.agreed ? 'earn-agreed' : 'callout-error'}`} role="status" data-testid="reconcile-result" data-agreed={reconciled.agreed}>
          <Icon name={reconciled.agreed ? 'check' : 'alert'} />
          <div>
            <strong>
              {reconciled.agreed
                ? `The figures agree with the chain, read again from block 0 to ${formatCount(reconciled.summary.syncedBlock)}.`
                : `The cached figures differ from the chain in ${reconciled.differences.length} place(s).`}
            </strong>
            {!reconciled.agreed && (
              <ul>
                {reconciled.differences.slice(0, 20).map((d) => (
                  <li key={d}>{d}</li>
                ))}
              </ul>
            )}
          </div>
        </div>
      )}

      {s === null && summary.error === null && (
        <div className="panel panel-muted" role="status">
          Loading…
        </div>
      )}

      {s !== null && empty && (
        <div className="card earn-empty" data-testid="earnings-empty">
          <h2>No earnings yet</h2>
          <p className="muted">
            Earnings arrive when someone pays for access to one of your published assets and the request is approved (by you in the Inbox, or automatically):
            the price held in escrow is credited to the payees of the asset&apos;s split, you included. Credited amounts appear here per asset, per
            contributor and over time, and you can withdraw them to your wallet.
          </p>
          <p className="muted">
            Publish an asset with a price from the <a href="#/">Library</a> to start.
          </p>
        </div>
      )}

      {s !== null && !empty && (
        <>
          <Totals s={s} />
          <WithdrawCard s={s} version={version} />
          <section className="card" aria-labelledby="series-title">
            <div className="card-head">
              <h2 id="series-title">Payouts over time</h2>
              <fieldset className="segmented earn-buckets">
                <legend className="sr-only">Group payouts by</legend>
                <div className="segmented-options">
                  {BUCKETS.map((b) => (
                    <label key={b.value} className={`segment${bucket === b.value ? ' is-selected' : ''}`}>
                      <input
                        type="radio"
                        name="earnings-bucket"
                        value={b.value}
                        checked={bucket === b.value}
                        onChange={() => {
                          setBucket(b.value);
                        }}
                      />
                      {b.label}
                    </label>
                  ))}
                </div>
              </fieldset>
            </div>
            {series.data !== null ? (
              <PayoutChart points={series.data.points} bucket={series.data.bucket} currency={currency} />
            ) : series.error !== null ? (
              <p role="alert">The series could not be loaded: {series.error.message}</p>
            ) : (
              <div className="earn-chart earn-chart-loading" />
            )}
          </section>
          {assets.data !== null && assets.data.items.length > 0 && <AssetsTable items={assets.data.items} currency={currency} />}
          {contributors.data !== null && contributors.data.items.length > 0 && <ContributorsTable items={contributors.data.items} currency={currency} />}
          <PayoutTable network={s.network} account={s.account} version={version} currency={currency} />
        </>
      )}
    </div>
  );
}
