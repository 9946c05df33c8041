/**
 * Changing an asset's terms and listing after publishing, as durable jobs (issue 14), each one
 * transaction on the token of the asset's latest version:
 *
 *   terms.update  1. tx    updateTerms(tokenId, termsHash, price) signed WITHOUT sending it, saved
 *                          (hash + raw + nonce) in the checkpoint, then broadcast, under the
 *                          wallet's send lock; waited for until mined
 *                 2. cert  the version's certificate re-issued with the new terms (same version,
 *                          same registration, new terms hash and price), signed by the owner; the
 *                          one it replaces is kept and marked superseded
 *   terms.sale    1. tx    setForSale(tokenId, forSale), same care
 *                 2. index the listing recorded in the catalog
 *
 * After a crash the saved transaction is waited for (re-broadcast, same nonce) instead of signing
 * another; if its nonce went to another transaction it is dropped and the job looks again. A
 * change already on chain (an earlier run, another computer) is adopted, never sent twice.
 */
import type { Wallet } from 'ethers';
import type { Catalog } from '../catalog/db';
import { broadcastTx, isChainError, txStatus, withAccountLock, type ChainConnection, type RegistryClient } from '../chain/client';
import { signCertificate, type Certificate, type CertificateBody } from '../chain/certificate';
import { z } from 'zod';
import type { JobQueue, JobRun, JsonObject } from '../jobs';
import { PermanentJobError } from '../jobs';
import { termsHash } from '../publish/pipeline';
import { faultPoint } from '../util/fault';

export const TERMS_JOB_KIND = 'terms.update';
export const SALE_JOB_KIND = 'terms.sale';
export const TERMS_JOB_KINDS: readonly string[] = [TERMS_JOB_KIND, SALE_JOB_KIND];

/** One live terms change, and one live listing change, per token and network. */
export const termsKey = (network: string, tokenId: string): string => `terms:${network}:${tokenId}`;
export const saleKey = (network: string, tokenId: string): string => `sale:${network}:${tokenId}`;

/** The jobs' checkpoint, parsed by the queue before each run (a damaged one fails the job with a sentence). */
export const TermsCheckpoint = z.looseObject({
  assetId: z.number().int(),
  network: z.string().min(1),
  tokenId: z.string().regex(/^\d+$/),
  /** The wallet that signs (the token's owner when asked). */
  owner: z.string().min(1),
  /** terms.update: the license id, its full terms text (access period included) and the price. */
  license: z.string().optional(),
  terms: z.string().optional(),
  priceWei: z.string().regex(/^\d+$/).optional(),
  /** A consented change of split (issue 17, proposal.submit): the certificate names the new payees. */
  split: z.array(z.object({ address: z.string(), bps: z.number().int() })).optional(),
  /** terms.sale */
  forSale: z.boolean().optional(),
  tx: z.object({ hash: z.string(), raw: z.string(), nonce: z.number().int().nonnegative() }).optional(),
  txHash: z.string().optional(),
  blockNumber: z.number().int().optional(),
  /** The change was found on chain already (nothing sent by this job). */
  adopted: z.boolean().optional(),
  /** terms.update: the re-issued certificate's id. */
  certificateId: z.number().int().optional(),
});
export type TermsCheckpoint = z.output<typeof TermsCheckpoint>;

export interface TermsJobDeps {
  catalog: Catalog;
  chain(network: string): Promise<{ conn: ChainConnection; registry: RegistryClient; chainId: number; registryAddress: string }>;
  signer(owner: string): Promise<Wallet>;
  /** After the change is recorded: tell the shells. */
  onChanged?(assetId: number): void;
}

const sameHash = (a: string, b: string): boolean => a.replace(/^0x/i, '').toLowerCase() === b.replace(/^0x/i, '').toLowerCase();

export function registerTermsJobs(queue: JobQueue, deps: TermsJobDeps): void {
  const options = {
    concurrency: 1,
    retry: { baseMs: 3_000, factor: 2, maxDelayMs: 5 * 60_000, maxAttempts: 10 },
    // A reverted change (the token changed hands meanwhile) will not succeed by retrying.
    isPermanent: (e: unknown) => isChainError(e) && (e.code === 'REVERTED' || e.code === 'INVALID_ARGUMENT' || e.code === 'INSUFFICIENT_FUNDS'),
  };
  const typed = { checkpoint: TermsCheckpoint, input: TermsCheckpoint, ...options };
  queue.register(TERMS_JOB_KIND, { ...typed, run: (ctx) => run(ctx, 'terms', deps) });
  queue.register(SALE_JOB_KIND, { ...typed, run: (ctx) => run(ctx, 'sale', deps) });
}

