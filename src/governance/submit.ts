/**
 * Submitting a consented change of terms (issue 17) as a durable job, by the token's owner:
 *
 *   proposal.submit  1. tx     changeTerms(tokenId, terms, consent) signed WITHOUT sending it,
 *                               saved (hash + raw + nonce) in the checkpoint, then broadcast under
 *                               the wallet's send lock; waited for until mined
 *                    2. record the proposal marked submitted, the audit log told
 *
 * Idempotent: after a crash the saved transaction is waited for (re-broadcast, same nonce); if its
 * nonce went to another transaction it is dropped and the job looks again. If the token's consent
 * nonce already moved (an earlier run, another computer), the chain's terms are compared with the
 * proposal's: the same, the job finishes without sending anything; different, it stops and says so.
 */
import type { Wallet } from 'ethers';
import { z } from 'zod';
import type { Catalog } from '../catalog/db';
import { registryInterface } from '../chain/abi';
import { broadcastTx, isChainError, txStatus, waitForTx, withAccountLock, type ChainConnection, type RegistryClient } from '../chain/client';
import { prepareTx } from '../chain/tx';
import { PermanentJobError, type JobQueue, type JobRun, type JsonObject } from '../jobs';
import { faultPoint } from '../util/fault';
import { reissueCertificate } from '../terms/jobs';
import { ProposalDoc } from './proposal';

export const SUBMIT_JOB_KIND = 'proposal.submit';
export const submitKey = (network: string, proposalId: string): string => `proposal:${network}:${proposalId.toLowerCase()}`;

export const SubmitCheckpoint = z.looseObject({
  network: z.string().min(1),
  assetId: z.number().int().nullable(),
  proposalId: z.string().regex(/^0x[0-9a-f]{64}$/),
  /** The token's owner: who sends the change (it consents by sending it, if it is a payee). */
  owner: z.string().min(1),
  proposal: ProposalDoc,
  signers: z.array(z.string()),
  signatures: z.array(z.string()),
  tx: z.object({ hash: z.string(), raw: z.string(), nonce: z.number().int().nonnegative() }).optional(),
  txHash: z.string().optional(),
  blockNumber: z.number().int().optional(),
  adopted: z.boolean().optional(),
  /** The asset's certificate re-issued with the new terms (when this catalog holds the asset). */
  certificateId: z.number().int().optional(),
});
export type SubmitCheckpoint = z.output<typeof SubmitCheckpoint>;

export interface SubmitDeps {
  catalog: Catalog;
  chain(network: string): Promise<{ conn: ChainConnection; registry: RegistryClient; chainId: number; registryAddress: string }>;
  signer(owner: string): Promise<Wallet>;
  onChanged?(assetId: number | null): void;
}

const sameAddr = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Whether the token's terms on chain are the proposal's. */
function chainHasTerms(a: { termsHash: string; price: bigint; accessPeriod: number; split: { payee: string; bps: number }[] }, p: ProposalDoc): boolean {
  const t = p.terms;
  return (
    a.termsHash.toLowerCase() === t.termsHash.toLowerCase() &&
    a.price.toString() === t.price &&
    a.accessPeriod === t.accessPeriod &&
    a.split.length === t.payees.length &&
    a.split.every((s, i) => sameAddr(s.payee, t.payees[i] ?? '') && s.bps === t.bps[i])
  );
}

export function registerSubmitJob(queue: JobQueue, deps: SubmitDeps): void {
  queue.register(SUBMIT_JOB_KIND, {
    checkpoint: SubmitCheckpoint,
    input: SubmitCheckpoint,
    concurrency: 1,
    retry: { baseMs: 3_000, factor: 2, maxDelayMs: 5 * 60_000, maxAttempts: 10 },
    isPermanent: (e: unknown) => isChainError(e) && (e.code === 'REVERTED' || e.code === 'INVALID_ARGUMENT' || e.code === 'INSUFFICIENT_FUNDS'),
    run: (ctx) => run(ctx, deps),
  });
}

