/**
 * Terms after publishing (issue 14): the live version's terms and listing, changing its price
 * and license (updateTerms, the certificate re-issued), putting it on or off sale, and who bought
 * access and until when. The changes run as durable jobs (src/terms/jobs.ts).
 */
import { parseEther } from 'ethers';
import type { CertificateRecord } from '../catalog/certificates';
import type { RegistryClient } from '../chain/client';
import type { ChainConnection } from '../chain/provider';
import { LICENSES } from '../publish/licenses';
import { termsHash } from '../publish/pipeline';
import { consentRuleOf } from '../governance/store';
import { licenseOf, splitAccessPeriod, withAccessPeriod } from '../publish/terms';
import { SALE_JOB_KIND, TERMS_JOB_KIND, registerTermsJobs, saleKey, termsKey, type TermsCheckpoint } from '../terms/jobs';
import { AtivoError } from '../util/errors';
import { ethText } from '../util/format';
import type { JsonObject } from '../jobs';
import type { BackendContext, FeatureService } from './context';
import type { Buyer, TermsCertificate } from './terms-contract';

export type TermsCommand = 'assets.terms' | 'assets.updateTerms' | 'assets.setForSale' | 'assets.buyers';

const LIVE = ['queued', 'running', 'paused', 'waiting'] as const;
const DAY = 24 * 60 * 60;

interface Live {
  network: string;
  tokenId: string;
  version: number | null;
  cert: CertificateRecord;
  conn: ChainConnection;
  registry: RegistryClient;
}

interface CertDoc {
  license?: { terms?: unknown; termsHash?: unknown; price?: unknown };
}

const docOf = (c: CertificateRecord): { terms: string; termsHash: string; priceWei: string } => {
  const l = (c.document as CertDoc | null)?.license;
  return {
    terms: typeof l?.terms === 'string' ? l.terms : '',
    termsHash: typeof l?.termsHash === 'string' ? l.termsHash : '',
    priceWei: typeof l?.price === 'string' && /^\d+$/.test(l.price) ? l.price : '0',
  };
};

const sameHash = (a: string, b: string): boolean => a.replace(/^0x/i, '').toLowerCase() === b.replace(/^0x/i, '').toLowerCase();

