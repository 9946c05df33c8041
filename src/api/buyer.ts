/**
 * Buying inside the app (issue 16), read side: what an asset offers (from the chain, the terms
 * named when they are a listed license), and the requests the wallet in use made, read from the
 * registry's `AccessRequested` logs (its requester is an indexed topic) and each request's state.
 * Paying, cancelling and downloading are the requester commands (access-requester.ts).
 */
import { keyNote } from './buyer-key-note';
import { getAddress, zeroPadValue } from 'ethers';
import { findDeployBlock } from '../access/deploy-block';
import { requestStatus, type RequesterChain } from '../access/requester';
import { onChain, parseRegistryLogs, registryTopic } from '../chain/client';
import { certificateHtml } from '../publish/certificate-html';
import { certificateView } from '../publish/certificate-view';
import { LICENSES } from '../publish/licenses';
import { termsHash } from '../publish/pipeline';
import { splitAccessPeriod, withAccessPeriod } from '../publish/terms';
import { AtivoError } from '../util/errors';
import type { BackendContext, Handlers } from './context';
import { assetLinkRoute, assetLinkUrl, parseAssetLink } from './links';
import type { MyRequest } from './buyer-contract';
import { downloadViews } from './download';

export type BuyerCommand = 'buyer.offer' | 'buyer.requests' | 'buyer.certificate';

const DAY = 24 * 60 * 60;
/** A wallet's requests shown at once (newest first); older ones stay readable with `ativo access status`. */
const MAX_REQUESTS = 200;

const sameHash = (a: string, b: string): boolean => a.replace(/^0x/i, '').toLowerCase() === b.replace(/^0x/i, '').toLowerCase();

/** The listed license whose terms (with this access period) hash to `hash`, or null. */
export function listedLicense(hash: string, accessDays: number): { id: string; text: string } | null {
  for (const [id, text] of Object.entries(LICENSES)) {
    if (sameHash(termsHash(withAccessPeriod(text, accessDays)), hash)) return { id, text };
  }
  return null;
}

