/**
 * Publish an asset: visibility, license, price per access, approval, the revenue split (must
 * add up to 100%), and what it will cost (storage quote, chain fee, storage balance) before
 * confirming. The publication itself runs in the background (see Activity).
 */
import { useId, useState } from 'react';
import type { SyntheticEvent } from 'react';
import { call } from '../api/client';
import type { AssetDetail, CommandOutput } from '../api/client';
import type { CommandInput } from '../../../src/api/bridge';
import { CustomTermsField, customTermsError } from '../components/CustomTermsField';
import { FormError } from '../components/FormError';
import { Icon } from '../components/Icon';
import { Modal } from '../components/Modal';
import { ADDRESS, SplitEditor, splitErrors, splitRow, splitTotalOk, type SplitRow } from '../components/SplitEditor';
import { useAction } from '../hooks/useAction';
import { useQuery } from '../hooks/useQuery';
import { NETWORK_TITLE } from '../lib/wallet';
import { weiToEth } from '../lib/format';
import { loadJobs, notify } from '../state/store';
import { PublishCosts, useFundingChoice } from './publish/PublishCosts';
import { ConsentField, consentValue, type ConsentChoice } from './publish/ConsentField';
import { CreateWalletDialog, ImportWalletDialog } from './WalletDialogs';

type Defaults = CommandOutput<'assets.publishDefaults'>;
type LicenseId = CommandInput<'assets.publish'>['license'];

const ETH = /^\d{1,9}(\.\d{1,18})?$/;

type Row = SplitRow;

function initialRows(d: Defaults): Row[] {
  // A new version starts from the split its previous version was certified with.
  if (d.previous !== null && d.previous.split.length > 0) {
    return d.previous.split.map((s) => splitRow(s.address, String(s.bps / 100), d.owner !== null && s.address.toLowerCase() === d.owner.toLowerCase() ? 'You (owner)' : null));
  }
  const rows: Row[] = [];
  const withAddress = d.contributors.filter((c) => c.address !== null && ADDRESS.test(c.address));
  let rest = 100;
  for (const c of withAddress) {
    const p = c.percent ?? 0;
    rest -= p;
    rows.push(splitRow(c.address ?? '', p > 0 ? String(p) : '', c.name));
  }
  if (d.owner !== null && !withAddress.some((c) => c.address?.toLowerCase() === d.owner?.toLowerCase())) {
    rows.unshift(splitRow(d.owner, rest > 0 ? String(Math.round(rest * 100) / 100) : '', 'You (owner)'));
  }
  if (rows.length === 0) rows.push(splitRow('', '100'));
  return rows;
}

/** What changed since the version before: the files added, changed and removed. */
function Changes({ since, changes }: { since: number; changes: NonNullable<Defaults['changes']> }) {
  const groups = [
    { label: 'Added', items: changes.added },
    { label: 'Changed', items: changes.changed },
    { label: 'Removed', items: changes.removed },
  ].filter((g) => g.items.length > 0);
  return (
    <section className="publish-changes" aria-label={`Changes since version ${since}`} data-testid="publish-changes">
      <p className="field-label">Changes since version {since}</p>
      {groups.length === 0 ? (
        <p className="hint">No file changed since version {since}: there is nothing new to publish.</p>
      ) : (
        <ul className="publish-changes-list">
          {groups.map((g) => (
            <li key={g.label}>
              <strong>
                {g.label} ({g.items.length.toLocaleString('en-US')}):
              </strong>{' '}
              {g.items.slice(0, 8).join(', ')}
              {g.items.length > 8 ? `, and ${(g.items.length - 8).toLocaleString('en-US')} more` : ''}
            </li>
          ))}
        </ul>
      )}
      <p className="hint">The terms below are those of version {since}; change any of them for this version.</p>
    </section>
  );
}

