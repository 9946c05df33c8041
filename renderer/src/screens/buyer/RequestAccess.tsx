/**
 * "Request access" (issue 16): a button for an asset named by its registration. It loads the
 * offer by token (price, license, access period, owner, from the chain), and its dialog says in
 * plain words what happens to the payment before the buyer confirms. The terms and price sent
 * are the ones the dialog showed, never re-read just before sending: a change meanwhile is
 * refused and nothing is paid.
 */
import { useId, useState } from 'react';
import type { SyntheticEvent } from 'react';
import { call } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { FormError } from '../../components/FormError';
import { Modal } from '../../components/Modal';
import { useAction } from '../../hooks/useAction';
import { useQuery } from '../../hooks/useQuery';
import { notify } from '../../state/store';
import { formatEth } from '../earnings/money';
import './buyer.css';

type Offer = CommandOutput<'buyer.offer'>;

const days = (n: number): string => `${n} ${n === 1 ? 'day' : 'days'}`;

/** The offer in plain words: the lines the dialog and the asset's page show. */
export function OfferTerms({ offer }: { offer: Offer }) {
  const free = offer.priceWei === '0';
  return (
    <dl className="buyer-terms" data-testid="offer-terms">
      <dt>Price</dt>
      <dd data-testid="offer-price">{free ? 'Free' : formatEth(offer.priceWei)}</dd>
      <dt>License</dt>
      <dd data-testid="offer-license">{offer.licenseText ?? 'Not known here: ask the owner for the asset’s certificate, which holds the license text.'}</dd>
      <dt>Access</dt>
      <dd>{offer.accessDays === 0 ? 'For good: downloads keep working.' : `For ${days(offer.accessDays)} from the approval; files you downloaded stay yours.`}</dd>
      <dt>Owner</dt>
      <dd>
        <code className="buyer-code">{offer.owner}</code>
      </dd>
    </dl>
  );
}

function RequestDialog({ offer, onClose }: { offer: Offer; onClose: () => void }) {
  const [message, setMessage] = useState('');
  const action = useAction();
  const formId = useId();
  const messageId = useId();
  const errorId = useId();
  const free = offer.priceWei === '0';

  const submit = (e: SyntheticEvent<HTMLFormElement, SubmitEvent>): void => {
    e.preventDefault();
    void action.run(async () => {
      const r = await call('access.request', { tokenId: offer.tokenId, termsHash: offer.termsHash, priceWei: offer.priceWei, message: message.trim() });
      notify('success', `Request #${r.requestId} sent${free ? '' : `: ${formatEth(r.amountWei)} is held by the registry until the owner decides`}.`, '#/my-access');
      onClose();
      window.location.hash = '#/my-access';
    });
  };

  return (
    <Modal
      title={`Request access${offer.name !== null ? ` to ${offer.name}` : ` to asset #${offer.tokenId}`}`}
      description="Read what you are asking for, and what happens to your payment."
      onClose={onClose}
      size="lg"
      initialFocus="textarea"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={action.busy} data-testid="request-confirm">
            {action.busy ? 'Sending…' : free ? 'Request access' : `Pay ${formatEth(offer.priceWei)} and request`}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit}>
        <OfferTerms offer={offer} />
        <div className="buyer-rules" data-testid="escrow-rules">
          <h3>What happens to your payment</h3>
          <ul>
            <li>{free ? 'This asset is free: nothing is paid.' : `${formatEth(offer.priceWei)} (plus a small network fee) leaves your wallet now and is held by the registry, not by the owner.`}</li>
            <li>The owner decides. If they approve, the payment goes to the people the asset names, and you can download the files from My access.</li>
            <li>If they deny, the payment comes back to you, to withdraw from My access.</li>
            <li>If they have not answered within {days(offer.timeoutDays)}, you can cancel and get your money back.</li>
          </ul>
        </div>
        <div className="field">
          <label htmlFor={messageId}>
            Message to the owner <span className="muted">(optional)</span>
          </label>
          <textarea
            id={messageId}
            className="input"
            rows={3}
            maxLength={1024}
            value={message}
            placeholder="Who you are and what you will use it for"
            onChange={(e) => {
              setMessage(e.target.value);
            }}
            data-testid="request-message"
          />
          <p className="hint">The message is stored on the chain with your request: anyone can read it.</p>
        </div>
        {action.error !== null && <FormError id={errorId}>{action.error}</FormError>}
      </form>
    </Modal>
  );
}

/** The button an asset's public page shows; it says so when the wallet in use owns the asset or it is not for sale. */
export function RequestAccessButton(props: { chainId: number; registry: string; tokenId: string }) {
  const [open, setOpen] = useState(false);
  const key = `${props.chainId}/${props.registry}/${props.tokenId}`;
  const offer = useQuery(key, () => call('buyer.offer', props));
  if (offer.error !== null) return <FormError>{offer.error.message}</FormError>;
  if (offer.data === null) return <p className="muted">Loading the terms…</p>;
  const o = offer.data;
  if (o.isOwner) {
    return (
      <p className="buyer-note" data-testid="request-owner">
        You own this asset with the wallet in use, so you have its files already: there is nothing to request.
      </p>
    );
  }
  if (!o.forSale) {
    return (
      <p className="buyer-note" data-testid="request-off-sale">
        The owner has taken this asset off sale: requests are not accepted now.
      </p>
    );
  }
  return (
    <>
      <button
        type="button"
        className="button button-primary"
        data-testid="request-access"
        onClick={() => {
          setOpen(true);
        }}
      >
        Request access
      </button>
      {open && (
        <RequestDialog
          offer={o}
          onClose={() => {
            setOpen(false);
          }}
        />
      )}
    </>
  );
}
