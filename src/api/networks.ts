import type { Catalog } from '../catalog/db';
import type { NetworkName as NetworkNameValue, NetworkRecord } from '../catalog/networks';
import { AtivoError } from '../util/errors';
import type { NetworkProfile, NetworkState } from './contract';

/** Chain id of the embedded anvil chain. */
export const SANDBOX_CHAIN_ID = 31337;

/** Built-in defaults; a person's settings (ativo network set) override them. */
const DEFAULTS: Record<NetworkNameValue, Omit<NetworkRecord, 'updatedAt'>> = {
  // The sandbox's RPC URL, registry and storage node are managed by Ativo (they run locally).
  sandbox: { name: 'sandbox', rpcUrl: null, chainId: SANDBOX_CHAIN_ID, registry: null, storageUrl: null },
  testnet: { name: 'testnet', rpcUrl: null, chainId: null, registry: null, storageUrl: 'https://devnet.irys.xyz' },
  mainnet: { name: 'mainnet', rpcUrl: null, chainId: null, registry: null, storageUrl: 'https://uploader.irys.xyz' },
};
const ORDER: NetworkNameValue[] = ['sandbox', 'testnet', 'mainnet'];

type Field = NetworkProfile['missing'][number];

function missing(n: Omit<NetworkRecord, 'updatedAt'>): Field[] {
  if (n.name === 'sandbox') return [];
  const m: Field[] = [];
  if (n.rpcUrl === null) m.push('rpcUrl');
  if (n.chainId === null) m.push('chainId');
  if (n.registry === null) m.push('registry');
  if (n.storageUrl === null) m.push('storageUrl');
  return m;
}

/** What each setting is called, and its `ativo network set` flag. */
export const FIELD_WORDS: Record<Field, { words: string; flag: string }> = {
  rpcUrl: { words: 'an RPC URL', flag: '--rpc' },
  chainId: { words: 'the chain id', flag: '--chain-id' },
  registry: { words: 'the AtivoRegistry address on that chain', flag: '--registry' },
  storageUrl: { words: 'the storage node URL', flag: '--storage' },
};
export const describeMissing = (fields: readonly Field[]): string => fields.map((f) => `${FIELD_WORDS[f].words} (${FIELD_WORDS[f].flag})`).join(', ');

/** Network profiles stored in the catalog (`networks` table) and the current choice (`settings`). */
export class Networks {
  constructor(private readonly catalog: Catalog) {}

  profile(name: NetworkNameValue): NetworkProfile {
    const n = { ...DEFAULTS[name], ...this.catalog.networks.get(name) };
    return { name, rpcUrl: n.rpcUrl, chainId: n.chainId, registry: n.registry, storageUrl: n.storageUrl, missing: missing(n) };
  }

  current(): NetworkNameValue {
    const c = this.catalog.networks.setting('network');
    return c === 'testnet' || c === 'mainnet' ? c : 'sandbox';
  }

  state(): NetworkState {
    return { current: this.current(), profiles: ORDER.map((n) => this.profile(n)) };
  }

  use(name: NetworkNameValue): NetworkState {
    const p = this.profile(name);
    if (p.missing.length) {
      throw new AtivoError('NOT_CONFIGURED', `The ${name} network needs ${describeMissing(p.missing)} before it can be used: add ${p.missing.length > 1 ? 'them' : 'it'} in its network settings.`, {
        cli: `The ${name} profile needs ${describeMissing(p.missing)} before it can be used: ativo network set ${name} …`,
      });
    }
    this.catalog.networks.setSetting('network', name);
    return this.state();
  }

  set(input: { name: NetworkNameValue; rpcUrl?: string | undefined; chainId?: number | undefined; registry?: string | undefined; storageUrl?: string | undefined }): NetworkProfile {
    if (input.name === 'sandbox' && (input.rpcUrl !== undefined || input.registry !== undefined || input.chainId !== undefined || input.storageUrl !== undefined)) {
      throw new AtivoError('INVALID_INPUT', 'The sandbox network is managed by Ativo (a local chain and storage node); there is nothing to set.');
    }
    const cur = this.profile(input.name);
    this.catalog.networks.put({
      name: input.name,
      rpcUrl: input.rpcUrl ?? cur.rpcUrl,
      chainId: input.chainId ?? cur.chainId,
      registry: input.registry ?? cur.registry,
      storageUrl: input.storageUrl ?? cur.storageUrl,
      updatedAt: new Date().toISOString(),
    });
    return this.profile(input.name);
  }
}