function PublishForm({ asset, defaults, onClose, onReload }: { asset: AssetDetail; defaults: Defaults; onClose: () => void; onReload: () => void }) {
  // A new version starts from the previous version's terms (nothing changes by omission).
  const prev = defaults.previous;
  const [visibility, setVisibility] = useState<'public' | 'private'>(prev?.visibility ?? 'public');
  const [license, setLicense] = useState<string>(prev?.license ?? defaults.licenses[0]?.id ?? 'custom');
  const [terms, setTerms] = useState(prev?.customTerms ?? '');
  const [price, setPrice] = useState(prev !== null ? weiToEth(prev.priceWei) : '0');
  const [approval, setApproval] = useState<'manual' | 'auto'>(prev?.approval ?? 'manual');
  const [accessDays, setAccessDays] = useState(String(prev?.accessDays ?? 0));
  const [confirmPublic, setConfirmPublic] = useState(false);
  // Chosen at the first publication only: a new version keeps its rule (issue 17).
  const [consent, setConsent] = useState<ConsentChoice>({ kind: 'owner' });
  const consentPicked = prev === null ? consentValue(consent) : null;
  const goingPublic = prev?.visibility === 'private' && visibility === 'public';
  const [rows, setRows] = useState<Row[]>(() => initialRows(defaults));
  const [tried, setTried] = useState(false);
  const { busy, error, setError, run } = useAction();
  const [walletDialog, setWalletDialog] = useState<'create' | 'import' | null>(null);
  const money = useFundingChoice(asset.id, visibility, defaults.owner, defaults.network);
  // A wallet made here (the wallet step inside this dialog): the form stays as filled, and an
  // empty first payee becomes the new owner.
  const onWallet = (w: { address: string }): void => {
    setRows((rs) => {
      const first = rs[0];
      if (rs.some((r) => r.address.trim().toLowerCase() === w.address.toLowerCase()) || first === undefined || first.address.trim() !== '') return rs;
      return [{ ...first, address: w.address, label: 'You (owner)' }, ...rs.slice(1)];
    });
    onReload();
  };
  const ids = {
    form: useId(),
    license: useId(),
    licenseHint: useId(),
    price: useId(),
    priceHint: useId(),
    priceError: useId(),
    access: useId(),
    accessHint: useId(),
    accessError: useId(),
    total: useId(),
    error: useId(),
    split: useId(),
    publicError: useId(),
    blocked: useId(),
  };

  const totalOk = splitTotalOk(rows);
  const errs = splitErrors(rows);
  const priceError = ETH.test(price.trim()) ? null : 'Enter an amount of ETH like 0.01 (0 for free).';
  const accessError = /^\d{1,5}$/.test(accessDays.trim()) && Number(accessDays.trim()) <= 36_500 ? null : 'Enter a whole number of days, 0 for perpetual access (at most 36500).';
  const termsError = customTermsError(license, terms);
  const publicError = goingPublic && !confirmPublic ? 'Confirm that every file of this version becomes readable by anyone.' : null;
  const valid = totalOk && Object.keys(errs).length === 0 && priceError === null && accessError === null && termsError === null && publicError === null && (consentPicked === null || 'value' in consentPicked) && defaults.owner !== null;
  const selectedTerms = defaults.licenses.find((l) => l.id === license)?.terms ?? null;
  const suggestions = defaults.contributors.filter((c) => c.address === null || !ADDRESS.test(c.address));

  const submit = async (e: SyntheticEvent<HTMLFormElement>): Promise<void> => {
    e.preventDefault();
    setTried(true);
    setError(null);
    if (!valid) return;
    await run(async () => {
      const r = await call('assets.publish', {
        id: asset.id,
        visibility,
        ...(goingPublic ? { confirmPublic: true } : {}),
        license: license as LicenseId,
        ...(license === 'custom' ? { customTerms: terms.trim() } : {}),
        priceEth: price.trim(),
        approval,
        accessDays: Number(accessDays.trim()),
        split: rows.map((row) => ({ address: row.address.trim(), percent: Number(row.percent) })),
        ...(money.fundStorage !== undefined ? { fundStorage: money.fundStorage } : {}),
        ...(consentPicked !== null && 'value' in consentPicked && consentPicked.value !== 'owner' ? { consent: consentPicked.value } : {}),
      });
      money.reload();
      if (r.storageFunded !== undefined && BigInt(r.storageFunded) > 0n) notify('success', `Added ${weiToEth(r.storageFunded)} ETH to your storage balance for “${asset.name}”.`);
      if (r.alreadyCertified !== null) notify('info', `“${asset.name}” is already certified as version ${r.alreadyCertified.version}: change its files to publish a new version.`);
      else notify('info', `Publishing “${asset.name}” on ${NETWORK_TITLE[r.network]}: follow it in Activity.`);
      loadJobs();
      onClose();
    });
  };

  return (
    <Modal
      title={prev !== null ? `Publish version ${prev.version + 1} of “${asset.name}”` : `Publish “${asset.name}”`}
      description="Certify this asset on chain with its license, price and revenue split. Files are stored first; everything then runs in the background."
      onClose={onClose}
      size="lg"
      footer={
        <>
          {!totalOk && (
            <span className="hint publish-foot-hint" aria-hidden="true">
              The split must add up to 100%.
            </span>
          )}
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          {money.blocked !== null && (
            <span className="hint publish-foot-hint" id={ids.blocked} data-testid="publish-blocked">
              {money.blocked}
            </span>
          )}
          <button
            type="submit"
            form={ids.form}
            className="button button-primary"
            disabled={busy || !totalOk || defaults.owner === null || money.blocked !== null}
            aria-describedby={money.blocked !== null ? `${ids.total} ${ids.blocked}` : ids.total}
          >
            {busy ? 'Publishing…' : 'Publish'}
          </button>
        </>
      }
    >
      <form id={ids.form} className="publish-form" noValidate onSubmit={(e) => void submit(e)}>
        {defaults.owner === null && (
          <div className="callout callout-error" role="alert">
            <Icon name="alert" />
            <div>
              <strong>No wallet yet.</strong>
              <p>The wallet owns what you certify and receives its payments. Make one here: what you filled in below stays.</p>
              <div className="publish-wallet-actions">
                <button type="button" className="button button-sm button-primary" onClick={() => { setWalletDialog('create'); }}>
                  Create a wallet
                </button>
                <button type="button" className="button button-sm" onClick={() => { setWalletDialog('import'); }}>
                  Import a wallet
                </button>
              </div>
            </div>
          </div>
        )}


        {prev !== null && prev.version > 0 && defaults.changes !== null && <Changes since={prev.version} changes={defaults.changes} />}

        <fieldset className="segmented">
          <legend className="field-label">Visibility</legend>
          <div className="segmented-options">
            <label className={`segment${visibility === 'public' ? ' is-selected' : ''}`}>
              <input type="radio" name="visibility" value="public" checked={visibility === 'public'} onChange={() => { setVisibility('public'); }} />
              Public
            </label>
            <label className={`segment${visibility === 'private' ? ' is-selected' : ''}`}>
              <input type="radio" name="visibility" value="private" checked={visibility === 'private'} onChange={() => { setVisibility('private'); }} />
              Private — encrypted
            </label>
          </div>
          <p className="hint">
            {visibility === 'public'
              ? 'Anyone can download the files; buyers pay for the license.'
              : 'Files are encrypted before upload; only buyers you grant access can decrypt them.'}
          </p>
          {goingPublic && (
            <div className="callout callout-warn" data-testid="confirm-public">
              <label className="checkbox">
                <input type="checkbox" checked={confirmPublic} aria-describedby={ids.publicError} onChange={(e) => { setConfirmPublic(e.target.checked); }} />
                {prev.lastAttempt ? 'Its last publication, which did not finish, was private.' : `Version ${prev.version} was private.`} Make every file of this version readable by anyone, for good.
              </label>
              {tried && publicError !== null && (
                <p className="field-error" id={ids.publicError}>
                  {publicError}
                </p>
              )}
            </div>
          )}
        </fieldset>

        <div className="field">
          <label htmlFor={ids.license}>License</label>
          <select
            id={ids.license}
            className="input"
            value={license}
            aria-describedby={ids.licenseHint}
            onChange={(e) => {
              setLicense(e.target.value);
            }}
          >
            {defaults.licenses.map((l) => (
              <option key={l.id} value={l.id}>
                {l.id}
              </option>
            ))}
            <option value="custom">Custom</option>
          </select>
          <p id={ids.licenseHint} className="hint">
            {license === 'custom' ? 'Your own terms, written below: they are hashed into the certificate.' : selectedTerms}
          </p>
        </div>
        {license === 'custom' && (
          <CustomTermsField value={terms} onChange={setTerms} error={termsError} tried={tried} />
        )}

        <div className="publish-two">
          <div className="field">
            <label htmlFor={ids.price}>Price per access (ETH)</label>
            <input
              id={ids.price}
              className="input"
              type="text"
              inputMode="decimal"
              autoComplete="off"
              value={price}
              aria-invalid={priceError !== null}
              aria-describedby={`${ids.priceHint}${priceError !== null ? ` ${ids.priceError}` : ''}`}
              onChange={(e) => {
                setPrice(e.target.value);
              }}
            />
            <p id={ids.priceHint} className="hint">
              0 makes access free.
            </p>
            {priceError !== null && (
              <p id={ids.priceError} className="field-error">
                {priceError}
              </p>
            )}
          </div>
          <fieldset className="segmented">
            <legend className="field-label">Access requests</legend>
            <div className="segmented-options">
              <label className={`segment${approval === 'manual' ? ' is-selected' : ''}`}>
                <input type="radio" name="approval" value="manual" checked={approval === 'manual'} onChange={() => { setApproval('manual'); }} />
                Approve manually
              </label>
              <label className={`segment${approval === 'auto' ? ' is-selected' : ''}`}>
                <input type="radio" name="approval" value="auto" checked={approval === 'auto'} onChange={() => { setApproval('auto'); }} />
                Automatic
              </label>
            </div>
          </fieldset>
        </div>

        <div className="field">
          <label htmlFor={ids.access}>Access period (days)</label>
          <input
            id={ids.access}
            className="input"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            data-testid="access-days"
            value={accessDays}
            aria-invalid={accessError !== null}
            aria-describedby={`${ids.accessHint}${accessError !== null ? ` ${ids.accessError}` : ''}`}
            onChange={(e) => {
              setAccessDays(e.target.value);
            }}
          />
          <p id={ids.accessHint} className="hint">
            0 for perpetual access. Otherwise each approval lasts this many days: after that Ativo no longer downloads the files for the buyer, but it cannot take
            back what they already downloaded.
          </p>
          {accessError !== null && (
            <p id={ids.accessError} className="field-error">
              {accessError}
            </p>
          )}
        </div>

        <SplitEditor rows={rows} setRows={setRows} tried={tried} totalId={ids.total}>
          {suggestions.length > 0 && (
            <p className="hint">
              Also named in the folder, without an address:{' '}
              {suggestions.map((c) => `${c.name}${c.percent !== null ? ` (${c.percent}%)` : ''}`).join(', ')}. Add them with their address to pay them.
            </p>
          )}
        </SplitEditor>

        {prev === null && <ConsentField choice={consent} onChange={setConsent} showError={tried} />}

        <PublishCosts money={money} network={defaults.network} owner={defaults.owner} notes={defaults.notes} />

        {tried && !valid && totalOk && <FormError>Fix the highlighted fields, then publish.</FormError>}
        {error !== null && <FormError id={ids.error}>{error}</FormError>}
      </form>
      {/* The wallet step, over this dialog and outside its form (forms do not nest). */}
      {walletDialog === 'create' && <CreateWalletDialog onClose={() => { setWalletDialog(null); }} onDone={() => undefined} onCreated={onWallet} />}
      {walletDialog === 'import' && <ImportWalletDialog onClose={() => { setWalletDialog(null); }} onDone={() => undefined} onImported={onWallet} />}
    </Modal>
  );
}

export function PublishDialog({ asset, onClose }: { asset: AssetDetail; onClose: () => void }) {
  const q = useQuery(`defaults:${asset.id}`, () => call('assets.publishDefaults', { id: asset.id }));
  if (q.data === null) {
    return (
      <Modal title={`Publish “${asset.name}”`} onClose={onClose} size="sm">
        {q.error !== null ? (
          <FormError>Could not prepare the publication: {q.error.message}</FormError>
        ) : (
          <p role="status">Checking costs and defaults…</p>
        )}
      </Modal>
    );
  }
  return <PublishForm asset={asset} defaults={q.data} onClose={onClose} onReload={q.reload} />;
}
