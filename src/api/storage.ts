import type { FundResult, StorageClient } from '../storage/client';
import { AtivoError } from '../util/errors';
import type { ChainService } from './chain';
import type { Wallets } from './wallets';

/**
 * The storage client of the current network and wallet, made on demand (it signs with the
 * wallet's key, read from the keychain into this process only) and cached while both stay.
 */
export class StorageService {
  private cached: { key: string; client: Promise<StorageClient> } | undefined;

  constructor(
    private readonly chain: ChainService,
    private readonly wallets: Wallets,
  ) {}

  async client(): Promise<StorageClient> {
    const h = await this.chain.chain();
    if (h.storageUrl === null) {
      throw new AtivoError('NOT_CONFIGURED', h.network === 'sandbox' ? 'The sandbox storage node is not running (it runs with the app or `ativo serve`).' : `The ${h.network} profile has no storage node URL: ativo network set ${h.network} --storage URL`);
    }
    const w = await this.wallets.current();
    const key = `${h.network}|${h.storageUrl}|${h.rpcUrl}|${w.address}`;
    if (this.cached?.key !== key) {
      const signer = await this.wallets.vault.signer(w.address);
      // Loaded on first use: the Irys client costs about a second of CPU and 75 MB to import,
      // which commands that never touch storage (list, show, --version) should not pay.
      const { StorageClient: Client } = await import('../storage/client');
      const client = Client.create({ network: h.network, nodeUrl: h.storageUrl, rpcUrl: h.rpcUrl, privateKey: signer.privateKey });
      this.cached = { key, client };
      client.catch(() => {
        if (this.cached?.client === client) this.cached = undefined;
      });
    }
    return this.cached.client;
  }

  /**
   * Funds the current wallet's storage balance. The transfer goes through the chain module's
   * send path on the current network's connection, under the wallet's send lock: it never takes
   * the nonce of a publication, approval or withdrawal this process is sending at the same time.
   */
  async fund(wei: bigint): Promise<FundResult> {
    const client = await this.client();
    const h = await this.chain.chain();
    return client.fund(wei, h.conn);
  }

  close(): void {
    this.cached = undefined;
  }
}
