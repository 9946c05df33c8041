/** Access requests, requester side: request, status, fetch (issue 6). The chain is the source of truth. */
import { fetchAccess } from '../access/fetch';
import { cancelRequest, requestAccess, requestStatus, type RequesterChain } from '../access/requester';
import { AtivoError } from '../util/errors';
import type { BackendContext, Handlers } from './context';

export type RequesterCommand = 'access.request' | 'access.status' | 'access.cancel' | 'access.fetch';

export function createRequesterHandlers(ctx: BackendContext): Pick<Handlers, RequesterCommand> {
  const requesterChain = async (): Promise<RequesterChain> => {
    const h = await ctx.chain.chain();
    if (h.registry === null) {
      throw new AtivoError(
        'NOT_CONFIGURED',
        `The ${h.network} network has no Ativo registry yet${h.network === 'sandbox' ? ' (the sandbox deploys it when it starts: restart Ativo)' : ': add its AtivoRegistry address in the network settings'}.`,
        h.network === 'sandbox' ? undefined : { cli: `The ${h.network} network has no Ativo registry yet: ativo network set ${h.network} --registry 0x…` },
      );
    }
    return { conn: h.conn, registry: h.registry, chainId: h.chainId, network: h.network };
  };

  return {
    'access.request': async (input) => {
      const chain = await requesterChain();
      const w = await ctx.wallets.current();
      const { recipient } = await ctx.wallets.vault.getOrCreateRequesterIdentity(w.address);
      const signer = await ctx.wallets.vault.signer(w.address, chain.conn.provider);
      const accepted = { termsHash: input.termsHash, ...(input.priceWei !== undefined ? { price: BigInt(input.priceWei) } : {}) };
      return requestAccess(chain, signer, recipient, BigInt(input.tokenId), accepted, input.message);
    },
    'access.status': async (input) => requestStatus(await requesterChain(), BigInt(input.requestId)),
    'access.cancel': async (input) => {
      const chain = await requesterChain();
      const w = await ctx.wallets.current();
      return cancelRequest(chain, await ctx.wallets.vault.signer(w.address, chain.conn.provider), BigInt(input.requestId));
    },
    'access.fetch': async (input) => {
      const chain = await requesterChain();
      const w = await ctx.wallets.current();
      return fetchAccess(
        {
          chain,
          // The current network's storage node (a clear NOT_CONFIGURED error when there is none).
          storageUrl: async () => (await ctx.storage.client()).nodeUrl,
          wallet: w.address,
          requesterIdentity: () => ctx.wallets.vault.requesterIdentity(w.address),
        },
        BigInt(input.requestId),
        input.out,
      );
    },
  };
}
