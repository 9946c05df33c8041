/**
 * Checks a funding transaction against the chain (JSON-RPC through ethers): it must be a plain
 * value transfer to the node's address that succeeded and has enough confirmations.
 */
import type { JsonRpcProvider } from 'ethers';
import type { FundingRecord } from './store';

export type FundingCheck =
  | { kind: 'not-found' }
  | { kind: 'wrong-recipient'; to: string | null }
  | { kind: 'zero-value' }
  | { kind: 'failed' }
  | { kind: 'pending'; record: FundingRecord; confirmations: number }
  | { kind: 'confirmed'; record: FundingRecord; confirmations: number };

export async function checkFundingTx(provider: JsonRpcProvider, txId: string, nodeAddress: string, token: string, requiredConfirmations: number): Promise<FundingCheck> {
  const tx = await provider.getTransaction(txId);
  if (tx === null) return { kind: 'not-found' };
  if (tx.to === null || tx.to.toLowerCase() !== nodeAddress.toLowerCase()) return { kind: 'wrong-recipient', to: tx.to };
  if (tx.value <= 0n) return { kind: 'zero-value' };
  const record: FundingRecord = {
    txId: tx.hash.toLowerCase(),
    token,
    from: tx.from.toLowerCase(),
    to: tx.to.toLowerCase(),
    value: tx.value.toString(),
    blockNumber: tx.blockNumber,
    at: Date.now(),
  };
  if (tx.blockNumber === null) return { kind: 'pending', record, confirmations: 0 };
  const receipt = await provider.getTransactionReceipt(txId);
  if (receipt === null) return { kind: 'pending', record, confirmations: 0 };
  if (receipt.status !== 1) return { kind: 'failed' };
  // eth_blockNumber directly: ethers caches getBlockNumber() for a moment.
  const head = Number(BigInt(String(await provider.send('eth_blockNumber', []))));
  const confirmations = head - receipt.blockNumber + 1;
  record.blockNumber = receipt.blockNumber;
  return confirmations >= requiredConfirmations ? { kind: 'confirmed', record, confirmations } : { kind: 'pending', record, confirmations };
}
