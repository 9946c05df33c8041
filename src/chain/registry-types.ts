/**
 * The registry client's vocabulary: what its writes return, what they take, and the checks
 * that turn a caller's values into the contract's (plain-English ChainErrors when they are wrong).
 */
import { getAddress, type TransactionReceipt } from 'ethers';
import type { RegistryEvent, SplitEntry } from './abi';
import { ChainError } from './errors';
import type { SentTx, WaitOptions } from './tx';

// ------------------------------------------------------------------ results

export interface DeployResult {
  address: string;
}
export interface RegisterResult {
  tokenId: bigint;
}
export interface RequestAccessResult {
  requestId: bigint;
  tokenId: bigint;
  amount: bigint;
}
export interface ApproveResult {
  requestId: bigint;
  tokenId: bigint;
  amount: bigint;
  credits: { payee: string; amount: bigint }[];
}
export interface RefundResult {
  requestId: bigint;
  refunded: bigint;
}
export interface WithdrawResult {
  account: string;
  to: string;
  amount: bigint;
}
export interface UpdateTermsResult {
  tokenId: bigint;
  termsHash: string;
  price: bigint;
}

export interface SetForSaleResult {
  tokenId: bigint;
  forSale: boolean;
}

export interface ActionResults {
  register: RegisterResult;
  requestAccess: RequestAccessResult;
  approve: ApproveResult;
  deny: RefundResult;
  cancel: RefundResult;
  withdraw: WithdrawResult;
  withdrawTo: WithdrawResult;
  updateTerms: UpdateTermsResult;
  setForSale: SetForSaleResult;
}
export type WriteAction = keyof ActionResults;

export interface Mined<R> {
  result: R;
  receipt: TransactionReceipt;
  /** Every registry event in the transaction. */
  events: RegistryEvent[];
}

export interface Sent<R> extends SentTx {
  /** Waits for the receipt and decodes the result; throws a ChainError if it reverted. */
  wait(opts?: WaitOptions): Promise<Mined<R>>;
}

export interface RegisterParams {
  /** sha256 of the manifest, 64 hex digits (0x optional). */
  contentRoot: string;
  manifestId: string;
  /** sha256 of the license terms, 64 hex digits (0x optional). */
  termsHash: string;
  /** Price of access in wei. */
  price: bigint;
  split: SplitEntry[];
  /** Seconds each approval lasts (0 or absent = perpetual). */
  accessPeriodSeconds?: number;
  /**
   * Registered as a new version of this token (registerVersion: it inherits the token's consent
   * rule, and a changed split needs its payees' consent), instead of a plain registration.
   */
  previousTokenId?: bigint;
}

/**
 * What a requester read and accepts when it asks for access: the asset's terms hash and price
 * at the time it decided (an AssetRecord it read will do). The request is refused on chain if
 * either has changed since, so read them when the person decides, not just before sending.
 */
export interface AcceptedTerms {
  /** 64 hex digits (0x optional). */
  termsHash: string;
  /** Wei. */
  price: bigint;
}

// ------------------------------------------------------------------ input normalisation

export const invalid = (message: string): ChainError => new ChainError('INVALID_ARGUMENT', message);

/** `0x` + 64 lowercase hex digits, from 64 hex digits with or without `0x`. */
export function toBytes32(value: string, what: string): string {
  const hex = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw invalid(`The ${what} must be 32 bytes written as 64 hex digits, not "${value}".`);
  return `0x${hex.toLowerCase()}`;
}

export function toAddress(value: string, what: string): string {
  try {
    return getAddress(value);
  } catch {
    throw invalid(`The ${what} "${value}" is not a valid Ethereum address.`);
  }
}

export function toId(value: bigint | number, what: string): bigint {
  const v = BigInt(value);
  if (v <= 0n) throw invalid(`The ${what} must be a positive number, not ${v}.`);
  return v;
}

export function toWei(value: bigint, what: string): bigint {
  if (value < 0n) throw invalid(`The ${what} cannot be negative.`);
  return value;
}

/** age X25519 recipients are "age1" + bech32; plugin and post-quantum recipients also start with "age1". */
export function checkAgeRecipient(recipient: string): string {
  const r = recipient.trim();
  if (!/^age1[02-9ac-hj-np-z]+$/.test(r)) throw invalid(`"${recipient}" is not an age public key (it should look like age1...).`);
  return r;
}

