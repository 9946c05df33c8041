/**
 * Withdrawing an account's balance as one durable job (`withdraw`):
 *   1. prepare  read withdrawable(account); sign `withdraw()` WITHOUT sending it and save the
 *               signed tx (hash + raw) in the checkpoint
 *   2. send     (re-)broadcast that very tx (idempotent) and wait for its receipt
 * After a crash anywhere, the next run finds the saved tx and waits for it (re-broadcasting
 * the same bytes, same nonce) instead of signing another: at most one withdrawal transaction
 * per job. If the saved tx can never be mined (its nonce was used by another transaction of
 * the account), it is dropped and the job starts over, which is safe for the same reason.
 */
import type { Wallet } from 'ethers';
import { broadcastTx, txStatus, withAccountLock, type ChainConnection, type RegistryClient } from '../chain/client';
import { isChainError } from '../chain/errors';
import { z } from 'zod';
import type { JobQueue, JobRun, JsonObject } from '../jobs';
import { PermanentJobError } from '../jobs';
import { faultPoint } from '../util/fault';

export const WITHDRAW_JOB_KIND = 'withdraw';

/** The job's checkpoint, parsed by the queue before each run (a damaged one fails the job with a sentence). */
export const WithdrawCheckpoint = z.looseObject({
  network: z.string().min(1),
  account: z.string().min(1),
  /** What was withdrawable when asked (then: what the signed tx withdraws / withdrew). */
  amountWei: z.string().regex(/^\d+$/),
  tx: z.object({ hash: z.string(), raw: z.string(), nonce: z.number().int().nonnegative() }).optional(),
  txHash: z.string().optional(),
  blockNumber: z.number().int().optional(),
});
export type WithdrawCheckpoint = z.output<typeof WithdrawCheckpoint>;

export interface WithdrawDeps {
  chain(network: string): Promise<{ conn: ChainConnection; registry: RegistryClient }>;
  signer(account: string): Promise<Wallet>;
  /** After the withdrawal is mined: index it and tell the shells. */
  onWithdrawn(network: string): Promise<void>;
}

/** The job's dedupe key: one live withdrawal per account and network. */
export const withdrawKey = (network: string, account: string): string => `withdraw:${network}:${account.toLowerCase()}`;

export function registerWithdrawJobs(queue: JobQueue, deps: WithdrawDeps): void {
  queue.register(WITHDRAW_JOB_KIND, {
    checkpoint: WithdrawCheckpoint,
    input: WithdrawCheckpoint,
    run: (ctx) => runWithdraw(ctx, deps),
    concurrency: 1,
    retry: { baseMs: 3_000, factor: 2, maxDelayMs: 5 * 60_000, maxAttempts: 10 },
    // A reverted withdrawal (e.g. the balance was withdrawn elsewhere) will not succeed by retrying.
    isPermanent: (e) => isChainError(e) && e.code === 'REVERTED',
  });
}

async function runWithdraw(ctx: JobRun<WithdrawCheckpoint>, deps: WithdrawDeps): Promise<JsonObject> {
  const cp: WithdrawCheckpoint = { ...ctx.checkpoint };
  const save = (patch: Partial<WithdrawCheckpoint>, progress: number): void => {
    Object.assign(cp, patch);
    ctx.saveCheckpoint(cp, progress);
  };
  const { conn, registry } = await deps.chain(cp.network);

  if (cp.tx !== undefined && cp.txHash === undefined) {
    // A run before this one signed (and maybe sent) a withdrawal: never sign another while it may still be mined.
    const status = await txStatus(conn, cp.tx.hash);
    if (status === 'unknown') {
      const used = await conn.provider.getTransactionCount(cp.account, 'latest');
      if (used > cp.tx.nonce) {
        // Its nonce went to another transaction: this one can never be mined. Start over.
        save({ tx: undefined }, 0.1);
      }
    }
  }

  if (cp.tx === undefined && cp.txHash === undefined) {
    ctx.progress(0.1, 'Reading the withdrawable balance');
    const amount = await registry.withdrawable(cp.account);
    if (amount === 0n) throw new PermanentJobError('Nothing to withdraw: the balance on chain is 0.');
    const signer = (await deps.signer(cp.account)).connect(conn.provider);
    // Prepared, saved and sent under the wallet's lock: no other job takes the same nonce.
    await withAccountLock(conn, cp.account, async () => {
      const prepared = await registry.prepare(signer, registry.calls.withdraw());
      // Saved before it leaves: after a crash we wait for this very transaction.
      save({ amountWei: amount.toString(), tx: { hash: prepared.hash, raw: prepared.raw, nonce: prepared.nonce } }, 0.3);
      faultPoint('withdraw:after-tx-saved');
      await broadcastTx(conn, { raw: prepared.raw, hash: prepared.hash, action: 'withdraw' }).catch(() => undefined); // its errors are handled below
    });
  }

  if (cp.tx !== undefined && cp.txHash === undefined) {
    ctx.progress(0.5, `Withdrawing: transaction ${cp.tx.hash}`);
    try {
      await broadcastTx(conn, { raw: cp.tx.raw, hash: cp.tx.hash, action: 'withdraw' });
    } catch (e) {
      // NONCE: the nonce went to another transaction (checked again on the next run).
      if (isChainError(e) && e.code === 'NONCE') throw new Error(`The withdrawal transaction ${cp.tx.hash} was replaced; checking again.`, { cause: e });
      throw e;
    }
    faultPoint('withdraw:after-broadcast');
    ctx.progress(0.7, `Waiting for transaction ${cp.tx.hash}`);
    const mined = await registry.resume('withdraw', cp.tx.hash);
    save({ amountWei: mined.result.amount.toString(), txHash: cp.tx.hash, blockNumber: mined.receipt.blockNumber }, 0.9);
  }

  await deps.onWithdrawn(cp.network);
  return { txHash: cp.txHash ?? '', amountWei: cp.amountWei, blockNumber: cp.blockNumber ?? 0 };
}
