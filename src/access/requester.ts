/**
 * Access requests, requester side (issue 6): ask for access to a registered asset (paying its
 * price into the registry's escrow) and read a request's state from the chain.
 *
 * The chain is the only source of truth here: nothing is cached in the catalog, so the same
 * commands work from any machine holding the wallet (and, for fetch, its requester identity).
 */
import { id as eventTopic, toBeHex, type Wallet } from 'ethers';
import { balanceOf, isChainError, onChain, parseRegistryLogs, type AccessRequestRecord, type ChainConnection, type RegistryClient } from '../chain/client';
import { AtivoError } from '../util/errors';
import { ethText } from '../util/format';

export interface RequesterChain {
  conn: ChainConnection;
  registry: RegistryClient;
  chainId: number;
  /** The network profile's name, for messages. */
  network: string;
}

/** A generous upper bound of requestAccess's gas (it stores a request and logs the message). */
const REQUEST_GAS_BOUND = 300_000n;


/** Whole ETH at least `wei` (for an --ether amount that surely covers it): 1 for anything up to 1 ETH. */
const ethCeil = (wei: bigint): string => String((wei + 10n ** 18n - 1n) / 10n ** 18n || 1n);

export interface RequestResult {
  requestId: string;
  tokenId: string;
  amountWei: string;
  txHash: string;
  requester: string;
}

/**
 * What the person read and accepted when deciding to ask: the license terms' hash (from the
 * certificate or the asset page they read, never re-read just before sending) and, when they
 * saw it, the price.
 */
export interface AcceptedOffer {
  /** keccak256 of the license terms, 64 hex digits (0x optional). */
  termsHash: string;
  /** Wei; when absent the asset's current price is paid. */
  price?: bigint;
}

const sameHash = (a: string, b: string): boolean => a.replace(/^0x/i, '').toLowerCase() === b.replace(/^0x/i, '').toLowerCase();

/**
 * Sends `requestAccess(tokenId, recipient, message, termsHash)` from `signer`, paying the
 * price. The request names the terms the person accepted: if the owner has changed them since
 * (even at the same price), it is refused, here before sending or on chain if the change is
 * mined first, and nothing is paid. Also refuses before sending anything when the token does
 * not exist, the price differs from the one accepted, or the wallet cannot pay.
 */
export async function requestAccess(chain: RequesterChain, signer: Wallet, recipient: string, tokenId: bigint, accepted: AcceptedOffer, message: string): Promise<RequestResult> {
  const { registry, conn } = chain;
  const asset = await registry.asset(tokenId);
  if (asset === null) {
    throw new AtivoError(
      'NOT_FOUND',
      `There is no asset #${tokenId} on the ${chain.network} network (registry ${registry.address}, chain ${chain.chainId}): check the token id, or switch to the network its certificate names.`,
    );
  }
  if (!asset.forSale) {
    throw new AtivoError('INVALID_INPUT', `The owner has taken asset #${tokenId} off sale, so nothing was sent or paid. Ask the owner, or request again when it is for sale.`);
  }
  if (!sameHash(asset.termsHash, accepted.termsHash)) {
    throw new AtivoError(
      'INVALID_INPUT',
      `The owner of asset #${tokenId} has changed its license terms since the version you read, so nothing was sent or paid. Read its current terms (its latest certificate holds them) and request again if you accept them.`,
    );
  }
  if (accepted.price !== undefined && accepted.price !== asset.price) {
    throw new AtivoError(
      'INVALID_INPUT',
      `The owner of asset #${tokenId} has changed its price from ${ethText(accepted.price)} to ${ethText(asset.price)} since you read it, so nothing was sent or paid. Request again if you accept the new price.`,
    );
  }
  // The terms hash and price go on chain as read: a change mined before this request reverts it.
  const offer = { termsHash: accepted.termsHash, price: accepted.price ?? asset.price };
  const from = signer.address;
  const balance = await balanceOf(conn, from);
  const fee = await estimatedFee(conn);
  const short = (): AtivoError => {
    const head = `Not enough ETH: requesting access to asset #${tokenId} costs ${ethText(offer.price)} plus about ${ethText(fee)} of network fee (${ethText(offer.price + fee)} in all), and ${from} has ${ethText(balance)} on ${chain.network}. Add at least ${ethText(offer.price + fee - balance)} to it`;
    // The command line's way to add it (the app's is the Wallet screen); nothing was paid either way.
    const cliHow = chain.network === 'sandbox' ? ` (test ETH: ativo sandbox fund ${from} --ether ${ethCeil(offer.price + fee - balance)})` : '';
    return new AtivoError('INVALID_INPUT', `${head}${chain.network === 'sandbox' ? ' (get test ETH on the Wallet screen)' : ''}.`, {
      cli: `${head}${cliHow}, then run ativo access request again. Nothing was paid.`,
    });
  };
  if (balance < offer.price) throw short();
  let sent;
  try {
    sent = await registry.requestAccess(signer, tokenId, recipient, offer, { message });
  } catch (e) {
    if (isChainError(e) && e.code === 'INSUFFICIENT_FUNDS') throw short();
    throw e;
  }
  const mined = await sent.wait();
  return {
    requestId: mined.result.requestId.toString(),
    tokenId: mined.result.tokenId.toString(),
    amountWei: mined.result.amount.toString(),
    txHash: sent.hash,
    requester: from,
  };
}

