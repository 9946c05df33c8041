/**
 * Approvers on the registry (issue 17): wallets the token owner names to approve or deny that
 * token's requests (`setApprover`, `isApprover`), the list of a token's approvers folded from
 * its ApproverSet and Transfer events (a transfer clears them: they were the previous owner's
 * choice), and who decided a request (`Decided`).
 */
import type { Signer } from 'ethers';
import { asBool, eventsNamed, parseRegistryLogs, registryInterface, registryTopic, type RegistryEvent } from './abi';
import type { RegistryClient } from './client';
import { ChainError } from './errors';
import { onChain } from './provider';
import { toAddress, toId, type Mined, type Sent } from './registry-types';
import { prepareTx, sendTx, waitForTx, type PrepareOptions, type PreparedTx, type TxCall } from './tx';
import { toBeHex, zeroPadValue } from 'ethers';

export interface SetApproverResult {
  tokenId: bigint;
  account: string;
  allowed: boolean;
}

/** Who answered a request, from its Decided event. */
export interface Decision {
  requestId: bigint;
  tokenId: bigint;
  decider: string;
  approved: boolean;
}

/** The encoded `setApprover` call (for callers that sign and record it before sending). */
export function setApproverCall(registry: Pick<RegistryClient, 'address'>, tokenId: bigint | number, account: string, allowed: boolean): TxCall & { action: 'setApprover' } {
  const data = registryInterface.encodeFunctionData('setApprover', [toId(tokenId, 'asset id'), toAddress(account, 'approver address'), allowed]);
  return { to: registry.address, data, value: 0n, action: 'setApprover' };
}

/** The ApproverSet event of a mined setApprover. */
export function decodeSetApprover(registry: Pick<RegistryClient, 'address'>, receipt: Mined<unknown>['receipt']): Mined<SetApproverResult> {
  const events = parseRegistryLogs(receipt.logs, registry.address);
  const e = eventsNamed(events, 'ApproverSet')[0];
  if (e === undefined) throw new ChainError('UNKNOWN', `Transaction ${receipt.hash} has no ApproverSet event from the registry at ${registry.address}; it is not a setApprover on this registry.`, { txHash: receipt.hash });
  return { result: { tokenId: e.tokenId, account: e.account, allowed: e.allowed }, receipt, events };
}

/** Names (`allowed`) or removes an approver of a token; only its owner may (a plain sentence otherwise). */
export async function setApprover(registry: RegistryClient, signer: Signer, tokenId: bigint | number, account: string, allowed: boolean, opts?: PrepareOptions): Promise<Sent<SetApproverResult>> {
  const call = setApproverCall(registry, tokenId, account, allowed);
  const sent = await sendTx(registry.conn, signer, call, opts);
  return { ...sent, wait: async (w) => decodeSetApprover(registry, await waitForTx(registry.conn, sent.hash, { action: 'setApprover', ...w })) };
}

/** Signs a setApprover without sending it (see tx.ts). */
export function prepareSetApprover(registry: RegistryClient, signer: Signer, tokenId: bigint | number, account: string, allowed: boolean, opts?: PrepareOptions): Promise<PreparedTx> {
  return prepareTx(registry.conn, signer, setApproverCall(registry, tokenId, account, allowed), opts);
}

/** Whether `account` is an approver of `tokenId` now (the owner always may decide, and is not listed). */
export async function isApprover(registry: RegistryClient, tokenId: bigint | number, account: string): Promise<boolean> {
  const fn = 'isApprover';
  const data = registryInterface.encodeFunctionData(fn, [toId(tokenId, 'asset id'), toAddress(account, 'account')]);
  const r = await onChain(registry.conn, async () => registryInterface.decodeFunctionResult(fn, await registry.conn.provider.call({ to: registry.address, data })), 'read');
  return asBool(r[0], 'isApprover');
}

/**
 * The approvers of each token after `events` (in chain order), starting from `start`: an
 * ApproverSet adds or removes one, a Transfer of the token clears its list.
 */
export function foldApprovers(events: readonly RegistryEvent[], start: ReadonlyMap<string, ReadonlySet<string>> = new Map()): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>([...start].map(([k, v]) => [k, new Set(v)]));
  for (const e of events) {
    if (e.name === 'Transfer') out.delete(e.tokenId.toString());
    if (e.name !== 'ApproverSet') continue;
    const id = e.tokenId.toString();
    const set = out.get(id) ?? new Set<string>();
    if (e.allowed) set.add(toAddress(e.account, 'approver'));
    else set.delete(toAddress(e.account, 'approver'));
    if (set.size > 0) out.set(id, set);
    else out.delete(id);
  }
  return out;
}

/** A token's approvers now, read from its ApproverSet and Transfer logs since `fromBlock` (checksummed, in naming order). */
export async function approversOf(registry: RegistryClient, tokenId: bigint | number, fromBlock = 0): Promise<string[]> {
  const id = zeroPadValue(toBeHex(toId(tokenId, 'asset id')), 32);
  const conn = registry.conn;
  const get = (topics: (string | null)[]) => onChain(conn, () => conn.provider.getLogs({ address: registry.address, fromBlock, toBlock: 'latest', topics }), 'read');
  const [set, moved] = await Promise.all([get([registryTopic('ApproverSet'), id]), get([registryTopic('Transfer'), null, null, id])]);
  const logs = [...set, ...moved].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  return [...(foldApprovers(parseRegistryLogs(logs, registry.address)).get(BigInt(tokenId).toString()) ?? [])];
}

/** The decision recorded in a transaction's events (approve / deny), if any. */
export function decisionIn(events: readonly RegistryEvent[]): Decision | null {
  const d = eventsNamed(events, 'Decided')[0];
  return d === undefined ? null : { requestId: d.requestId, tokenId: d.tokenId, decider: d.decider, approved: d.approved };
}
