/**
 * Who owns a certified asset and on what terms (issue 14): the owner wallet (with a note and a
 * switch when it is not the wallet in use), the current terms, and the split's payees, named
 * from the folder's CONTRIBUTORS or CITATION.cff when they list the address.
 */
import { useState } from 'react';
import { call, messageOf } from '../../api/client';
import type { AssetDetail } from '../../api/client';
import { CopyButton } from '../../components/CopyButton';
import { useQuery } from '../../hooks/useQuery';
import { shortAddress, walletName } from '../../lib/wallet';
import { notify, useApp } from '../../state/store';
import { priceCell } from './Lifecycle';

const same = (a: string | null | undefined, b: string | null | undefined): boolean => a !== null && a !== undefined && b !== null && b !== undefined && a.toLowerCase() === b.toLowerCase();

function OwnerNote({ owner }: { owner: string }) {
  const settings = useApp((s) => s.settingsVersion);
  const wallets = useQuery(`wallets:${settings}`, () => call('wallet.list', {}));
  const [switching, setSwitching] = useState(false);
  if (wallets.data === null || same(wallets.data.current, owner)) return null;
  const mine = wallets.data.wallets.find((w) => same(w.address, owner));
  const use = async (): Promise<void> => {
    setSwitching(true);
    try {
      wallets.set(await call('wallet.use', { address: mine?.address ?? owner }));
      notify('success', `Now using ${mine !== undefined ? walletName(mine) : 'the owner wallet'} (${shortAddress(owner)}).`);
    } catch (e) {
      notify('error', `Could not switch wallets: ${messageOf(e)}`);
    } finally {
      setSwitching(false);
    }
  };
  return (
    <div className="owner-note" role="note" data-testid="owner-note">
      <p>
        {wallets.data.current === null ? 'No wallet is in use. ' : `This is not the wallet in use (${shortAddress(wallets.data.current)}). `}
        {mine !== undefined
          ? 'Switch to it to approve requests, change terms or publish a new version of this asset.'
          : 'That wallet is not in this app: import it on the Wallet screen to manage this asset from here.'}
      </p>
      {mine !== undefined && (
        <button type="button" className="button button-sm" onClick={() => void use()} disabled={switching}>
          {switching ? 'Switching…' : `Use ${walletName(mine)}`}
        </button>
      )}
    </div>
  );
}

export function OwnerAndTerms({ asset }: { asset: AssetDetail }) {
  const { owner, terms, payees } = asset;
  if (terms === null) return null;
  return (
    <section className="card" aria-labelledby="owner-terms-title" data-testid="owner-terms">
      <div className="card-head">
        <h2 id="owner-terms-title">Owner and terms</h2>
      </div>
      <dl className="facts">
        {owner !== null && (
          <div className="fact fact-wide">
            <dt>Owner wallet</dt>
            <dd className="root-line">
              <code className="mono-text root-full" data-testid="owner-address">
                {owner}
              </code>
              <CopyButton text={owner} label="Copy the owner's address" />
            </dd>
          </div>
        )}
        <div className="fact">
          <dt>Price per access</dt>
          <dd data-testid="terms-price">{priceCell(terms.priceWei)}</dd>
        </div>
        <div className="fact">
          <dt>License</dt>
          <dd data-testid="terms-license">{terms.license === 'custom' ? 'Custom terms' : terms.license}</dd>
        </div>
        <div className="fact">
          <dt>Approval</dt>
          <dd data-testid="terms-approval">{terms.approval === 'auto' ? 'Automatic for requests that pay the price' : 'You approve each request'}</dd>
        </div>
        <div className="fact">
          <dt>Visibility</dt>
          <dd data-testid="terms-visibility">{terms.visibility === 'private' ? 'Private — encrypted' : 'Public'}</dd>
        </div>
      </dl>
      {owner !== null && <OwnerNote owner={owner} />}
      {payees.length > 0 && (
        <>
          <h3 className="payees-title">Revenue split</h3>
          <ul className="payee-list" aria-label="Payees" data-testid="payees">
            {payees.map((p) => (
              <li key={p.address} className="payee-row" data-testid="payee">
                <span className="payee-share">{p.bps / 100}%</span>
                <span className="payee-name" title={p.address}>
                  {p.name ?? shortAddress(p.address)}
                  {same(p.address, owner) ? <span className="muted"> (owner)</span> : null}
                </span>
                <code className="mono-text payee-address">{p.address}</code>
              </li>
            ))}
          </ul>
          {payees.some((p) => p.name !== null) && <p className="card-note">Names come from the folder’s {payees.find((p) => p.source !== null)?.source ?? 'CONTRIBUTORS'} file.</p>}
        </>
      )}
    </section>
  );
}