async function estimatedFee(conn: ChainConnection): Promise<bigint> {
  try {
    const f = await onChain(conn, () => conn.provider.getFeeData());
    return (f.maxFeePerGas ?? f.gasPrice ?? 0n) * REQUEST_GAS_BOUND;
  } catch {
    return 0n;
  }
}

export type RequestState = 'pending' | 'approved' | 'denied' | 'cancelled' | 'expired';

export interface RequestStatus {
  requestId: string;
  tokenId: string;
  requester: string;
  amountWei: string;
  state: RequestState;
  grantId: string | null;
  reason: string | null;
  createdAt: string;
  cancellableAt: string;
  /** When an approved access ends (null: not approved, or perpetual). */
  expiresAt: string | null;
}

/** The request as the chain holds it, or a NOT_FOUND error. */
export async function mustGetRequest(chain: RequesterChain, requestId: bigint): Promise<AccessRequestRecord> {
  const r = await chain.registry.request(requestId);
  if (r === null) {
    throw new AtivoError('NOT_FOUND', `There is no access request #${requestId} on the ${chain.network} network (registry ${chain.registry.address}): check the request id and the network.`);
  }
  return r;
}

/** 'expired' is a pending request whose requester may now cancel it (the chain's clock decides). */
export async function stateOf(chain: RequesterChain, r: AccessRequestRecord): Promise<RequestState> {
  if (r.status === 'none') return 'cancelled'; // not reachable: the registry reverts for unknown requests
  if (r.status !== 'pending') return r.status;
  const block = await onChain(chain.conn, () => chain.conn.provider.getBlock('latest'));
  const now = block?.timestamp ?? Math.floor(Date.now() / 1000);
  return now >= r.cancellableAt ? 'expired' : 'pending';
}

/** The reason the owner gave when denying, from the AccessDenied log (null if it cannot be read). */
export async function denialReason(chain: RequesterChain, requestId: bigint): Promise<string | null> {
  try {
    const topic = eventTopic('AccessDenied(uint256,uint256,string)');
    const logs = await onChain(chain.conn, () =>
      chain.conn.provider.getLogs({ address: chain.registry.address, topics: [topic, toBeHex(requestId, 32)], fromBlock: 0, toBlock: 'latest' }),
    );
    const ev = parseRegistryLogs(logs, chain.registry.address).find((e) => e.name === 'AccessDenied' && e.requestId === requestId);
    return ev?.name === 'AccessDenied' ? ev.reason : null;
  } catch {
    return null;
  }
}

const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

export async function requestStatus(chain: RequesterChain, requestId: bigint): Promise<RequestStatus> {
  const r = await mustGetRequest(chain, requestId);
  const state = await stateOf(chain, r);
  return {
    requestId: r.requestId.toString(),
    tokenId: r.tokenId.toString(),
    requester: r.requester,
    amountWei: r.amount.toString(),
    state,
    grantId: r.grantId === '' ? null : r.grantId,
    reason: state === 'denied' ? await denialReason(chain, r.requestId) : null,
    createdAt: iso(r.createdAt),
    cancellableAt: iso(r.cancellableAt),
    expiresAt: r.expiresAt === 0 ? null : iso(r.expiresAt),
  };
}

