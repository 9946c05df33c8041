/**
 * Sending transactions in steps a crash-safe caller can record:
 *
 *   prepareTx   estimate gas (a revert surfaces here, explained), pick nonce and fees, sign.
 *               Nothing is sent; the result carries the hash and the raw signed bytes.
 *   broadcastTx send the raw transaction; idempotent (re-sending a known or already mined
 *               transaction is not an error), so a recorded raw tx can be re-broadcast after a crash.
 *   waitForTx   poll for the receipt; a revert throws a ChainError with the decoded reason.
 *
 * `sendTx` = prepare + broadcast under a per-account lock (so concurrent sends from one
 * account in this process never pick the same nonce); it returns once the node accepted
 * the transaction, with its hash, before any receipt exists.
 */
import { Transaction, type Signer, type TransactionReceipt, type TransactionRequest } from 'ethers';
import { ChainError, toChainError, type RegistryAction } from './errors';
import type { ChainConnection } from './provider';

export interface TxCall {
  /** Omitted for a contract deployment. */
  to?: string;
  data: string;
  value?: bigint;
  /** What this is, for error messages. */
  action: RegistryAction;
}

export interface PreparedTx {
  hash: string;
  /** The signed transaction, 0x-hex; can be (re-)broadcast as is. */
  raw: string;
  from: string;
  nonce: number;
  chainId: bigint;
  to: string | null;
  value: bigint;
  gasLimit: bigint;
  action: RegistryAction;
}

export interface SentTx {
  hash: string;
  from: string;
  nonce: number;
  raw: string;
}

export interface PrepareOptions {
  nonce?: number;
  gasLimit?: bigint;
}

export interface WaitOptions {
  /** Give up after this long (default 5 minutes). */
  timeoutMs?: number;
  /** Blocks, including the one holding the transaction (default 1). */
  confirmations?: number;
  /** For the error message if it reverts. */
  action?: RegistryAction;
}

/** Signs a call without sending it. Reverts are caught by gas estimation and explained. */
export async function prepareTx(conn: ChainConnection, signer: Signer, call: TxCall, opts: PrepareOptions = {}): Promise<PreparedTx> {
  const ctx: { url: string; action: RegistryAction; from?: string } = { url: conn.url, action: call.action };
  const p = conn.provider;
  let from: string;
  let gasLimit: bigint;
  let nonce: number;
  let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };
  try {
    from = await signer.getAddress();
    ctx.from = from;
    const value = call.value ?? 0n;
    const request: TransactionRequest = { from, data: call.data, value, ...(call.to !== undefined ? { to: call.to } : {}) };
    if (opts.gasLimit !== undefined) {
      gasLimit = opts.gasLimit;
    } else {
      const estimate = await p.estimateGas(request);
      gasLimit = (estimate * 12n) / 10n + 10_000n;
    }
    nonce = opts.nonce ?? (await p.getTransactionCount(from, 'pending'));
    const fee = await p.getFeeData();
    if (fee.maxFeePerGas !== null && fee.maxPriorityFeePerGas !== null) {
      fees = { maxFeePerGas: fee.maxFeePerGas, maxPriorityFeePerGas: fee.maxPriorityFeePerGas };
    } else if (fee.gasPrice !== null) {
      fees = { gasPrice: fee.gasPrice };
    } else {
      throw new ChainError('RPC_ERROR', `The chain at ${conn.url} reported no gas price.`, ctx);
    }
  } catch (e) {
    throw toChainError(e, ctx);
  }
  const value = call.value ?? 0n;
  const tx: TransactionRequest = {
    type: 'maxFeePerGas' in fees ? 2 : 0,
    chainId: conn.chainId,
    nonce,
    gasLimit,
    data: call.data,
    value,
    from,
    ...fees,
    ...(call.to !== undefined ? { to: call.to } : {}),
  };
  let raw: string;
  try {
    raw = await signer.signTransaction(tx);
  } catch (e) {
    throw toChainError(e, ctx);
  }
  const hash = Transaction.from(raw).hash;
  if (hash === null) throw new ChainError('UNKNOWN', 'The signed transaction has no hash.', ctx);
  return { hash, raw, from, nonce, chainId: conn.chainId, to: call.to ?? null, value, gasLimit, action: call.action };
}

/**
 * Sends a signed transaction and returns its hash. Re-sending one the node already has, or
 * one already mined, succeeds without sending it twice.
 */
export async function broadcastTx(conn: ChainConnection, prepared: Pick<PreparedTx, 'raw' | 'hash' | 'action'> & { from?: string }): Promise<string> {
  try {
    const hash = (await conn.provider.send('eth_sendRawTransaction', [prepared.raw])) as unknown;
    if (typeof hash !== 'string') throw new ChainError('RPC_ERROR', `The chain at ${conn.url} answered eth_sendRawTransaction with ${JSON.stringify(hash)}.`, { url: conn.url });
    return hash;
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    if (/already known|known transaction|already imported/i.test(text)) return prepared.hash;
    const err = toChainError(e, { url: conn.url, action: prepared.action, ...(prepared.from !== undefined ? { from: prepared.from } : {}) });
    if (err.code === 'NONCE') {
      // Maybe this very transaction was mined before a crash: then it is not an error.
      const mined = await conn.provider.getTransactionReceipt(prepared.hash).catch(() => null);
      if (mined !== null) return prepared.hash;
    }
    throw err;
  }
}