async function run(ctx: JobRun<TermsCheckpoint>, kind: 'terms' | 'sale', deps: TermsJobDeps): Promise<JsonObject> {
  const cp: TermsCheckpoint = { ...ctx.checkpoint };
  const save = (patch: Partial<TermsCheckpoint>, progress: number): void => {
    Object.assign(cp, patch);
    ctx.saveCheckpoint(cp, progress);
  };
  const { conn, registry } = await deps.chain(cp.network);
  const action = kind === 'terms' ? 'updateTerms' : 'setForSale';

  if (cp.tx !== undefined && cp.txHash === undefined) {
    // A run before this one signed (and maybe sent) the change: never sign another while it may still be mined.
    if ((await txStatus(conn, cp.tx.hash)) === 'unknown' && (await conn.provider.getTransactionCount(cp.owner, 'latest')) > cp.tx.nonce) {
      save({ tx: undefined }, 0.1); // its nonce went to another transaction: it can never be mined
    }
  }

  if (cp.tx === undefined && cp.txHash === undefined) {
    ctx.progress(0.1, 'Reading the asset on chain');
    const token = await registry.asset(BigInt(cp.tokenId));
    if (token === null) throw new PermanentJobError(`Asset token #${cp.tokenId} is not registered on this network's registry: publish the asset again.`);
    if (token.owner.toLowerCase() !== cp.owner.toLowerCase()) {
      throw new PermanentJobError(`This asset's token belongs to ${token.owner}, not to the wallet ${cp.owner}: only its owner can change it. Switch to that wallet and try again.`);
    }
    const done = kind === 'terms' ? sameHash(token.termsHash, termsHash(cp.terms ?? '')) && token.price.toString() === cp.priceWei : token.forSale === cp.forSale;
    if (done) {
      const block = await conn.provider.getBlockNumber();
      save({ adopted: true, txHash: '', blockNumber: block }, 0.7);
    } else {
      const signer = (await deps.signer(cp.owner)).connect(conn.provider);
      const call = kind === 'terms' ? registry.calls.updateTerms(BigInt(cp.tokenId), termsHash(cp.terms ?? ''), BigInt(cp.priceWei ?? '0')) : registry.calls.setForSale(BigInt(cp.tokenId), cp.forSale === true);
      // Prepared, saved and sent under the wallet's lock: no other job takes the same nonce.
      await withAccountLock(conn, cp.owner, async () => {
        const prepared = await registry.prepare(signer, call);
        // Saved before it leaves: after a crash we wait for this very transaction.
        save({ tx: { hash: prepared.hash, raw: prepared.raw, nonce: prepared.nonce } }, 0.3);
        faultPoint('terms:after-tx-saved');
        await broadcastTx(conn, { raw: prepared.raw, hash: prepared.hash, action }).catch(() => undefined); // its errors are handled below
      });
    }
  }

  if (cp.tx !== undefined && cp.txHash === undefined) {
    ctx.progress(0.5, kind === 'terms' ? 'Changing the terms on chain' : 'Changing the listing on chain');
    try {
      await broadcastTx(conn, { raw: cp.tx.raw, hash: cp.tx.hash, action });
    } catch (e) {
      if (isChainError(e) && e.code === 'NONCE') throw new Error(`The transaction ${cp.tx.hash} was replaced; looking again.`, { cause: e });
      throw e;
    }
    faultPoint('terms:after-broadcast');
    const mined = await registry.resume(action, cp.tx.hash);
    save({ txHash: cp.tx.hash, blockNumber: mined.receipt.blockNumber }, 0.7);
  }

  const now = new Date().toISOString();
  if (kind === 'sale') {
    deps.catalog.listings.set(cp.network, cp.tokenId, cp.forSale === true, cp.blockNumber ?? 0, now);
  } else if (cp.certificateId === undefined) {
    ctx.progress(0.8, 'Re-issuing the certificate');
    save({ certificateId: await reissueCertificate(cp, deps, now) }, 0.95);
  }
  deps.onChanged?.(cp.assetId);
  return { tokenId: cp.tokenId, txHash: cp.txHash ?? '', adopted: cp.adopted === true, ...(cp.certificateId !== undefined ? { certificateId: cp.certificateId } : {}) };
}

/**
 * The version's certificate again, with the new terms: same asset, split, storage and
 * registration; signed by the owner. The one it replaces stays in the catalog, superseded.
 */
export async function reissueCertificate(cp: TermsCheckpoint, deps: TermsJobDeps, now: string): Promise<number> {
  const { catalog } = deps;
  const { chainId, registryAddress } = await deps.chain(cp.network);
  const current = catalog.certificates
    .ofToken(cp.network, cp.tokenId)
    .find((c) => c.chainId === chainId && c.registry.toLowerCase() === registryAddress.toLowerCase() && (c.supersededAt ?? null) === null);
  if (current === undefined) {
    throw new PermanentJobError(`The terms of token #${cp.tokenId} changed on chain, but this computer holds no certificate of it to re-issue: publish the asset from the computer that did.`);
  }
  const terms = cp.terms ?? '';
  const doc = current.document as Certificate;
  const split = cp.split ?? doc.split;
  const sameSplit = split.length === doc.split.length && doc.split.every((d, i) => d.address.toLowerCase() === split[i]?.address.toLowerCase() && d.bps === split[i].bps);
  if (sameHash(doc.license.termsHash, termsHash(terms)) && doc.license.price === cp.priceWei && sameSplit) return current.id; // already re-issued
  const { signature: _s, eip712: _e, ...old } = doc;
  const body: CertificateBody = { ...old, split, license: { ...old.license, terms, termsHash: termsHash(terms), price: cp.priceWei ?? '0' } };
  const cert = await signCertificate(body, await deps.signer(body.owner));
  return catalog.transaction(() => {
    const id = catalog.certificates.add({
      assetId: current.assetId,
      versionId: current.versionId,
      network: current.network,
      chainId: current.chainId,
      registry: current.registry,
      tokenId: current.tokenId,
      txHash: current.txHash,
      blockNumber: current.blockNumber,
      document: cert,
      createdAt: now,
    });
    catalog.certificates.supersede(current.id, id, now);
    // The asset's current terms, when this is its latest version (a new version starts from them).
    const asset = catalog.assets.get(current.assetId);
    if (asset && catalog.certificates.latest(current.assetId)?.id === id) {
      catalog.certificates.setTerms(current.assetId, { visibility: asset.visibility, license: cp.license ?? 'custom', priceWei: cp.priceWei ?? '0', split: body.split }, now);
    }
    return id;
  });
}
