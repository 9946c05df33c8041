/**
 * The storage client's funding: sending ETH to the node's address and having the node credit it,
 * and the error for a balance that is short. Split from client.ts (the StorageClient methods call
 * these).
 */
import { Wallet } from 'ethers';
import { sendEther, type ChainConnection } from '../chain/client';
import type { IrysClient } from './chunked';
import type { FundResult } from './client-types';
import { StorageError, networkErrorCode } from './errors';
import { amount, formatAtomic, type Amount } from './format';

/** What funding needs of the client. */
export interface FundingClient {
  readonly irys: IrysClient;
  readonly nodeUrl: string;
  readonly rpcUrl: string;
  readonly ticker: string;
  readonly privateKey: string;
  nodeAddress(): Promise<string>;
  amount(atomic: bigint): Amount;
}

/** An RPC URL in one spelling (scheme and host lower case, no trailing slash), to compare endpoints. */
function endpoint(url: string): string {
  try {
    return new URL(url).href.replace(/\/+$/, '');
  } catch {
    return url.replace(/\/+$/, '');
  }
}

/** The body of StorageClient.fund (see there). */
export async function fundNode(c: FundingClient, amountWei: bigint | string, chain: ChainConnection): Promise<FundResult> {
  const value = BigInt(amountWei);
  if (value <= 0n) throw new StorageError('FUNDING_FAILED', 'The amount to fund must be more than 0.');
  if (endpoint(chain.url) !== endpoint(c.rpcUrl)) {
    throw new StorageError(
      'FUNDING_FAILED',
      `The storage node at ${c.nodeUrl} is paid on the chain at ${c.rpcUrl}, but this payment would have gone through ${chain.url}, so nothing was sent. Try again; if it happens again, restart Ativo.`,
    );
  }
  const to = await c.nodeAddress();
  let txHash: string | undefined;
  try {
    const sent = await sendEther(chain, new Wallet(c.privateKey, chain.provider), to, value);
    txHash = sent.hash;
    await sent.wait({ timeoutMs: 10 * 60_000 });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const what = formatAtomic(value, c.ticker);
    throw new StorageError(
      'FUNDING_FAILED',
      txHash === undefined ? `Could not send ${what} to the storage node's address ${to}: ${msg}` : `Sent ${what} to the storage node's address ${to} in ${txHash}, but it did not go through: ${msg}`,
      { cause: e },
    );
  }
  let res: { status: number; data?: unknown };
  try {
    res = await c.irys.funder.submitFundTransaction(txHash);
  } catch (e) {
    if (networkErrorCode(e)) throw new StorageError('NODE_UNREACHABLE', `Sent ${formatAtomic(value, c.ticker)} in ${txHash}, but the storage node at ${c.nodeUrl} is not reachable to credit it; submit the transaction again when it is.`, { cause: e });
    const msg = e instanceof Error ? e.message : String(e);
    throw new StorageError('FUNDING_FAILED', `Sent ${formatAtomic(value, c.ticker)} in ${txHash}, but the storage node did not credit it: ${msg}`, { cause: e });
  }
  return { txHash, amount: c.amount(value), status: res.status === 202 ? 'pending' : 'credited' };
}

/** INSUFFICIENT_BALANCE for uploading `path`: the price, the balance and what is missing. */
export function shortfallError(ticker: string, needed: bigint, balance: bigint, path: string, cause?: unknown): StorageError {
  const short = needed > balance ? needed - balance : 0n;
  return new StorageError(
    'INSUFFICIENT_BALANCE',
    `Your storage balance is short by ${formatAtomic(short, ticker)} to upload ${path} (price ${formatAtomic(needed, ticker)}, balance ${formatAtomic(balance, ticker)}).`,
    { cause, shortfall: { needed: amount(needed, ticker), balance: amount(balance, ticker), shortBy: amount(short, ticker) } },
  );
}
