/** Every payout of the wallet, newest first, paged from `earnings.payouts` as it scrolls (virtualized). */
import { memo } from 'react';
import { call } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { usePaged, usePagedVirtualizer } from '../../hooks/paged';
import type { PagedList, PageFetcher } from '../../hooks/paged';
import { formatCount, formatDate, shortHash, weiToEth } from '../../lib/format';
import { formatEth } from './money';

type Payout = CommandOutput<'earnings.payouts'>['items'][number];
const ROW_HEIGHT = 36;

interface PayoutQuery {
  network: string;
  account: string;
}

const fetchPayouts: PageFetcher<PayoutQuery, Payout> = (_p, offset, limit) => call('earnings.payouts', { offset, limit });

/**
 * One row, rendered again only when its payout, place or currency changes: scrolling renders the
 * rows coming into view, not every row on screen (issue 18: no long task scrolling 10,000 payouts).
 */
const PayoutRow = memo(function PayoutRow({ index, start, size, p, currency }: { index: number; start: number; size: number; p: Payout | undefined; currency: string }) {
  return (
    <div role="row" aria-rowindex={index + 2} className="earn-row" data-testid="payout-row" style={{ transform: `translateY(${start}px)`, height: size }}>
      {p ? (
        <>
          <span role="cell" className="ecell ecell-kind">
            <span className={`badge earn-kind earn-kind-${p.kind}`}>{p.kind === 'credit' ? 'Credit' : 'Withdrawal'}</span>
          </span>
          <span role="cell" className="ecell ecell-asset" title={p.assetName ?? undefined}>
            {p.tokenId !== null ? `${p.assetName ?? 'Asset'} #${p.tokenId}` : '—'}
          </span>
          <span role="cell" className="ecell ecell-amount" data-wei={p.amountWei} title={`${weiToEth(p.amountWei)} ${currency}`}>
            {formatEth(p.amountWei, currency)}
          </span>
          <span role="cell" className="ecell ecell-when">
            {formatDate(p.at)}
          </span>
          <span role="cell" className="ecell ecell-tx">
            <code className="hash" title={p.txHash}>
              {shortHash(p.txHash, 14)}
            </code>
          </span>
        </>
      ) : (
        <span role="cell" className="ecell ecell-asset">
          <span className="skeleton" />
        </span>
      )}
    </div>
  );
});

function Rows({ list, total, currency }: { list: PagedList<PayoutQuery, Payout>; total: number; currency: string }) {
  const { scrollRef, virtualizer, items } = usePagedVirtualizer(list, total, ROW_HEIGHT, 12);
  return (
    <div role="rowgroup" className="earn-table-scroll" ref={scrollRef} tabIndex={0} aria-label="Payouts, scrollable" data-testid="payouts-scroll">
      <div className="earn-table-body" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => (
          <PayoutRow key={item.key} index={item.index} start={item.start} size={item.size} p={list.row(item.index)} currency={currency} />
        ))}
      </div>
    </div>
  );
}

export function PayoutTable({ network, account, version, currency }: { network: string; account: string; version: number; currency: string }) {
  const { list, snapshot } = usePaged({ network, account }, fetchPayouts, version, 200);
  const total = snapshot.total;
  return (
    <section className="card" aria-labelledby="payouts-title">
      <div className="card-head">
        <h2 id="payouts-title">
          Payouts{total !== null && <span className="count" data-testid="payouts-count">{formatCount(total)}</span>}
        </h2>
      </div>
      <div className="earn-table" role="table" aria-label="Payouts" aria-rowcount={(total ?? 0) + 1}>
        <div role="rowgroup">
          <div role="row" aria-rowindex={1} className="earn-row earn-row-head">
            <span role="columnheader" className="ecell ecell-kind">
              Kind
            </span>
            <span role="columnheader" className="ecell ecell-asset">
              Asset
            </span>
            <span role="columnheader" className="ecell ecell-amount">
              Amount
            </span>
            <span role="columnheader" className="ecell ecell-when">
              When
            </span>
            <span role="columnheader" className="ecell ecell-tx">
              Transaction
            </span>
          </div>
        </div>
        {snapshot.error === null && total !== null && total > 0 && <Rows key={snapshot.key} list={list} total={total} currency={currency} />}
      </div>
      {snapshot.error !== null ? (
        <div className="table-message" role="alert">
          Payouts could not be loaded: {snapshot.error.message}{' '}
          <button
            type="button"
            className="link-button"
            onClick={() => {
              list.retry();
            }}
          >
            Try again
          </button>
        </div>
      ) : total === 0 ? (
        <div className="table-message muted">No payouts yet.</div>
      ) : null}
    </section>
  );
}
