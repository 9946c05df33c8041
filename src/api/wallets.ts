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

  /**
   * The keychain's wallet list, kept for LIST_TTL_MS: every upload asks for the wallet in use,
   * and each keychain read is a D-Bus round trip to the Secret Service (20,000 uploads, 20,000
   * round trips). Changes made here drop it at once; another process's changes show within the TTL.
   */
  private listed: { at: number; list: ReturnType<Vault['list']> } | undefined;
  private static readonly LIST_TTL_MS = 2_000;

  private walletList(): ReturnType<Vault['list']> {
    const now = Date.now();
    if (this.listed === undefined || now - this.listed.at > Wallets.LIST_TTL_MS) {
      const list = this.vault.list();
      this.listed = { at: now, list };
      list.catch(() => {
        if (this.listed?.list === list) this.listed = undefined;
      });
    }
    return this.listed.list;
  }

  private forget(): void {
    this.listed = undefined;
  }

  async state(): Promise<WalletState> {
    const wallets = await this.walletList();
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
    this.forget();
    const w = await this.vault.create(label).finally(() => { this.forget(); });
    return this.adoptIfFirst(w);
  }

  async import(i: { privateKey?: string | undefined; mnemonic?: string | undefined; path?: string | undefined; label?: string | undefined }): Promise<WalletInfo> {
    this.forget();
    const w = await (i.privateKey !== undefined ? this.vault.importPrivateKey(i.privateKey, i.label) : this.vault.importMnemonic(i.mnemonic ?? '', i.label, i.path)).finally(() => { this.forget(); });
    return this.adoptIfFirst(w);
  }

  async use(address: string): Promise<WalletState> {
    const a = getAddress(address.toLowerCase());
    if (!(await this.vault.has(a))) throw new AtivoError('NOT_FOUND', `No wallet ${a} in the keychain.`);
    this.forget(); // it may have come from another process (the CLI) since the list was read
    this.catalog.networks.setSetting('wallet', a);
    return this.state();
  }

  async remove(address: string): Promise<{ removed: true; address: string }> {
    const a = getAddress(address.toLowerCase());
    this.forget();
    await this.vault.remove(a).finally(() => { this.forget(); });
    if (this.catalog.networks.setting('wallet') === a) this.catalog.networks.setSetting('wallet', null);
    return { removed: true, address: a };
  }
}