const locks = new Map<string, Promise<unknown>>();
/** Runs `fn` after every earlier call with the same key has settled. */
async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    if (locks.get(key) === tail) locks.delete(key);
  }
}

/**
 * Runs `fn` holding the account's send lock (the one sendTx takes): a durable job that prepares
 * a transaction, saves it, then broadcasts it does all three inside, so two jobs signing from one
 * wallet never pick the same pending nonce.
 */
export function withAccountLock<T>(conn: Pick<ChainConnection, 'url'>, from: string, fn: () => Promise<T>): Promise<T> {
  return withLock(`${conn.url}|${from.toLowerCase()}`, fn);
}

/** Prepares and broadcasts; returns as soon as the node accepted the transaction. */
export async function sendTx(conn: ChainConnection, signer: Signer, call: TxCall, opts: PrepareOptions = {}): Promise<SentTx & { prepared: PreparedTx }> {
  let from: string;
  try {
    from = (await signer.getAddress()).toLowerCase();
  } catch (e) {
    throw toChainError(e, { url: conn.url, action: call.action });
  }
  return withLock(`${conn.url}|${from}`, async () => {
    const prepared = await prepareTx(conn, signer, call, opts);
    const hash = await broadcastTx(conn, prepared);
    return { hash, from: prepared.from, nonce: prepared.nonce, raw: prepared.raw, prepared };
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Waits for a transaction's receipt. Throws a ChainError: REVERTED (with the decoded reason
 * when it can be recovered), TX_NOT_FOUND (the node does not know the hash) or TIMEOUT.
 */
export async function waitForTx(conn: ChainConnection, hash: string, opts: WaitOptions = {}): Promise<TransactionReceipt> {
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const confirmations = Math.max(1, opts.confirmations ?? 1);
  const deadline = Date.now() + timeoutMs;
  const ctx = { url: conn.url, ...(opts.action !== undefined ? { action: opts.action } : {}) };
  let delay = 25;
  for (;;) {
    let receipt: TransactionReceipt | null;
    try {
      receipt = await conn.provider.getTransactionReceipt(hash);
      if (receipt !== null && confirmations > 1) {
        const head = await conn.provider.getBlockNumber();
        if (head - receipt.blockNumber + 1 < confirmations) receipt = null;
      }
    } catch (e) {
      throw toChainError(e, ctx);
    }
    if (receipt !== null) {
      if (receipt.status !== 1) throw await explainFailedTx(conn, receipt, opts.action);
      return receipt;
    }
    if (Date.now() >= deadline) {
      const known = await conn.provider.getTransaction(hash).catch(() => null);
      if (known === null) {
        throw new ChainError('TX_NOT_FOUND', `The chain at ${conn.url} does not know transaction ${hash} (it may have been dropped).`, { ...ctx, txHash: hash });
      }
      throw new ChainError('TIMEOUT', `Transaction ${hash} was not mined within ${Math.round(timeoutMs / 1000)} s.`, { ...ctx, txHash: hash });
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, 1000);
  }
}

/** Where a transaction stands, without waiting. */
export async function txStatus(conn: ChainConnection, hash: string): Promise<'unknown' | 'pending' | 'mined' | 'reverted'> {
  try {
    const receipt = await conn.provider.getTransactionReceipt(hash);
    if (receipt !== null) return receipt.status === 1 ? 'mined' : 'reverted';
    const tx = await conn.provider.getTransaction(hash);
    return tx === null ? 'unknown' : 'pending';
  } catch (e) {
    throw toChainError(e, { url: conn.url });
  }
}

/**
 * Re-runs a reverted transaction as a call to recover the reason: on the state before its
 * block, then (when it was a transaction earlier in the same block that made it fail, as when
 * an owner's `updateTerms` is mined just ahead of a request) on the state after it.
 */
async function explainFailedTx(conn: ChainConnection, receipt: TransactionReceipt, action?: RegistryAction): Promise<ChainError> {
  const base = { url: conn.url, txHash: receipt.hash, ...(action !== undefined ? { action } : {}) };
  const tx = await conn.provider.getTransaction(receipt.hash).catch(() => null);
  if (tx !== null && receipt.gasUsed >= tx.gasLimit) {
    return new ChainError('REVERTED', `Transaction ${receipt.hash} ran out of gas.`, base);
  }
  if (tx !== null) {
    for (const blockTag of [Math.max(0, receipt.blockNumber - 1), receipt.blockNumber]) {
      try {
        await conn.provider.call({ from: tx.from, data: tx.data, value: tx.value, blockTag, ...(tx.to !== null ? { to: tx.to } : {}) });
      } catch (e) {
        const err = toChainError(e, { url: conn.url, ...(action !== undefined ? { action } : {}) });
        if (err.code === 'REVERTED') return new ChainError('REVERTED', err.message, { ...base, ...err.details, txHash: receipt.hash }, { cause: e });
      }
    }
  }
  return new ChainError('REVERTED', `Transaction ${receipt.hash} was reverted by the chain.`, base);
}
