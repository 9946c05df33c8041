/**
 * Money as one step in the Publish dialog (issue 15): the quote (chain fee + storage), what the
 * storage balance and the wallet cover, and how the publication pays for its storage: on the
 * sandbox it adds what is missing by itself; elsewhere the amount is shown and must be confirmed.
 * When the wallet cannot pay, Publish is disabled, saying the amount missing.
 */
import { useId, useState } from 'react';
import { call } from '../../api/client';
import type { CommandOutput, NetworkName } from '../../api/client';
import { Icon } from '../../components/Icon';
import { useQuery } from '../../hooks/useQuery';
import type { Query } from '../../hooks/useQuery';
import { NETWORK_TITLE, shortAddress } from '../../lib/wallet';
import { useApp } from '../../state/store';
import './publish-costs.css';

type Quote = CommandOutput<'assets.publishQuote'>;

export interface FundingChoice {
  quote: Query<Quote>;
  /** Elsewhere than the sandbox: the person confirmed adding the amount shown. */
  confirmed: boolean;
  setConfirmed: (v: boolean) => void;
  /** What assets.publish is asked to fund: 'needed', or the confirmed amount in wei (undefined: nothing). */
  fundStorage: string | undefined;
  /** Why Publish is disabled for money reasons (null: it is not). */
  blocked: string | null;
  reload: () => void;
}

export function useFundingChoice(assetId: number, visibility: 'public' | 'private', owner: string | null, network: NetworkName): FundingChoice {
  const walletVersion = useApp((s) => s.walletVersion);
  const settings = useApp((s) => s.settingsVersion);
  const quote = useQuery(owner === null ? null : `publish-quote:${assetId}:${visibility}:${owner}:${walletVersion}:${settings}`, () =>
    call('assets.publishQuote', { id: assetId, visibility }),
  );
  const [confirmed, setConfirmed] = useState(false);
  const q = quote.data;
  const toFund = q !== null && BigInt(q.toFund.atomic) > 0n;
  const fundStorage = network === 'sandbox' ? 'needed' : q !== null && toFund && confirmed ? q.toFund.atomic : undefined;
  const blocked =
    q !== null && !q.canPay
      ? `Publish is disabled: your wallet is missing ${q.missing.formatted}.`
      : q !== null && toFund && !q.fundsWithoutAsking && !confirmed
        ? 'Confirm adding the storage amount above to publish.'
        : null;
  return { quote, confirmed, setConfirmed, fundStorage, blocked, reload: quote.reload };
}

export function PublishCosts({ money, network, owner, notes }: { money: FundingChoice; network: NetworkName; owner: string | null; notes: readonly string[] }) {
  const titleId = useId();
  const q = money.quote.data;
  const toFund = q !== null && BigInt(q.toFund.atomic) > 0n;
  return (
    <section className="publish-costs" aria-labelledby={titleId} data-testid="publish-costs">
      <h3 id={titleId}>What it costs</h3>
      {owner === null ? (
        <p className="hint">The costs show once there is a wallet to pay them.</p>
      ) : q === null ? (
        money.quote.error !== null ? (
          <p className="hint">
            The costs cannot be read now ({money.quote.error.message.replace(/\.$/, '')}). You can still publish: its uploads wait until storage is paid for.
          </p>
        ) : (
          <p className="hint" role="status">
            Checking costs…
          </p>
        )
      ) : (
        <>
          <dl className="facts publish-quote">
            <div className="fact">
              <dt>Chain fee</dt>
              <dd data-testid="chain-fee">about {q.chainFee.formatted}</dd>
            </div>
            <div className="fact">
              <dt>Storage</dt>
              <dd data-testid="storage-quote">about {q.storageCost.formatted}</dd>
            </div>
            <div className="fact">
              <dt>Storage balance</dt>
              <dd data-testid="storage-balance">{q.storageBalance.formatted}</dd>
            </div>
            <div className="fact">
              <dt>In your wallet</dt>
              <dd data-testid="wallet-balance">{q.wallet.formatted}</dd>
            </div>
          </dl>
          <p className="publish-quote-line" data-testid="quote-summary">
            {!toFund
              ? `Your storage balance covers the storage. Your wallet pays the chain fee, about ${q.chainFee.formatted}.`
              : q.fundsWithoutAsking
                ? `Publishing adds ${q.toFund.formatted} from your wallet to your storage balance (test money), then stores the files. Your wallet pays about ${q.total.formatted} in all.`
                : `Your storage balance lacks ${q.toFund.formatted} for these files. Your wallet pays about ${q.total.formatted} in all, with the chain fee and a network fee of about ${q.fundFee.formatted} for the transfer.`}
          </p>
          {toFund && !q.fundsWithoutAsking && q.canPay && (
            <label className="checkbox publish-fund-confirm">
              <input type="checkbox" checked={money.confirmed} onChange={(e) => { money.setConfirmed(e.target.checked); }} />
              Add {q.toFund.formatted} from my wallet to my storage balance when I publish.
            </label>
          )}
          {!q.canPay && (
            <div className="callout callout-error" role="alert" data-testid="publish-cannot-pay">
              <Icon name="alert" />
              <div>
                <strong>Your wallet is missing {q.missing.formatted}.</strong>
                <p>{q.reason}</p>
              </div>
            </div>
          )}
        </>
      )}
      {notes.length > 0 && (
        <ul className="publish-notes">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {owner !== null && (
        <p className="hint">
          Owner: <span title={owner}>{shortAddress(owner)}</span> on {NETWORK_TITLE[network]}.
        </p>
      )}
    </section>
  );
}