export interface CancelResult {
  requestId: string;
  tokenId: string;
  refundedWei: string;
  txHash: string;
  /** What the requester may now withdraw from the registry (this refund included). */
  withdrawableWei: string;
}

/**
 * Cancels the signer's own request once its owner has let it pass its timeout: the payment goes
 * back to the requester's withdrawable balance on the registry. Refuses, before sending anything,
 * a request of another wallet, one whose owner still has time to answer, and one already
 * answered or cancelled. (If the owner's answer is mined first, the chain refuses the cancel and
 * nothing is lost: the answer stands.)
 */
export async function cancelRequest(chain: RequesterChain, signer: Wallet, requestId: bigint): Promise<CancelResult> {
  const r = await mustGetRequest(chain, requestId);
  const id = r.requestId.toString();
  const from = await signer.getAddress();
  if (r.requester.toLowerCase() !== from.toLowerCase()) {
    throw new AtivoError('INVALID_INPUT', `Request #${id} was made by ${r.requester}, not by the wallet in use (${from}): switch to that wallet to cancel it.`);
  }
  const state = await stateOf(chain, r);
  switch (state) {
    case 'pending':
      throw new AtivoError('BUSY', `Request #${id} can be cancelled from ${iso(r.cancellableAt)}; until then the owner of asset #${r.tokenId} still has time to answer it. Nothing was sent.`);
    case 'approved':
      throw new AtivoError('INVALID_INPUT', `Request #${id} was approved: its payment went to the asset's payees, and it cannot be cancelled.`);
    case 'denied':
      throw new AtivoError('INVALID_INPUT', `Request #${id} was denied: its ${ethText(r.amount)} is already back in your withdrawable balance.`);
    case 'cancelled':
      throw new AtivoError('INVALID_INPUT', `Request #${id} was cancelled already: its ${ethText(r.amount)} is in your withdrawable balance.`);
    case 'expired':
      break;
  }
  const sent = await chain.registry.cancel(signer.connect(chain.conn.provider), requestId);
  const mined = await sent.wait();
  return {
    requestId: id,
    tokenId: r.tokenId.toString(),
    refundedWei: mined.result.refunded.toString(),
    txHash: sent.hash,
    withdrawableWei: (await chain.registry.withdrawable(from)).toString(),
  };
}

/**
 * Why a request that is not approved cannot be fetched, as an actionable error (null when it
 * is approved).
 */
export async function notFetchable(chain: RequesterChain, r: AccessRequestRecord, state: RequestState): Promise<AtivoError | null> {
  const id = r.requestId.toString();
  switch (state) {
    case 'approved':
      return null;
    case 'pending':
      return new AtivoError('BUSY', `Request #${id} is waiting for the owner of asset #${r.tokenId} to answer (asked ${iso(r.createdAt)}). Check again later.`, {
        cli: `Request #${id} is waiting for the owner of asset #${r.tokenId} to answer (asked ${iso(r.createdAt)}). Check again later: ativo access status ${id}.`,
      });
    case 'expired':
      return new AtivoError(
        'BUSY',
        `Request #${id} is still waiting for the owner of asset #${r.tokenId}, who has not answered since ${iso(r.createdAt)}; since ${iso(r.cancellableAt)} you may cancel it to get your ${ethText(r.amount)} back.`,
      );
    case 'denied': {
      const reason = await denialReason(chain, r.requestId);
      const denied = `The owner denied this request: ${reason === null || reason.trim() === '' ? '(no reason given)' : reason}; your payment of ${ethText(r.amount)} was credited back to your wallet's withdrawable balance on the registry`;
      return new AtivoError('INVALID_INPUT', `${denied} (withdraw it from Earnings). Nothing was downloaded.`, { cli: `${denied} (withdraw it with ativo earnings withdraw). Nothing was downloaded.` });
    }
    case 'cancelled':
      return new AtivoError('INVALID_INPUT', `Request #${id} was cancelled and its ${ethText(r.amount)} refunded to the withdrawable balance of ${r.requester}: there is nothing to fetch.`);
  }
}