export function createTermsService(ctx: BackendContext): FeatureService<TermsCommand> {
  const { catalog, jobs } = ctx;

  registerTermsJobs(jobs, {
    catalog,
    chain: async (network) => {
      ctx.onCurrent(network);
      const h = await ctx.chain.chain();
      if (!h.registry || h.registryAddress === null) throw new AtivoError('NOT_CONFIGURED', `No AtivoRegistry on ${network}.`);
      return { conn: h.conn, registry: h.registry, chainId: h.chainId, registryAddress: h.registryAddress };
    },
    signer: (owner) => ctx.wallets.vault.signer(owner),
    onChanged: (assetId) => {
      ctx.emit('asset.changed', { assetId, removed: false });
    },
  });

  /** The certificate of the asset's latest version on the current network's registry (not superseded), or null. */
  const current = async (assetId: number): Promise<Live | null> => {
    const network = ctx.networks.current();
    const latest = catalog.versions.latest(assetId);
    if (!latest) return null;
    const h = await ctx.chain.chain();
    if (!h.registry || h.registryAddress === null) return null;
    const registry = h.registryAddress.toLowerCase();
    const cert = catalog.certificates.forVersion(latest.id, network);
    if (!cert?.tokenId || cert.registry.toLowerCase() !== registry) return null;
    return { network, tokenId: cert.tokenId, version: latest.number, cert, conn: h.conn, registry: h.registry };
  };

  const mustLive = async (assetId: number): Promise<Live> => {
    const a = ctx.mustGet(assetId);
    const live = await current(assetId);
    if (live === null) throw new AtivoError('INVALID_INPUT', `${a.name} is not published on the ${ctx.networks.current()} network yet: publish it first, then its terms can be changed.`);
    return live;
  };

  /** The token as the chain holds it, owned by the wallet in use (only its owner can change it). */
  const ownedToken = async (live: Live) => {
    const token = await live.registry.asset(BigInt(live.tokenId));
    if (token === null) throw new AtivoError('NOT_FOUND', `Version ${live.version ?? '?'} of this asset is not on this network's chain any more (was the sandbox reset?): publish it again.`);
    const wallet = (await ctx.wallets.current()).address;
    if (token.owner.toLowerCase() !== wallet.toLowerCase()) {
      throw new AtivoError('INVALID_INPUT', `This asset belongs to the wallet ${token.owner}, and the wallet in use is ${wallet}: switch to the owner's wallet to change it.`);
    }
    return { token, wallet };
  };

  const liveJob = (kind: string, key: string): number | null =>
    jobs.list({ kind, state: [...LIVE], limit: 1000, offset: 0 }).items.find((j) => j.dedupeKey === key)?.id ?? null;

  return {
    handlers: {
      'assets.terms': async ({ assetId }) => {
        ctx.mustGet(assetId);
        const network = ctx.networks.current();
        const live = await current(assetId).catch(() => null);
        const empty = { network, tokenId: null, version: null, owner: null, isOwner: false, priceWei: '0', license: 'CC-BY-4.0', customTerms: null, termsHash: null, accessDays: 0, forSale: true, pendingRequests: 0, termsJob: null, saleJob: null, certificates: [], note: null };
        if (live === null) return { published: false, ...empty };
        const doc = docOf(live.cert);
        let note: string | null = null;
        const token = await live.registry.asset(BigInt(live.tokenId)).catch((e: unknown) => {
          note = `The chain could not be read now (${e instanceof Error ? e.message : String(e)}); this shows the certificate's terms.`;
          return null;
        });
        // The chain's terms, described by the certificate that has them (a change still being re-issued: the newest one).
        const { license: text, days } = splitAccessPeriod(doc.terms);
        const lic = licenseOf(text);
        const wallet = await ctx.wallets.current().then((w) => w.address, () => null);
        const owner = token?.owner ?? ((live.cert.document as { owner?: unknown } | null)?.owner as string | undefined) ?? null;
        const certificates: TermsCertificate[] = catalog.certificates.ofToken(live.network, live.tokenId).map((c) => {
          const d = docOf(c);
          return { certifiedAt: c.createdAt, priceWei: d.priceWei, license: licenseOf(splitAccessPeriod(d.terms).license).license, termsHash: d.termsHash, supersededAt: c.supersededAt ?? null };
        });
        const wanted = wallet?.toLowerCase() ?? '';
        const pending = wanted === '' ? 0 : catalog.access.list({ network: live.network, owner: wanted, state: 'pending', assetId, offset: 0, limit: 1 }).total;
        return {
          published: true,
          network: live.network,
          tokenId: live.tokenId,
          version: live.version,
          owner,
          isOwner: owner !== null && wallet !== null && owner.toLowerCase() === wallet.toLowerCase(),
          priceWei: token?.price.toString() ?? doc.priceWei,
          license: lic.license,
          customTerms: lic.customTerms,
          termsHash: token?.termsHash ?? doc.termsHash,
          accessDays: token !== null ? Math.round(token.accessPeriod / DAY) : days,
          forSale: token?.forSale ?? catalog.listings.forSale(live.network, live.tokenId),
          pendingRequests: pending,
          termsJob: liveJob(TERMS_JOB_KIND, termsKey(live.network, live.tokenId)),
          saleJob: liveJob(SALE_JOB_KIND, saleKey(live.network, live.tokenId)),
          certificates,
          note,
        };
      },
      'assets.updateTerms': async (input) => {
        const live = await mustLive(input.assetId);
        const { token, wallet } = await ownedToken(live);
        // Governance (issue 17): under a consent rule the terms change only through a proposal its payees sign.
        if ((await consentRuleOf(live.conn, live.registry.address, live.tokenId)) !== 0) {
          throw new AtivoError('INVALID_INPUT', 'The payees of this asset must agree to changes of its terms: propose the change instead, and it is made once enough of them sign.', {
            cli: `The payees of this asset must agree to changes of its terms: propose it with ativo terms ${input.assetId} --price ETH --propose`,
          });
        }
        const now = splitAccessPeriod(docOf(live.cert).terms);
        const was = licenseOf(now.license);
        const license = input.license ?? was.license;
        const text = license === 'custom' ? (input.customTerms ?? (was.license === 'custom' ? (was.customTerms ?? undefined) : undefined)) : LICENSES[license];
        if (text === undefined) throw new AtivoError('INVALID_INPUT', 'A custom license needs the text of its terms: write them, or choose one of the listed licenses.');
        // The access period stays (it is in the terms text and on chain since the registration).
        const terms = withAccessPeriod(text, now.days);
        const priceWei = input.priceEth !== undefined ? parseEther(input.priceEth).toString() : token.price.toString();
        // A change under way (maybe sent before a crash, its certificate not re-issued yet): the same one is followed, another waits.
        const key = termsKey(live.network, live.tokenId);
        const running = liveJob(TERMS_JOB_KIND, key);
        const runningCp = running === null ? null : ((jobs.get(running)?.checkpoint ?? null) as Partial<TermsCheckpoint> | null);
        if (running !== null) {
          if (runningCp?.priceWei === priceWei && runningCp.terms === terms) return { jobId: running, created: false, tokenId: live.tokenId, priceWei, termsHash: termsHash(terms) };
          throw new AtivoError('BUSY', `A change of these terms${runningCp?.priceWei !== undefined ? ` (to ${ethText(runningCp.priceWei)})` : ''} is still under way: wait for it to finish, then change them again.`);
        }
        if (sameHash(termsHash(terms), token.termsHash) && priceWei === token.price.toString()) {
          throw new AtivoError('INVALID_INPUT', `Version ${live.version ?? '?'} is already offered at ${ethText(priceWei)} under ${license}: there is nothing to change.`);
        }
        const cp: TermsCheckpoint = { assetId: input.assetId, network: live.network, tokenId: live.tokenId, owner: wallet, license, terms, priceWei };
        const r = jobs.enqueue(TERMS_JOB_KIND, { assetId: input.assetId, dedupeKey: key, checkpoint: JSON.parse(JSON.stringify(cp)) as JsonObject });
        const c = r.job.checkpoint as Partial<TermsCheckpoint> | null;
        return { jobId: r.job.id, created: r.created, tokenId: live.tokenId, priceWei: c?.priceWei ?? priceWei, termsHash: termsHash(c?.terms ?? terms) };
      },
      'assets.setForSale': async (input) => {
        const live = await mustLive(input.assetId);
        const { token, wallet } = await ownedToken(live);
        const key = saleKey(live.network, live.tokenId);
        const running = liveJob(SALE_JOB_KIND, key);
        if (running === null && token.forSale === input.forSale) {
          throw new AtivoError('INVALID_INPUT', input.forSale ? 'This asset is already for sale: there is nothing to change.' : 'This asset is already off sale: there is nothing to change.');
        }
        const cp: TermsCheckpoint = { assetId: input.assetId, network: live.network, tokenId: live.tokenId, owner: wallet, forSale: input.forSale };
        const r = jobs.enqueue(SALE_JOB_KIND, { assetId: input.assetId, dedupeKey: key, checkpoint: JSON.parse(JSON.stringify(cp)) as JsonObject });
        const forSale = (r.job.checkpoint as Partial<TermsCheckpoint> | null)?.forSale ?? input.forSale;
        if (!r.created && forSale !== input.forSale) {
          throw new AtivoError('BUSY', `A change to ${forSale ? 'put it on sale' : 'take it off sale'} is still under way: wait for it to finish, then change it again.`);
        }
        return { jobId: r.job.id, created: r.created, tokenId: live.tokenId, forSale };
      },
      'assets.buyers': async ({ assetId }) => {
        ctx.mustGet(assetId);
        const network = ctx.networks.current();
        const wallet = (await ctx.wallets.current()).address.toLowerCase();
        const h = await ctx.chain.chain();
        if (!h.registry) throw new AtivoError('NOT_CONFIGURED', `There is no AtivoRegistry on ${network}.`);
        const registry = h.registry;
        const rows = catalog.access.list({ network, owner: wallet, state: 'approved', assetId, offset: 0, limit: 1000 }).items;
        const block = await h.conn.provider.getBlock('latest');
        const chainNow = block?.timestamp ?? Math.floor(Date.now() / 1000);
        const items: Buyer[] = [];
        for (const r of rows) {
          const onChain = await registry.request(BigInt(r.requestId));
          if (onChain?.status !== 'approved') continue;
          const cert = catalog.certificates.byToken(h.chainId, registry.address, r.tokenId);
          const version = cert?.versionId != null ? (catalog.versions.get(cert.versionId)?.number ?? null) : null;
          const expired = onChain.expiresAt !== 0 && chainNow >= onChain.expiresAt;
          items.push({
            requestId: r.requestId,
            requester: r.requester,
            amountWei: r.amountWei,
            tokenId: r.tokenId,
            version,
            expiresAt: onChain.expiresAt === 0 ? null : new Date(onChain.expiresAt * 1000).toISOString(),
            state: expired ? 'expired' : 'active',
          });
        }
        const live = await current(assetId).catch(() => null);
        const token = live === null ? null : await registry.asset(BigInt(live.tokenId)).catch(() => null);
        return { items, accessDays: token === null ? 0 : Math.round(token.accessPeriod / DAY) };
      },
    },
  };
}
