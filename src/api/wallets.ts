import { getAddress } from 'ethers';
import type { Catalog } from '../catalog/db';
import { Vault } from '../vault/vault';
import { AtivoError } from '../util/errors';
import type { WalletInfo, WalletState } from './contract';

/** Wallets: keys in the OS keychain (src/vault), the chosen one in the catalog's settings. */
export class Wallets {
  readonly vault: Vault;

  constructor(
    private readonly catalog: Catalog,
    options: { keychainPrefix?: string | undefined; keystoreScryptN?: number | undefined } = {},
  ) {
    this.vault = new Vault({
      ...(options.keychainPrefix !== undefined ? { servicePrefix: options.keychainPrefix } : {}),
      ...(options.keystoreScryptN !== undefined ? { keystoreScryptN: options.keystoreScryptN } : {}),
    });
  }

  async state(): Promise<WalletState> {
    const wallets = await this.vault.list();
    const chosen = this.catalog.networks.setting('wallet');
    const current = wallets.find((w) => w.address === chosen)?.address ?? wallets[0]?.address ?? null;
    return { wallets, current };
  }

  /** The wallet to sign with, or a clear error telling how to get one. */
  async current(): Promise<WalletInfo> {
    const s = await this.state();
    const w = s.wallets.find((x) => x.address === s.current);
    if (!w) throw new AtivoError('NOT_CONFIGURED', 'No wallet yet: create or import one (Wallet screen, or `ativo wallet create`).');
    return w;
  }

  private async adoptIfFirst(w: WalletInfo): Promise<WalletInfo> {
    const s = await this.state();
    if (s.wallets.length === 1 || this.catalog.networks.setting('wallet') === undefined) this.catalog.networks.setSetting('wallet', w.address);
    return w;
  }

  async create(label?: string): Promise<WalletInfo> {
    return this.adoptIfFirst(await this.vault.create(label));
  }

  async import(i: { privateKey?: string | undefined; mnemonic?: string | undefined; path?: string | undefined; label?: string | undefined }): Promise<WalletInfo> {
    const w = i.privateKey !== undefined ? await this.vault.importPrivateKey(i.privateKey, i.label) : await this.vault.importMnemonic(i.mnemonic ?? '', i.label, i.path);
    return this.adoptIfFirst(w);
  }

  async use(address: string): Promise<WalletState> {
    const a = getAddress(address.toLowerCase());
    if (!(await this.vault.has(a))) throw new AtivoError('NOT_FOUND', `No wallet ${a} in the keychain.`);
    this.catalog.networks.setSetting('wallet', a);
    return this.state();
  }

  async remove(address: string): Promise<{ removed: true; address: string }> {
    const a = getAddress(address.toLowerCase());
    await this.vault.remove(a);
    if (this.catalog.networks.setting('wallet') === a) this.catalog.networks.setSetting('wallet', null);
    return { removed: true, address: a };
  }
}
