import { balanceOf, type ChainConnection } from '../chain/client';
import { isChainError } from '../chain/errors';
import { onChain } from '../chain/provider';
import type { FundResult, StorageClient } from '../storage/client';
import { AtivoError } from '../util/errors';
import { ethText } from '../util/format';
import type { NetworkName } from './contract';
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
      throw h.network === 'sandbox'
        ? new AtivoError('NOT_CONFIGURED', 'The sandbox storage node is not running: restart Ativo to start it.', { cli: 'The sandbox storage node is not running (it runs with the app or ativo serve).' })
        : new AtivoError('NOT_CONFIGURED', `The ${h.network} network has no storage node URL: add it in the network settings.`, { cli: `The ${h.network} profile has no storage node URL: ativo network set ${h.network} --storage URL` });
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
    const from = (await this.wallets.current()).address;
    // Checked first, so a wallet that cannot pay hears how much it has and needs, not a refusal from the chain.
    const short = async (): Promise<AtivoError | null> => {
      const [balance, fee] = await Promise.all([balanceOf(h.conn, from), transferFee(h.conn)]);
      return balance < wei + fee ? fundsShort({ balance, amount: wei, fee, network: h.network }) : null;
    };
    const before = await short();
    if (before !== null) throw before;
    try {
      return await client.fund(wei, h.conn);
    } catch (e) {
      // The fee rose, or another transaction spent the ETH in between.
      if (causes(e).some((c) => isChainError(c) && c.code === 'INSUFFICIENT_FUNDS')) throw (await short().catch(() => null)) ?? e;
      throw e;
    }
  }

  close(): void {
    this.cached = undefined;
    this.byOwner.clear();
  }
}

/**
 * The gas the send path reserves for a plain ETH transfer (what funding storage sends): its
 * 21,000 with the margin src/chain/tx.ts adds (x1.2 + 10,000). The wallet must hold it at the fee cap.
 */
const TRANSFER_GAS = (21_000n * 12n) / 10n + 10_000n;

/** The most a plain transfer's network fee can be now (its gas at the current fee cap). */
export async function transferFee(conn: ChainConnection): Promise<bigint> {
  const f = await onChain(conn, () => conn.provider.getFeeData());
  return (f.maxFeePerGas ?? f.gasPrice ?? 0n) * TRANSFER_GAS;
}

/** The wallet cannot pay for funding storage: what it has, what it needs, and what to do (per surface). */
export function fundsShort(o: { balance: bigint; amount: bigint; fee: bigint; network: NetworkName }): AtivoError {
  const missing = o.amount + o.fee - o.balance;
  const head = `Your wallet has ${ethText(o.balance)}, but adding ${ethText(o.amount)} to your storage balance needs about ${ethText(o.amount + o.fee, true)} (the amount plus the network fee). Nothing was sent.`;
  const app =
    o.network === 'sandbox'
      ? `${head} Get test ETH on the Wallet screen, or fund a smaller amount.`
      : `${head} Add at least ${ethText(missing, true)} to your wallet, or fund a smaller amount.`;
  const cli =
    o.network === 'sandbox'
      ? `${head} Get test ETH with ativo sandbox fund, or fund a smaller amount.`
      : `${head} Add at least ${ethText(missing, true)} to your wallet, or fund a smaller amount.`;
  return new AtivoError('INVALID_INPUT', app, { cli });
}

/** An error and its causes, outermost first. */
function causes(e: unknown): unknown[] {
  const out: unknown[] = [];
  for (let c: unknown = e; c !== undefined && c !== null && out.length < 8; c = (c as { cause?: unknown }).cause) out.push(c);
  return out;
}
