/**
 * "Deploy a registry" (issue 15): a testnet or mainnet chain that answers but has no AtivoRegistry
 * yet gets one from the wallet in use. The fee comes first, with what the wallet holds; the
 * button is the confirmation. The backend saves the signed transaction before sending it, so a
 * crash never deploys twice; the address lands in the network's settings.
 */
import { useId } from 'react';
import { call } from '../api/client';
import { FormError } from '../components/FormError';
import { Icon } from '../components/Icon';
import { Modal } from '../components/Modal';
import { useAction } from '../hooks/useAction';
import { useQuery } from '../hooks/useQuery';
import { NETWORK_TITLE } from '../lib/wallet';
import { notify } from '../state/store';
import { formatEth } from './earnings/money';

const STEP = 10n ** 12n;
/** A fee "up to": rounded up to the 6 decimals shown, never down. */
const upTo = (wei: string): string => {
  const v = BigInt(wei);
  return formatEth(v % STEP === 0n ? v : (v / STEP + 1n) * STEP);
};

export function DeployRegistryStep({ name, onClose, onDone }: { name: 'testnet' | 'mainnet'; onClose: () => void; onDone: () => void }) {
  const title = NETWORK_TITLE[name];
  const quote = useQuery(`registry-quote:${name}`, () => call('network.registryQuote', { name }));
  const { busy, error, run } = useAction();
  const errorId = useId();
  const q = quote.data;
  const canDeploy = q !== null && (q.enough || q.pending !== null) && !busy;

  const deploy = async (): Promise<void> => {
    if (q === null || !canDeploy) return;
    await run(async () => {
      const r = await call('network.deployRegistry', { name, maxFeeWei: q.feeWei });
      notify('success', `A registry was deployed on ${title} at ${r.address} and saved in its settings. Choose ${title} to work on it.`);
      onDone();
      onClose();
    });
  };

  return (
    <Modal
      title={`Deploy a registry on ${title}`}
      description={<p>The {title.toLowerCase()} settings were saved. This chain answers, but it has no AtivoRegistry yet: the contract Ativo certifies assets with. Ativo can deploy one for you.</p>}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Not now
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={!canDeploy}
            aria-describedby={error !== null ? errorId : undefined}
            onClick={() => void deploy()}
            data-testid="deploy-registry"
          >
            {busy ? 'Deploying… waiting for the chain' : q !== null && q.pending !== null ? 'Finish the deployment' : q !== null ? `Deploy for up to ${upTo(q.feeWei)}` : 'Deploy'}
          </button>
        </>
      }
    >
      {quote.error !== null ? (
        <FormError>{quote.error.message}</FormError>
      ) : q === null ? (
        <p className="muted" role="status">
          Asking the chain for the fee…
        </p>
      ) : (
        <>
          <dl className="facts deploy-facts">
            <div className="fact fact-span2">
              <dt>Paid by the wallet in use</dt>
              <dd className="mono-text">{q.from}</dd>
            </div>
            <div className="fact">
              <dt>Network fee</dt>
              <dd data-testid="deploy-fee">Up to {upTo(q.feeWei)}</dd>
            </div>
            <div className="fact">
              <dt>The wallet has</dt>
              <dd>{formatEth(q.balanceWei)}</dd>
            </div>
          </dl>
          {q.pending !== null ? (
            <p className="hint" role="status">
              <Icon name="info" size={15} /> A deployment sent earlier is not confirmed yet. Finishing it sends nothing new.
            </p>
          ) : !q.enough ? (
            <p className="form-error" role="status">
              <Icon name="alert" size={16} /> The wallet in use cannot pay this fee: add at least {upTo((BigInt(q.feeWei) - BigInt(q.balanceWei)).toString())} to it on {title}, then open these settings again.
            </p>
          ) : (
            <p className="hint">The registry&apos;s address is saved in the {title.toLowerCase()} settings. Nothing else is sent from the wallet.</p>
          )}
        </>
      )}
      {error !== null && <FormError id={errorId}>{error}</FormError>}
    </Modal>
  );
}
