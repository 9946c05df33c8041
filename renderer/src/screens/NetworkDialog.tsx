/**
 * Settings of the testnet or mainnet profile (network.set): RPC URL, chain id, registry, storage.
 * Saving checks them against the chain (the backend refuses an RPC that does not answer, another
 * chain id, or an address without an AtivoRegistry, with a sentence shown here); a chain without
 * a registry gets the offer to deploy one (DeployRegistryStep).
 */
import { useEffect, useId, useState } from 'react';
import type { SyntheticEvent } from 'react';
import { call } from '../api/client';
import type { NetworkName, NetworkProfile } from '../api/client';
import { FormError } from '../components/FormError';
import { Modal } from '../components/Modal';
import { useAction } from '../hooks/useAction';
import { NETWORK_TITLE } from '../lib/wallet';
import { notify } from '../state/store';
import { DeployRegistryStep } from './DeployRegistryStep';

type Field = 'rpcUrl' | 'chainId' | 'registry' | 'storageUrl';
type Values = Record<Field, string>;

const HTTP_URL = /^https?:\/\/\S+$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function validate(v: Values): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {};
  const url = (s: string): boolean => HTTP_URL.test(s) && URL.canParse(s);
  if (v.rpcUrl === '') errors.rpcUrl = 'Enter the RPC URL of the chain.';
  else if (!url(v.rpcUrl)) errors.rpcUrl = 'Enter an http:// or https:// URL.';
  if (v.chainId === '') errors.chainId = 'Enter the chain id.';
  else if (!/^\d+$/.test(v.chainId) || Number(v.chainId) < 1 || !Number.isSafeInteger(Number(v.chainId))) errors.chainId = 'The chain id is a positive whole number.';
  if (v.registry !== '' && !ADDRESS.test(v.registry)) errors.registry = 'An address is 0x followed by 40 hexadecimal characters.';
  if (v.storageUrl === '') errors.storageUrl = 'Enter the storage node URL.';
  else if (!url(v.storageUrl)) errors.storageUrl = 'Enter an http:// or https:// URL.';
  return errors;
}

function TextField({
  field,
  label,
  hint,
  value,
  error,
  onChange,
  mono = false,
  inputMode,
  placeholder,
}: {
  field: Field;
  label: string;
  hint: string;
  value: string;
  error: string | undefined;
  onChange: (f: Field, v: string) => void;
  mono?: boolean;
  inputMode?: 'url' | 'numeric' | 'text';
  placeholder?: string;
}) {
  const id = useId();
  const hintId = useId();
  const errorId = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={field}
        className={`input${mono ? ' input-mono' : ''}`}
        type="text"
        inputMode={inputMode}
        value={value}
        autoComplete="off"
        spellCheck={false}
        placeholder={placeholder}
        aria-invalid={error !== undefined}
        aria-describedby={error !== undefined ? `${errorId} ${hintId}` : hintId}
        onChange={(e) => { onChange(field, e.target.value); }}
      />
      {error !== undefined && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
      <p id={hintId} className="hint">
        {hint}
      </p>
    </div>
  );
}

export function ConfigureNetworkDialog({
  name,
  profile,
  onClose,
  onDone,
}: {
  name: Exclude<NetworkName, 'sandbox'>;
  profile: NetworkProfile | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const [values, setValues] = useState<Values>({
    rpcUrl: profile?.rpcUrl ?? '',
    chainId: profile?.chainId !== null && profile?.chainId !== undefined ? String(profile.chainId) : '',
    registry: profile?.registry ?? '',
    storageUrl: profile?.storageUrl ?? '',
  });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  // Saved without a registry (none on that chain yet): the dialog offers to deploy one.
  const [deploy, setDeploy] = useState(false);
  const { busy, error: formError, setError: setFormError, run } = useAction();
  const formId = useId();
  const formErrorId = useId();
  const title = NETWORK_TITLE[name];
  // On a small window the refusal is below the fields: bring it into view.
  useEffect(() => {
    if (formError !== null) document.getElementById(formErrorId)?.scrollIntoView({ block: 'nearest' });
  }, [formError, formErrorId]);

  const change = (f: Field, v: string): void => {
    setValues((old) => ({ ...old, [f]: v }));
    if (errors[f] !== undefined) setErrors((old) => ({ ...old, [f]: undefined }));
  };

  const submit = async (e: SyntheticEvent<HTMLFormElement, SubmitEvent>): Promise<void> => {
    e.preventDefault();
    const v: Values = { rpcUrl: values.rpcUrl.trim(), chainId: values.chainId.trim(), registry: values.registry.trim(), storageUrl: values.storageUrl.trim() };
    const found = validate(v);
    setErrors(found);
    setFormError(null);
    const first = (Object.keys(found) as Field[])[0];
    if (first !== undefined) {
      e.currentTarget.querySelector<HTMLInputElement>(`input[name="${first}"]`)?.focus();
      return;
    }
    await run(async () => {
      const saved = await call('network.set', { name, rpcUrl: v.rpcUrl, chainId: Number(v.chainId), ...(v.registry !== '' ? { registry: v.registry } : {}), storageUrl: v.storageUrl });
      onDone();
      if (saved.registry === null) {
        setDeploy(true);
        return;
      }
      notify('success', `${title} settings saved.${saved.missing.length === 0 ? ` Choose ${title} to work on it.` : ''}`);
      onClose();
    });
  };

  if (deploy) return <DeployRegistryStep name={name} onClose={onClose} onDone={onDone} />;

  return (
    <Modal
      title={`${title} settings`}
      description={
        <p>
          {name === 'testnet'
            ? 'Ativo certifies on an EVM test chain you choose and stores files on Irys devnet.'
            : 'Ativo certifies on the EVM chain you choose and stores files on Irys mainnet. Transactions cost real money.'}{' '}
          Saving checks that the chain answers with this chain id. The registry is the AtivoRegistry contract on that chain: leave it empty to deploy one.
        </p>
      }
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={busy}>
            {busy ? 'Checking…' : 'Save'}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          field="rpcUrl"
          label="RPC URL"
          hint="The JSON-RPC endpoint of the chain, from your node or provider."
          value={values.rpcUrl}
          error={errors.rpcUrl}
          onChange={change}
          mono
          inputMode="url"
          placeholder="https://…"
        />
        <div className="field-row">
          <TextField
            field="chainId"
            label="Chain id"
            hint={name === 'testnet' ? 'For example 84532 (Base Sepolia).' : 'For example 8453 (Base).'}
            value={values.chainId}
            error={errors.chainId}
            onChange={change}
            inputMode="numeric"
          />
          <TextField
            field="registry"
            label="Registry address (optional)"
            hint="Leave it empty to deploy one."
            value={values.registry}
            error={errors.registry}
            onChange={change}
            mono
            placeholder="0x…"
          />
        </div>
        <TextField
          field="storageUrl"
          label="Storage node URL"
          hint={name === 'testnet' ? 'Irys devnet unless you run your own node.' : 'Irys mainnet unless you run your own node.'}
          value={values.storageUrl}
          error={errors.storageUrl}
          onChange={change}
          mono
          inputMode="url"
        />
        {formError !== null && <FormError id={formErrorId}>{formError}</FormError>}
      </form>
    </Modal>
  );
}
