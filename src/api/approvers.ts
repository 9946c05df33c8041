/**
 * An asset's approvers (issue 17): listed from the chain (ApproverSet and Transfer logs of its
 * live token), named and removed by its owner with setApprover (one transaction, waited for: a
 * crash before it is mined loses nothing, asking again does the same).
 */
import { getAddress } from 'ethers';
import { approversOf, isApprover, setApprover } from '../chain/approvers';
import { AtivoError } from '../util/errors';
import type { ApproversState } from './approvers-contract';
import { shortAddress } from './approvers-view';
import type { BackendContext, FeatureService } from './context';

export type ApproversCommand = 'approvers.list' | 'approvers.add' | 'approvers.remove';

export function createApproversService(ctx: BackendContext): FeatureService<ApproversCommand> {
  const { catalog } = ctx;

  /** The asset's newest token on the current network's registry, or null before it is published there. */
  const live = async (assetId: number) => {
    ctx.mustGet(assetId);
    const network = ctx.networks.current();
    const t = catalog.access.tokenOfAsset(assetId, network);
    if (!t) return null;
    const h = await ctx.chain.chain();
    if (!h.registry || h.registryAddress?.toLowerCase() !== t.registry.toLowerCase()) return null;
    return { network, tokenId: t.tokenId, registry: h.registry, conn: h.conn };
  };

  const state = async (assetId: number): Promise<ApproversState> => {
    const l = await live(assetId);
    const network = ctx.networks.current();
    if (l === null) return { published: false, network, tokenId: null, owner: null, isOwner: false, approvers: [] };
    const owner = await l.registry.ownerOf(BigInt(l.tokenId));
    const wallet = await ctx.wallets.current().then((w) => w.address, () => null);
    const list = await approversOf(l.registry, BigInt(l.tokenId));
    return {
      published: true,
      network,
      tokenId: l.tokenId,
      owner,
      isOwner: owner !== null && wallet !== null && owner.toLowerCase() === wallet.toLowerCase(),
      approvers: list.map((a) => ({ address: a, short: shortAddress(a) })),
    };
  };

  const change = async (assetId: number, address: string, allowed: boolean): Promise<ApproversState> => {
    const a = ctx.mustGet(assetId);
    const l = await live(assetId);
    if (l === null) throw new AtivoError('INVALID_INPUT', `${a.name} is not published on the ${ctx.networks.current()} network yet: publish it first, then name its approvers.`);
    const account = getAddress(address.toLowerCase());
    const wallet = (await ctx.wallets.current()).address;
    const owner = await l.registry.ownerOf(BigInt(l.tokenId));
    if (owner?.toLowerCase() !== wallet.toLowerCase()) {
      throw new AtivoError('INVALID_INPUT', `${a.name} belongs to the wallet ${owner ?? 'nobody'}, and the wallet in use is ${wallet}: switch to the owner's wallet to name its approvers.`);
    }
    if (allowed && account === getAddress(wallet)) throw new AtivoError('INVALID_INPUT', 'That is your own wallet: as the owner you can already approve and deny every request. Enter the address of someone else.');
    const now = await isApprover(l.registry, BigInt(l.tokenId), account);
    if (now === allowed) {
      throw new AtivoError('INVALID_INPUT', allowed ? `${shortAddress(account)} is already an approver of ${a.name}.` : `${shortAddress(account)} is not an approver of ${a.name}: there is nothing to remove.`);
    }
    const signer = (await ctx.wallets.vault.signer(wallet)).connect(l.conn.provider);
    await (await setApprover(l.registry, signer, BigInt(l.tokenId), account, allowed)).wait();
    return state(assetId);
  };

  return {
    handlers: {
      'approvers.list': ({ assetId }) => state(assetId),
      'approvers.add': ({ assetId, address }) => change(assetId, address, true),
      'approvers.remove': ({ assetId, address }) => change(assetId, address, false),
    },
  };
}
