/**
 * An asset's public page (issue 16): what its registration and public description say, its
 * license in plain words, price, approval and access period, the split's payees, versions, and
 * its public record. Opened from Discover or a link (route `public`).
 */
import { call } from '../../api/client';
import { CopyButton } from '../../components/CopyButton';
import { Icon } from '../../components/Icon';
import { useQuery } from '../../hooks/useQuery';
import { formatBytes, plural } from '../../lib/format';
import { hrefFor } from '../../state/router';
import { priceCell } from '../asset/Lifecycle';
import { PublicRecordView, durationWords } from './PublicRecord';
import { RequestAccessButton } from '../buyer/RequestAccess';
import './discover.css';

export function PublicPage({ chainId, registry, tokenId }: { chainId: number; registry: string; tokenId: string }) {
  const q = useQuery(`${chainId}/${registry}/${tokenId}`, () => call('discover.asset', { chainId, registry, tokenId }));
  const a = q.data;
  return (
    <div className="public-page">
      <p>
        <a className="back-link" href={hrefFor({ name: 'discover' })}>
          <Icon name="back" size={16} />
          Discover
        </a>
      </p>
      {q.error !== null && (
        <div className="panel panel-error" role="alert">
          <Icon name="alert" />
          <div>
            <strong>This asset could not be opened.</strong>
            <p>{q.error.message}</p>
          </div>
          <button type="button" className="button" onClick={q.reload}>Try again</button>
        </div>
      )}
      {a === null && q.error === null && <div className="panel panel-muted" role="status">Reading the asset from the chain…</div>}
      {a !== null && (
        <>
          <div className="page-head">
            <div>
              <h1 data-testid="public-name">
                {a.name ?? `Asset ${a.tokenId}`}
                {a.mine && <span className="badge discover-mine">Yours</span>}
              </h1>
              <p className="page-sub">
                {a.kind === null ? 'Registered asset' : a.kind === 'model' ? 'Model' : a.kind === 'dataset' ? 'Dataset' : 'Asset'}
                {a.version !== null ? `, version ${a.version}` : ''}
                {a.fileCount !== null && a.size !== null ? `, ${plural(a.fileCount, 'file')}, ${formatBytes(a.size)}` : ''}
              </p>
            </div>
            <div className="page-actions">
              <RequestAccessButton chainId={a.chainId} registry={a.registry} tokenId={a.tokenId} />
            </div>
          </div>
          {a.note !== null && <div className="panel panel-muted" role="status">{a.note}</div>}
          <section className="panel" aria-labelledby="public-about">
            <h2 id="public-about">About</h2>
            <p data-testid="public-description">{a.description !== null && a.description !== '' ? a.description : 'Its owner gave no public description.'}</p>
            {a.contributors.length > 0 && (
              <>
                <h3>Contributors</h3>
                <ul className="public-list" data-testid="public-contributors">
                  {a.contributors.map((c) => (
                    <li key={`${c.name}/${c.orcid ?? ''}`}>
                      {c.name}
                      {c.role === 'author' ? ' (author)' : ''}
                      {c.orcid !== null && (
                        <>
                          {' · ORCID '}
                          <a href={`https://orcid.org/${c.orcid}`} target="_blank" rel="noreferrer">{c.orcid}</a>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </>
            )}
            {a.contact !== null && <p>Contact: {a.contact}</p>}
          </section>
          <section className="panel" aria-labelledby="public-terms">
            <h2 id="public-terms">Terms</h2>
            <dl className="public-facts">
              <div>
                <dt>License</dt>
                <dd data-testid="public-license">
                  {a.license ?? 'Unknown'}
                  {a.licenseUrl !== null && (
                    <>
                      {' · '}
                      <a href={a.licenseUrl} target="_blank" rel="noreferrer">its text</a>
                    </>
                  )}
                </dd>
              </div>
              <div>
                <dt>Price</dt>
                <dd data-testid="public-price">{a.forSale ? priceCell(a.priceWei) : 'Not for sale now'}</dd>
              </div>
              <div>
                <dt>Approval</dt>
                <dd>
                  {/* The mode its current owner stated, signed by that wallet (not on chain: see src/discover/approval-statement.ts). */}
                  <span data-testid="public-approval" title={a.approval === null ? 'The owner has not said whether requests are approved automatically.' : 'As the owner stated it, signed by their wallet.'}>
                    {a.approval === 'auto' ? 'Automatic when the price is paid' : a.approval === 'manual' ? 'The owner decides' : 'Not stated'}
                  </span>
                  {a.answerDays !== null && <span className="muted">. Without an answer within {durationWords(a.answerDays * 86400)}, you can cancel and get your money back.</span>}
                </dd>
              </div>
              <div>
                <dt>Access period</dt>
                <dd>{a.accessDays === null ? 'Unknown' : a.accessDays === 0 ? 'No end' : `${plural(a.accessDays, 'day')} from approval`}</dd>
              </div>
            </dl>
            <p className="public-words">{a.licenseWords}</p>
            {a.split.length > 0 && (
              <>
                <h3>Who is paid</h3>
                <ul className="public-list" data-testid="public-split">
                  {a.split.map((s) => (
                    <li key={s.address}>
                      <code className="hash">{s.address}</code> {s.percent}%
                    </li>
                  ))}
                </ul>
              </>
            )}
            {/* Who must agree before these terms change (the registry's consent rule, issue 17). */}
            {a.consentRule !== null && (
              <p className="public-words" data-testid="public-consent">
                {a.consentRule}
              </p>
            )}
          </section>
          <PublicRecordView record={a.record} />
          <section className="panel" aria-labelledby="public-reg">
            <h2 id="public-reg">Registration</h2>
            <dl className="public-facts">
              <div>
                <dt>Owner</dt>
                <dd><code className="hash">{a.owner}</code></dd>
              </div>
              <div>
                <dt>Registered</dt>
                <dd>{new Date(a.registeredAt).toLocaleString('en-US')}</dd>
              </div>
              <div>
                <dt>Content root</dt>
                <dd className="public-root">
                  <code className="hash">{a.contentRoot}</code>
                  <CopyButton text={a.contentRoot} label="Copy the content root" />
                </dd>
              </div>
            </dl>
            {a.versions.length > 1 && (
              <>
                <h3>Versions</h3>
                <ul className="public-list">
                  {a.versions.map((v) => (
                    <li key={v.tokenId}>
                      {v.current ? (
                        <span>{v.version === null ? `Asset ${v.tokenId}` : `Version ${v.version}`} (this page)</span>
                      ) : (
                        <a href={hrefFor({ name: 'public', chainId: a.chainId, registry: a.registry, tokenId: v.tokenId })}>{v.version === null ? `Asset ${v.tokenId}` : `Version ${v.version}`}</a>
                      )}
                    </li>
                  ))}
                </ul>
              </>
            )}
            {a.citation !== null && (
              <p>
                <CopyButton text={a.citation} label="Copy its CITATION.cff" />
              </p>
            )}
          </section>
        </>
      )}
    </div>
  );
}