export function createBuyerHandlers(ctx: BackendContext): Pick<Handlers, BuyerCommand> {
  const deployBlocks = new Map<string, Promise<number>>();

  const chainOf = async (): Promise<RequesterChain & { registryAddress: string }> => {
    const h = await ctx.chain.chain();
    if (h.registry === null || h.registryAddress === null) {
      throw new AtivoError('NOT_CONFIGURED', `The ${h.network} network has no Ativo registry yet: add its registry address in the network settings.`);
    }
    return { conn: h.conn, registry: h.registry, chainId: h.chainId, network: h.network, registryAddress: h.registryAddress };
  };

  const localCert = (chainId: number, registry: string, tokenId: string) =>
    ctx.catalog.certificates.byToken(chainId, registry, tokenId) ?? ctx.catalog.certificates.byToken(chainId, registry.toLowerCase(), tokenId) ?? ctx.catalog.certificates.byToken(chainId, getAddress(registry), tokenId);

  const nameOf = (cert: ReturnType<typeof localCert>): string | null => {
    const doc = cert?.document as { asset?: { name?: unknown } } | null | undefined;
    return typeof doc?.asset?.name === 'string' ? doc.asset.name : null;
  };

  return {
    'buyer.offer': async (input) => {
      const chain = await chainOf();
      if (input.chainId !== chain.chainId || input.registry.toLowerCase() !== chain.registryAddress.toLowerCase()) {
        throw new AtivoError(
          'INVALID_INPUT',
          `This asset is registered on chain ${input.chainId} (registry ${input.registry}), and Ativo is on the ${chain.network} network (chain ${chain.chainId}): switch to the network the link names (Wallet screen), then open it again.`,
        );
      }
      const asset = await chain.registry.asset(BigInt(input.tokenId));
      if (asset === null) throw new AtivoError('NOT_FOUND', `There is no asset #${input.tokenId} on the ${chain.network} network: check the link, or ask whoever sent it.`);
      const timeout = await chain.registry.accessTimeout();
      const accessDays = Math.round(asset.accessPeriod / DAY);
      const cert = localCert(chain.chainId, chain.registryAddress, input.tokenId);
      const certTerms = (cert?.document as { license?: { terms?: unknown; termsHash?: unknown } } | null | undefined)?.license;
      const listed = listedLicense(asset.termsHash, accessDays);
      // The certificate's text counts only when it is the terms on chain now (not superseded ones).
      const certText = typeof certTerms?.terms === 'string' && sameHash(termsHash(certTerms.terms), asset.termsHash) ? splitAccessPeriod(certTerms.terms).license : null;
      const w = await ctx.wallets.current().catch(() => null);
      return {
        network: chain.network,
        chainId: chain.chainId,
        registry: getAddress(chain.registryAddress),
        tokenId: input.tokenId,
        name: nameOf(cert),
        owner: asset.owner,
        isOwner: w !== null && w.address.toLowerCase() === asset.owner.toLowerCase(),
        priceWei: asset.price.toString(),
        termsHash: asset.termsHash,
        license: listed?.id ?? (certText !== null ? 'custom' : null),
        licenseText: listed?.text ?? certText,
        accessDays,
        timeoutDays: Math.round((timeout / DAY) * 10) / 10,
        forSale: asset.forSale,
        contentRoot: asset.contentRoot.replace(/^0x/i, '').toLowerCase(),
        assetId: cert?.assetId ?? null,
      };
    },
    'buyer.certificate': ({ id }) => {
      const a = ctx.mustGet(id);
      const cert = ctx.catalog.certificates.latest(a.id);
      if (cert?.document === undefined || cert.document === null || typeof cert.document !== 'object') {
        throw new AtivoError('NOT_FOUND', `${a.name} has no certificate yet: publish it first.`);
      }
      const view = certificateView(cert.document, { certifiedAt: cert.createdAt });
      const safe = a.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'asset';
      const link = parseAssetLink(`ativo://asset/${cert.chainId}/${cert.registry}/${cert.tokenId ?? ''}`);
      return Promise.resolve({
        view,
        html: certificateHtml(view, cert.document),
        certificate: cert.document as Record<string, unknown>,
        fileName: `${safe}-certificate.html`,
        link: link === null ? null : assetLinkUrl(link),
        route: link === null ? null : assetLinkRoute(link),
      });
    },
    'buyer.requests': async () => {
      const chain = await chainOf();
      const w = await ctx.wallets.current();
      const key = `${chain.chainId}:${chain.registryAddress.toLowerCase()}`;
      let from = deployBlocks.get(key);
      if (from === undefined) {
        from = findDeployBlock(chain.conn, chain.registryAddress);
        deployBlocks.set(key, from);
      }
      const fromBlock = await from;
      const logs = await onChain(chain.conn, () =>
        chain.conn.provider.getLogs({
          address: chain.registryAddress,
          topics: [registryTopic('AccessRequested'), null, null, zeroPadValue(w.address, 32)],
          fromBlock,
          toBlock: 'latest',
        }),
      );
      const asked = parseRegistryLogs(logs, chain.registryAddress)
        .flatMap((e) => (e.name === 'AccessRequested' && e.requester.toLowerCase() === w.address.toLowerCase() ? [e] : []))
        .reverse()
        .slice(0, MAX_REQUESTS);
      const items: MyRequest[] = [];
      const downloads = downloadViews(ctx, chain.network, w.address);
      for (const e of asked) {
        const s = await requestStatus(chain, e.requestId);
        const cert = localCert(chain.chainId, chain.registryAddress, s.tokenId);
        items.push({
          requestId: s.requestId,
          tokenId: s.tokenId,
          name: nameOf(cert),
          amountWei: s.amountWei,
          state: s.state,
          message: e.message,
          reason: s.reason,
          createdAt: s.createdAt,
          cancellableAt: s.cancellableAt,
          expiresAt: s.expiresAt,
          assetId: cert?.assetId ?? null,
          download: downloads.get(s.requestId) ?? null,
          keyNote: s.state === 'approved' && s.grantId === null ? await keyNote(chain, async () => (await ctx.storage.client()).nodeUrl, e.requestId, e.tokenId) : null,
        });
      }
      const withdrawable = await chain.registry.withdrawable(w.address);
      return { wallet: w.address, network: chain.network, items, withdrawableWei: withdrawable.toString() };
    },
  };
}
