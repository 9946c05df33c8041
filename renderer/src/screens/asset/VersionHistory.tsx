/** The asset's certified versions (1, 2, …), newest first: each distinct content root published. */
import type { AssetDetail } from '../../api/client';
import { CopyButton } from '../../components/CopyButton';
import { formatDate } from '../../lib/format';
import { shortAddress } from '../../lib/wallet';
import { priceCell } from './Lifecycle';

const NETWORK_WORD: Record<string, string> = { sandbox: 'Sandbox', testnet: 'Testnet', mainnet: 'Mainnet' };

export function VersionHistory({ asset }: { asset: AssetDetail }) {
  if (asset.versions.length === 0) return null;
  const latest = asset.versions[0];
  const changed = latest !== undefined && asset.contentRoot !== null && asset.state === 'ready' && asset.contentRoot !== latest.contentRoot;
  return (
    <section className="card" aria-labelledby="versions-title" data-testid="version-history">
      <div className="card-head">
        <h2 id="versions-title">
          Version history<span className="count">{asset.versions.length}</span>
        </h2>
      </div>
      <p className="card-note">
        {changed
          ? 'The folder changed since the last certified version: publish it to certify the next version (only changed files are uploaded).'
          : 'Each version is a fingerprint of the files, certified on chain; a new version links to the one before it.'}
      </p>
      <ol className="version-list" reversed>
        {asset.versions.map((v) => (
          <li key={v.number} className="version-row" data-testid="version-row" data-version={v.number}>
            <div className="version-head">
              <strong>Version {v.number}</strong>
              {v === latest && <span className="badge">Latest</span>}
              <span className="muted">
                {v.tokenId !== null ? `Token #${v.tokenId}` : 'Not registered'}
                {v.network !== null ? ` on ${NETWORK_WORD[v.network] ?? v.network}` : ''}
                {' · '}
                {v.certifiedAt !== null ? `certified ${formatDate(v.certifiedAt)}` : 'not certified'}
                {v.previous !== null ? ` · follows version ${v.previous}` : ''}
              </span>
            </div>
            {v.terms !== null && (
              <p className="version-terms" data-testid="version-terms">
                {priceCell(v.terms.priceWei)} · {v.terms.license === 'custom' ? 'Custom terms' : v.terms.license} · split{' '}
                {v.terms.split.map((p) => `${p.bps / 100}% ${shortAddress(p.address)}`).join(', ')}
              </p>
            )}
            <div className="root-line">
              <code className="mono-text root-full" data-testid="version-root">
                {v.contentRoot}
              </code>
              <CopyButton text={v.contentRoot} label={`Copy the fingerprint of version ${v.number}`} />
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