async function run(ctx: JobRun<SubmitCheckpoint>, deps: SubmitDeps): Promise<JsonObject> {
  const cp: SubmitCheckpoint = { ...ctx.checkpoint };
  const save = (patch: Partial<SubmitCheckpoint>, progress: number): void => {
    Object.assign(cp, patch);
    ctx.saveCheckpoint(cp, progress);
  };
  const { conn, registry } = await deps.chain(cp.network);
  const p = cp.proposal;
  const tokenId = BigInt(p.tokenId);

  if (cp.tx !== undefined && cp.txHash === undefined) {
    if ((await txStatus(conn, cp.tx.hash)) === 'unknown' && (await conn.provider.getTransactionCount(cp.owner, 'latest')) > cp.tx.nonce) {
      save({ tx: undefined }, 0.1); // its nonce went to another transaction: it can never be mined
    }
  }

  if (cp.tx === undefined && cp.txHash === undefined) {
    ctx.progress(0.1, 'Reading the asset on chain');
    const a = await registry.asset(tokenId);
    if (a === null) throw new PermanentJobError(`Asset token #${p.tokenId} is not registered on this network's registry.`);
    if (!sameAddr(a.owner, cp.owner)) throw new PermanentJobError(`This asset's token belongs to ${a.owner}, not to the wallet ${cp.owner}: only its owner can submit the change.`);
    const g = registryInterface.decodeFunctionResult('governanceOf', await conn.provider.call({ to: registry.address, data: registryInterface.encodeFunctionData('governanceOf', [tokenId]) }));
    const nonce = (g[1] as bigint).toString();
    if (nonce !== p.nonce) {
      if (!chainHasTerms(a, p)) throw new PermanentJobError('The terms of this asset changed since this proposal was made, so its signatures no longer apply: propose the change again.');
      save({ adopted: true, txHash: '', blockNumber: await conn.provider.getBlockNumber() }, 0.7);
    } else {
      const signer = (await deps.signer(cp.owner)).connect(conn.provider);
      const terms = { termsHash: p.terms.termsHash, price: BigInt(p.terms.price), accessPeriod: BigInt(p.terms.accessPeriod), payees: p.terms.payees, bps: p.terms.bps };
      const consent = { nonce: BigInt(p.nonce), deadline: BigInt(p.deadline), signers: cp.signers, signatures: cp.signatures };
      const call = { to: registry.address, data: registryInterface.encodeFunctionData('changeTerms', [tokenId, terms, consent]), action: 'changeTerms' as const };
      await withAccountLock(conn, cp.owner, async () => {
        const prepared = await prepareTx(conn, signer, call);
        save({ tx: { hash: prepared.hash, raw: prepared.raw, nonce: prepared.nonce } }, 0.3);
        faultPoint('proposal:after-tx-saved');
        await broadcastTx(conn, { raw: prepared.raw, hash: prepared.hash, action: 'changeTerms' }).catch(() => undefined); // its errors are handled below
      });
    }
  }

  if (cp.tx !== undefined && cp.txHash === undefined) {
    ctx.progress(0.5, 'Changing the terms on chain');
    try {
      await broadcastTx(conn, { raw: cp.tx.raw, hash: cp.tx.hash, action: 'changeTerms' });
    } catch (e) {
      if (isChainError(e) && e.code === 'NONCE') throw new Error(`The transaction ${cp.tx.hash} was replaced; looking again.`, { cause: e });
      throw e;
    }
    const receipt = await waitForTx(conn, cp.tx.hash, { action: 'changeTerms' });
    save({ txHash: cp.tx.hash, blockNumber: receipt.blockNumber }, 0.8);
  }

  const now = new Date().toISOString();
  if (cp.assetId !== null && cp.certificateId === undefined) {
    // The version's certificate again, with the new terms (the same step as a terms change's).
    ctx.progress(0.9, 'Re-issuing the certificate');
    const certificateId = await reissueCertificate(
      { assetId: cp.assetId, network: cp.network, tokenId: p.tokenId, owner: cp.owner, license: p.license, terms: p.termsText, priceWei: p.terms.price, split: p.terms.payees.map((payee, i) => ({ address: payee, bps: p.terms.bps[i] ?? 0 })) },
      { catalog: deps.catalog, chain: (n) => deps.chain(n), signer: (o) => deps.signer(o) },
      now,
    );
    save({ certificateId }, 0.95);
  }
  deps.catalog.transaction(() => {
    const row = deps.catalog.proposals.get(cp.network, cp.proposalId);
    if (row?.state !== 'submitted') {
      deps.catalog.proposals.setState(cp.network, cp.proposalId, 'submitted', now);
      deps.catalog.audit.append({
        at: now,
        actor: cp.owner,
        action: 'proposal.submitted',
        details: { network: cp.network, tokenId: p.tokenId, proposalId: cp.proposalId, priceWei: p.terms.price, termsHash: p.terms.termsHash, accessPeriod: p.terms.accessPeriod, split: p.terms.payees.map((payee, i) => `${payee}:${p.terms.bps[i] ?? 0}`).join(','), consenting: [cp.owner, ...cp.signers], txHash: cp.txHash ?? '', adopted: cp.adopted === true },
      });
    }
  });
  deps.onChanged?.(cp.assetId);
  return { tokenId: p.tokenId, proposalId: cp.proposalId, txHash: cp.txHash ?? '', adopted: cp.adopted === true };
}
