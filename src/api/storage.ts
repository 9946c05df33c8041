import type { FundResult, StorageClient } from '../storage/client';
import { AtivoError } from '../util/errors';
import type { ChainService } from './chain';
import type { Wallets } from './wallets';

/**
 * The storage client of the current network and wallet, made on demand (it signs with the
 * wallet's key, read from the keychain into this process only) and cached while both stay.
 * A durable job that owns signed items asks for its own wallet's client (`client(owner)`), which
 * is kept beside the current one: switching wallets never changes who signs a job's items.
 */
export class StorageService {
  private cached: { key: string; client: Promise<StorageClient> } | undefined;
  private readonly byOwner = new Map<string, Promise<StorageClient>>();

  constructor(
    private readonly chain: ChainService,
    private readonly wallets: Wallets,
  ) {}

  /** The client of the current network, signing with `owner` (default: the current wallet). */
  async client(owner?: string): Promise<StorageClient> {
    const h = await this.chain.chain();
    if (h.storageUrl === null) {
      throw new AtivoError('NOT_CONFIGURED', h.network === 'sandbox' ? 'The sandbox storage node is not running (it runs with the app or `ativo serve`).' : `The ${h.network} profile has no storage node URL: ativo network set ${h.network} --storage URL`);
    }
    const address = owner ?? (await this.wallets.current()).address;
    const key = `${h.network}|${h.storageUrl}|${h.rpcUrl}|${address.toLowerCase()}`;
    if (this.cached?.key === key) return this.cached.client;
    if (owner !== undefined) {
      // Another wallet than the current one (or not yet cached): its own cache entry.
      let client = this.byOwner.get(key);
      if (!client) {
        client = this.make({ network: h.network, storageUrl: h.storageUrl, rpcUrl: h.rpcUrl }, address);
        this.byOwner.set(key, client);
        client.catch(() => this.byOwner.delete(key));
      }
      return client;
    }
    const client = this.make({ network: h.network, storageUrl: h.storageUrl, rpcUrl: h.rpcUrl }, address);
    this.cached = { key, client };
    client.catch(() => {
      if (this.cached?.client === client) this.cached = undefined;
    });
    return client;
  }

  private async make(h: { network: string; storageUrl: string; rpcUrl: string }, address: string): Promise<StorageClient> {
    const signer = await this.wallets.vault.signer(address);
    // Loaded on first use: the Irys client costs about a second of CPU and 75 MB to import,
    // which commands that never touch storage (list, show, --version) should not pay.
    const { StorageClient: Client } = await import('../storage/client');
    return Client.create({ network: h.network, nodeUrl: h.storageUrl, rpcUrl: h.rpcUrl, privateKey: signer.privateKey });
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
    this.byOwner.clear();
  }
}
