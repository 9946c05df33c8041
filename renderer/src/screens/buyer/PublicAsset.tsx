/**
 * An asset opened by its registration (a link: `#/asset/<chainId>/<registry>/<tokenId>`, or
 * `ativo://asset/…` in the desktop app). A minimal page: the terms from the chain and Request
 * access. The full public page (metadata, public record) is Discover's; it hosts the same button.
 */
import { call } from '../../api/client';
import { CopyButton } from '../../components/CopyButton';
import { FormError } from '../../components/FormError';
import { useQuery } from '../../hooks/useQuery';
import { OfferTerms, RequestAccessButton } from './RequestAccess';
import './buyer.css';

export function PublicAssetScreen(props: { chainId: number; registry: string; tokenId: string }) {
  const offer = useQuery(`${props.chainId}/${props.registry}/${props.tokenId}`, () => call('buyer.offer', props));
  const link = `ativo://asset/${props.chainId}/${props.registry}/${props.tokenId}`;
  const o = offer.data;
  return (
    <div className="buyer-page">
      <div className="page-head">
        <div className="title-block">
          <h1>{o?.name ?? `Asset #${props.tokenId}`}</h1>
          <p className="page-sub">
            Registered on chain {props.chainId} as asset #{props.tokenId}. The terms below are read from the registry.
          </p>
        </div>
        <div className="page-actions">
          <CopyButton text={link} label="Copy link" />
        </div>
      </div>
      {offer.error !== null && <FormError>{offer.error.message}</FormError>}
      {o === null && offer.error === null && <p className="muted">Loading…</p>}
      {o !== null && (
        <section className="card" aria-labelledby="offer-title">
          <div className="card-head">
            <h2 id="offer-title">Terms</h2>
          </div>
          <OfferTerms offer={o} />
          <div className="card-actions">
            <RequestAccessButton chainId={props.chainId} registry={props.registry} tokenId={props.tokenId} />
            {o.assetId !== null && (
              <a className="button" href={`#/certificate/${o.assetId}`}>
                Certificate
              </a>
            )}
          </div>
        </section>
      )}
    </div>
  );
}
