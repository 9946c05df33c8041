/**
 * Publishing a version of an asset: the publish job (src/publish/pipeline.ts), its defaults and
 * prices, and whether a content root is registered. Terms inheritance and version numbering are
 * src/publish/versioning.ts.
 */
import { parseEther } from 'ethers';
import { readContributors } from '../ingest/contributors';
import type { JsonObject } from '../jobs';
import { LICENSES } from '../publish/licenses';
import { PUBLISH_JOB_KIND, publishKey, registerPublishJobs } from '../publish/pipeline';
import { accessPeriodSeconds, changesSinceLatest, previousTerms } from '../publish/terms';
import { inheritTerms, planVersion, TermsRefused } from '../publish/versioning';
import { AtivoError } from '../util/errors';
import { ethText } from '../util/format';
import type { AssetRecord } from '../catalog/assets';
import type { FundStorage } from './publish-quote';
import type { BackendContext, FeatureService } from './context';
import { toResultError } from './public-errors';

/** A consent rule in basis points (undefined: the owner alone, nothing to set). */
const consentBps = (rule: 'owner' | 'all' | number | undefined): number | undefined => (rule === undefined || rule === 'owner' ? undefined : rule === 'all' ? 10_000 : rule * 100);

export type PublishCommand = 'assets.publish' | 'assets.publishDefaults' | 'assets.registration';

/** Funds what a publication's storage lacks (src/api/publish-quote.ts), before it is queued. */
export interface StorageFunder {
  fundFor(asset: AssetRecord, visibility: 'public' | 'private', fund: FundStorage | undefined): Promise<bigint | null>;
}

