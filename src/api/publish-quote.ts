/**
 * The publish quote and the storage funding a publication does as part of its confirmation
 * (issue 15: money as one step). `assets.publishQuote` says what publishing costs now (the
 * registration's chain fee, storage for the new files and the file list), what the storage
 * balance covers, what the wallet pays in all and what it lacks. `fundFor` is called by
 * `assets.publish` once the folder is rescanned: it adds what the storage balance lacks (on the
 * sandbox whenever asked; elsewhere up to the amount the person confirmed), or refuses, saying
 * the amount missing, when the wallet cannot pay: nothing is sent then.
 */
import type { AssetRecord } from '../catalog/assets';
import { balanceOf } from '../chain/client';
import { onChain } from '../chain/provider';
import { ITEM_OVERHEAD, itemsToStore, quoteFigures, storageCost, withPublicMetadata, type QuoteFigures } from '../publish/quote';
import { AtivoError } from '../util/errors';
import type { BackendContext, FeatureService } from './context';
import type { PublishQuote } from './publish-quote-contract';
import { ethText } from '../util/format';
import { transferFee } from './storage';

export type PublishQuoteCommand = 'assets.publishQuote';

/** A registration with a few payees uses about 200-300k gas: the fee is quoted for 350k at the fee cap. */
const REGISTER_GAS = 350_000n;

/** How a publication funds its storage: 'needed' adds whatever is short; a wei amount (digits) is the most the person confirmed. */
export type FundStorage = string;

interface Quoted {
  network: PublishQuote['network'];
  owner: string;
  figures: QuoteFigures;
}

const amount = (wei: bigint, up = false): { atomic: string; formatted: string } => ({ atomic: wei.toString(), formatted: ethText(wei, up) });

/** Why the wallet cannot pay: what it has, what publishing needs, what is missing, what to do (per surface). */
function shortSentences(q: Quoted): { app: string; cli: string } {
  const f = q.figures;
  const parts = [`the chain fee, about ${ethText(f.chainFeeWei, true)}`];
  if (f.toFundWei > 0n) parts.push(`${ethText(f.toFundWei + f.fundFeeWei, true)} to add to your storage balance`);
  const head = `Your wallet has ${ethText(f.walletWei)}, and publishing needs about ${ethText(f.totalWei, true)} (${parts.join(' and ')}): ${ethText(f.missingWei, true)} is missing. Nothing was sent.`;
  if (q.network === 'sandbox') return { app: `${head} Get test ETH on the Wallet screen, then publish.`, cli: `${head} Get test ETH with ativo sandbox fund --ether 1, then publish again.` };
  const tail = ` Add at least ${ethText(f.missingWei, true)} to the wallet ${q.owner}, then publish.`;
  return { app: `${head}${tail}`, cli: `${head}${tail}` };
}

export function createPublishQuoteService(ctx: BackendContext): FeatureService<PublishQuoteCommand> & {
  fundFor(asset: AssetRecord, visibility: 'public' | 'private', fund: FundStorage | undefined): Promise<bigint | null>;
} {
  const quote = async (asset: AssetRecord, visibility: 'public' | 'private'): Promise<Quoted> => {
    const network = ctx.networks.current();
    const owner = (await ctx.wallets.current()).address;
    const client = await ctx.storage.client();
    const h = await ctx.chain.chain();
    const files = ctx.catalog.files.all(asset.id);
    const encrypted = visibility === 'private';
    // Content stored before on this network is reused, not paid again. (A private version's
    // files kept from the version before are re-wrapped, not stored again: counted anyway, so
    // its quote is on the high side.)
    const toStore = files.filter((f) => encrypted || f.sha256 === null || !ctx.catalog.uploads.findReusable(network, f.sha256, null)?.storageId);
    const items = withPublicMetadata(itemsToStore(toStore, encrypted, files.map((f) => f.relPath)));
    const [all, one, storageBalance, wallet, fee, transfer] = await Promise.all([
      client.quote(items.bytes + items.count * ITEM_OVERHEAD),
      client.quote(1),
      client.balance(),
      balanceOf(h.conn, owner),
      onChain(h.conn, () => h.conn.provider.getFeeData()),
      transferFee(h.conn),
    ]);
    const figures = quoteFigures({
      walletWei: wallet,
      chainFeeWei: REGISTER_GAS * (fee.maxFeePerGas ?? fee.gasPrice ?? 0n),
      storageCostWei: storageCost(items.count, BigInt(all.price.atomic), BigInt(one.price.atomic)),
      storageBalanceWei: BigInt(storageBalance.atomic),
      transferFeeWei: transfer,
    });
    return { network, owner, figures };
  };

  const view = (q: Quoted): PublishQuote => {
    const f = q.figures;
    return {
      network: q.network,
      owner: q.owner,
      chainFee: amount(f.chainFeeWei, true),
      storageCost: amount(f.storageCostWei, true),
      storageBalance: amount(f.storageBalanceWei),
      covered: amount(f.coveredWei),
      toFund: amount(f.toFundWei, true),
      fundFee: amount(f.fundFeeWei, true),
      total: amount(f.totalWei, true),
      wallet: amount(f.walletWei),
      missing: amount(f.missingWei, true),
      canPay: f.missingWei === 0n,
      fundsWithoutAsking: q.network === 'sandbox',
      reason: f.missingWei === 0n ? null : shortSentences(q).app,
    };
  };

  return {
    handlers: {
      'assets.publishQuote': async ({ id, visibility }) => {
        const a = ctx.mustGet(id);
        return view(await quote(a, visibility ?? a.visibility));
      },
    },
    fundFor: async (asset, visibility, fund) => {
      if (fund === undefined) return null;
      const q = await quote(asset, visibility);
      const f = q.figures;
      if (f.missingWei > 0n) {
        const s = shortSentences(q);
        throw new AtivoError('INVALID_INPUT', s.app, { cli: s.cli });
      }
      if (f.toFundWei === 0n) return 0n;
      if (fund !== 'needed' && BigInt(fund) < f.toFundWei) {
        throw new AtivoError(
          'INVALID_INPUT',
          `Storing these files now needs ${ethText(f.toFundWei, true)} more in your storage balance, more than the ${ethText(BigInt(fund), true)} you confirmed (the folder or the price changed). Nothing was sent: check the new amount and publish again.`,
        );
      }
      await ctx.storage.fund(f.toFundWei);
      return f.toFundWei;
    },
  };
}
