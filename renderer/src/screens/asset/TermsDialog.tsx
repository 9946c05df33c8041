/** "Change terms": a new price and/or license for the published version (issue 14). */
import { useId, useState } from 'react';
import type { SyntheticEvent } from 'react';
import { call } from '../../api/client';
import type { CommandOutput } from '../../api/client';
import { CustomTermsField, customTermsError } from '../../components/CustomTermsField';
import { FormError } from '../../components/FormError';
import { Modal } from '../../components/Modal';
import { useAction } from '../../hooks/useAction';
import { notify } from '../../state/store';
import { weiToEth } from '../../lib/format';
import type { CommandInput } from '../../../../src/api/bridge';

type TermsState = CommandOutput<'assets.terms'>;

// The renderer may import only types from src/api, so the list is restated here, checked both ways against
// the contract's license enum (built from LICENSE_IDS in src/publish/licenses.ts): a change there fails the typecheck here.
type LicenseId = NonNullable<CommandInput<'assets.updateTerms'>['license']>;
const LICENSES = ['CC-BY-4.0', 'CC-BY-NC-4.0', 'CC0-1.0', 'ODC-By-1.0', 'OpenRAIL-M', 'custom'] as const satisfies readonly LicenseId[];
export type AllLicensesListed = Exclude<LicenseId, (typeof LICENSES)[number]> extends never ? true : never;
export const allLicensesListed: AllLicensesListed = true;
const ETH = /^\d{1,9}(\.\d{1,18})?$/;

export function TermsDialog({ assetId, name, terms, onClose, onQueued }: { assetId: number; name: string; terms: TermsState; onClose: () => void; onQueued: (jobId: number) => void }) {
  const oldPrice = weiToEth(terms.priceWei);
  const [price, setPrice] = useState(oldPrice);
  const [license, setLicense] = useState<LicenseId>((LICENSES as readonly string[]).includes(terms.license) ? (terms.license as LicenseId) : 'custom');
  const [custom, setCustom] = useState(terms.customTerms ?? '');
  const [tried, setTried] = useState(false);
  const { busy, error, setError, run } = useAction();
  const ids = { price: useId(), priceHint: useId(), priceError: useId(), license: useId() };

  const priceError = ETH.test(price.trim()) ? null : 'Enter an amount of ETH like 0.01 (0 for free).';
  const customError = customTermsError(license, custom);
  const samePrice = priceError === null && price.trim() === oldPrice;
  const sameLicense = license === terms.license && (license !== 'custom' || custom.trim() === (terms.customTerms ?? '').trim());
  const unchanged = samePrice && sameLicense;
  const newPrice = priceError === null ? price.trim() : oldPrice;

  const submit = async (e: SyntheticEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setTried(true);
    setError(null);
    if (priceError !== null || customError !== null) return;
    if (unchanged) {
      setError('These are the terms already on chain: change the price or the license first.');
      return;
    }
    await run(async () => {
      const r = await call('assets.updateTerms', {
        assetId,
        ...(samePrice ? {} : { priceEth: price.trim() }),
        ...(sameLicense ? {} : { license, ...(license === 'custom' ? { customTerms: custom.trim() } : {}) }),
      });
      notify('info', `Changing the terms of “${name}” on chain: its certificate is re-issued when the change is mined.`);
      onQueued(r.jobId);
      onClose();
    });
  };

  return (
    <Modal
      title={`Change the terms of “${name}”`}
      description={`Version ${terms.version ?? '?'} keeps its content and payees; its price and license change on chain, and its certificate is re-issued with the new terms.`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="terms-form" className="button button-primary" disabled={busy} data-testid="terms-submit">
            {busy ? 'Changing…' : 'Change terms'}
          </button>
        </>
      }
    >
      <form id="terms-form" className="form" noValidate onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor={ids.price}>Price per access (ETH)</label>
          <input
            id={ids.price}
            className="input"
            type="text"
            inputMode="decimal"
            autoComplete="off"
            data-testid="terms-price"
            value={price}
            aria-invalid={tried && priceError !== null}
            aria-describedby={`${ids.priceHint}${tried && priceError !== null ? ` ${ids.priceError}` : ''}`}
            onChange={(e) => {
              setPrice(e.target.value);
            }}
          />
          <p id={ids.priceHint} className="hint">
            Now {oldPrice === '0' ? 'free' : `${oldPrice} ETH`}. 0 makes access free.
          </p>
          {tried && priceError !== null && (
            <p id={ids.priceError} className="field-error">
              {priceError}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor={ids.license}>License</label>
          <select
            id={ids.license}
            className="input"
            value={license}
            onChange={(e) => {
              setLicense(e.target.value as LicenseId);
            }}
          >
            {LICENSES.map((l) => (
              <option key={l} value={l}>
                {l === 'custom' ? 'Custom' : l}
              </option>
            ))}
          </select>
        </div>
        {license === 'custom' && (
          <CustomTermsField value={custom} onChange={setCustom} error={customError} tried={tried} />
        )}
        <div className="terms-explain" data-testid="terms-explain">
          <p>
            <strong>Requests already waiting</strong> keep what they paid and the terms they were made under: you can still approve or deny them.
          </p>
          <p>
            <strong>A buyer who read the old terms</strong> and asks after this change is refused before paying anything. They see that the price
            {samePrice ? '' : ` changed from ${oldPrice} ETH to ${newPrice} ETH`}
            {samePrice ? ' or license changed' : sameLicense ? '' : ' and the license changed'} since they read it, and can ask again if they accept the new terms. A request already on its way when the change is mined is refused too, and costs its buyer only the network fee.
          </p>
          <p>
            <strong>The revenue split</strong> cannot change here: its payees were registered with this version. Publish a new version to change it.
          </p>
          {terms.accessDays > 0 && <p>The access period ({terms.accessDays === 1 ? '1 day' : `${terms.accessDays} days`} from each approval) stays as it is.</p>}
        </div>
        {error !== null && <FormError>{error}</FormError>}
      </form>
    </Modal>
  );
}