export function createPublishService(ctx: BackendContext, funder: StorageFunder): FeatureService<PublishCommand> {
  const { catalog, jobs, networks, wallets, chain, storage, ingestor, versionKeys, mustGet } = ctx;
  registerPublishJobs(jobs, {
    catalog,
    stagingDir: ctx.stagingDir,
    chain: async (network) => {
      ctx.onCurrent(network);
      const h = await chain.chain();
      if (!h.registry || h.registryAddress === null) throw new AtivoError('NOT_CONFIGURED', `No AtivoRegistry on ${network}.`);
      return { conn: h.conn, registry: h.registry, chainId: h.chainId, registryAddress: h.registryAddress };
    },
    storage: (network, owner) => {
      ctx.onCurrent(network);
      return storage.client(owner);
    },
    signer: (owner) => wallets.vault.signer(owner),
    keys: versionKeys,
  });
  // A publication's uploads are its child jobs: the last one to end wakes it (src/jobs, parent/child).

  return {
    handlers: {
      'assets.publish': async (input) => {
        mustGet(input.id);
        if (ingestor.isScanning(input.id)) throw new AtivoError('BUSY', 'This asset is being scanned: publish it when the scan ends.');
        const network = networks.current();
        const owner = (await wallets.current()).address; // before the rescan: no wallet, no publication
        let t;
        try {
          const { priceEth, ...rest } = input;
          t = inheritTerms({ ...rest, ...(priceEth !== undefined ? { priceWei: parseEther(priceEth).toString() } : {}) }, previousTerms(catalog, input.id), owner, mustGet(input.id).name);
        } catch (e) {
          if (e instanceof TermsRefused) throw new AtivoError('INVALID_INPUT', e.message);
          throw e;
        }
        const live = jobs
          .list({ kind: PUBLISH_JOB_KIND, assetId: input.id, state: ['queued', 'running', 'paused', 'waiting'], limit: 1000, offset: 0 })
          .items.find((j) => j.dedupeKey === publishKey(input.id, network));
        // Rescan first (unchanged files keep their fingerprints): a changed folder is a new version.
        const a = live === undefined ? await ingestor.scan(input.id) : mustGet(input.id);
        if (a.state !== 'ready' || a.contentRoot === null) throw new AtivoError('BUSY', `${a.name} has no complete scan${a.error !== null ? ` (${a.error})` : ''}: fix it and rescan before publishing.`);
        const latest = catalog.versions.latest(a.id);
        if (live === undefined && latest?.contentRoot === a.contentRoot) {
          const cert = catalog.certificates.forVersion(latest.id, network);
          // Certified on this network's registry (a sandbox registry replaced by a newer contract, or
          // a profile pointed at another registry, does not hold that certificate's registration).
          const registry = cert !== undefined ? (await chain.chain()).registryAddress : null;
          if (cert !== undefined && registry !== null && cert.registry.toLowerCase() === registry.toLowerCase()) {
            return { assetId: a.id, jobId: null, network, owner, version: latest.number, alreadyCertified: { version: latest.number, tokenId: cert.tokenId, certifiedAt: cert.createdAt } };
          }
        }
        const { number: version, previous } = planVersion(latest, a.contentRoot, network, {
          version: (id) => catalog.versions.get(id),
          certificateOf: (versionId, net) => catalog.certificates.forVersion(versionId, net),
          latestCertificate: () => catalog.certificates.latest(a.id),
        });
        // Money as one step (issue 15): what the storage balance lacks is funded now, or the
        // publication is refused with the amount missing; a publication under way is not funded again.
        const funded = live === undefined ? await funder.fundFor(a, t.visibility, input.fundStorage) : null;
        const encryptTo = t.visibility === 'private' ? [await versionKeys.recipient(a, a.contentRoot)] : undefined;
        const { visibility, license, terms, priceWei, approval, split } = t;
        const { job } = jobs.enqueue(PUBLISH_JOB_KIND, {
          assetId: a.id,
          dedupeKey: publishKey(a.id, network),
          checkpoint: JSON.parse(
            JSON.stringify({ assetId: a.id, network, contentRoot: a.contentRoot, owner, visibility, license, terms, priceWei, approval, split, accessPeriodSeconds: accessPeriodSeconds(t.accessDays), encryptTo, previous, description: input.description, consentBps: consentBps(input.consent) }),
          ) as JsonObject,
        });
        return { assetId: a.id, jobId: job.id, network, owner, version, alreadyCertified: null, ...(funded !== null ? { storageFunded: funded.toString() } : {}) };
      },
      'assets.publishDefaults': async (input) => {
        const a = mustGet(input.id);
        const notes: string[] = [];
        const network = networks.current();
        const owner = await wallets.current().then(
          (w) => w.address,
          (e: unknown) => {
            notes.push(toResultError(e).message);
            return null;
          },
        );
        const contributors = await readContributors(a.rootPath).catch(() => []);
        let storageQuote: { atomic: string; formatted: string } | null = null;
        let storageBalance: { atomic: string; formatted: string } | null = null;
        let chainFee: { atomic: string; formatted: string } | null = null;
        if (owner !== null) {
          try {
            const c = await storage.client();
            const toStore = catalog.files.all(a.id).filter((f) => f.sha256 === null || !catalog.uploads.findReusable(network, f.sha256, null)?.storageId);
            let atomic = 0n;
            for (const f of toStore) atomic += BigInt((await c.quote(f.size)).price.atomic);
            storageQuote = { atomic: atomic.toString(), formatted: ethText(atomic) };
            storageBalance = await c.balance();
            const h = await chain.chain();
            const fee = await h.conn.provider.getFeeData();
            const gas = 350_000n; // a registration with a few payees uses ~200-300k gas
            const wei = gas * (fee.maxFeePerGas ?? fee.gasPrice ?? 0n);
            chainFee = { atomic: wei.toString(), formatted: ethText(wei) };
          } catch (e) {
            notes.push(`Prices could not be read now: ${toResultError(e).message}`);
          }
        }
        return {
          owner,
          licenses: Object.entries(LICENSES).map(([id, terms]) => ({ id, terms })),
          contributors,
          storageQuote,
          storageBalance,
          chainFee,
          network,
          notes,
          previous: previousTerms(catalog, a.id),
          changes: changesSinceLatest(catalog, a.id),
        };
      },
      'assets.registration': async (input) => {
        const h = await chain.chain();
        if (!h.registry) throw new AtivoError('NOT_CONFIGURED', `No AtivoRegistry on ${networks.current()}.`);
        const token = await h.registry.tokenOfContentRoot(input.contentRoot.startsWith('0x') ? input.contentRoot : `0x${input.contentRoot}`);
        if (token === null) return { tokenId: null, owner: null };
        return { tokenId: token.toString(), owner: await h.registry.ownerOf(token) };
      },
    },
  };
}
