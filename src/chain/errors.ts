/**
 * Turning whatever the chain (or the way to it) throws into one plain-English sentence.
 *
 * `explainChainError(err)` works on anything: a ChainError from this package, an ethers error,
 * a Node socket error. Reverts are decoded against the registry's ABI (custom errors,
 * OpenZeppelin's ERC-721 errors, Error(string), Panic(uint256)); when the failing call's
 * calldata is known, the sentence names the action ("Only the asset's owner or one of its approvers can decide
 * this request.").
 */
import type { ErrorDescription } from 'ethers';
import { ethText } from '../util/format';
import { asBigInt, asString, registryInterface, statusFromCode } from './abi';
import { ChainError, type DecodedRevert, type RegistryAction } from './chain-error';

export { ChainError, isChainError, type ChainErrorCode, type DecodedRevert, type RegistryAction } from './chain-error';

export interface ExplainContext {
  /** The RPC URL involved, for "Cannot reach the chain at <url>". */
  url?: string;
  /** What was being attempted, so a revert can be phrased for it. */
  action?: RegistryAction;
  /** The sending account, if known. */
  from?: string;
}

/** What to do when the chain cannot be reached. */
const RETRY_NETWORK = 'Check that the network is running and that its RPC URL is right, then try again.';

/** One plain-English sentence (or two) for any error thrown on the way to or from the chain. */
export function explainChainError(err: unknown, ctx: ExplainContext = {}): string {
  return toChainError(err, ctx).message;
}

/** Converts anything into a ChainError with a plain-English message (ChainErrors pass through). */
export function toChainError(err: unknown, ctx: ExplainContext = {}): ChainError {
  if (err instanceof ChainError) return err;
  const url = ctx.url ?? findUrl(err);
  const action = ctx.action ?? actionFromCalldata(findCalldata(err));
  const details = { ...(url !== undefined ? { url } : {}), ...(action !== undefined ? { action } : {}) };

  const net = networkCause(err);
  if (net !== undefined) {
    const where = url !== undefined ? ` at ${url}` : '';
    if (net.timeout) return new ChainError('TIMEOUT', `The chain${where} did not answer in time. ${RETRY_NETWORK}`, details, { cause: err });
    return new ChainError('UNREACHABLE', `Cannot reach the chain${where}: ${net.text}. ${RETRY_NETWORK}`, details, { cause: err });
  }

  const code = ethersCode(err);
  if (code === 'INSUFFICIENT_FUNDS' || /insufficient funds/i.test(messageOf(err))) {
    const from = ctx.from ?? findFrom(err);
    const hw = /have (\d+) want (\d+)/.exec(messageOf(err));
    const amounts = hw?.[1] !== undefined && hw[2] !== undefined ? ` It has ${eth(BigInt(hw[1]))} and needs about ${eth(BigInt(hw[2]))}.` : '';
    return new ChainError(
      'INSUFFICIENT_FUNDS',
      `${from !== undefined ? `The wallet ${from}` : 'The sending wallet'} does not have enough ETH to pay for this transaction and its network fee.${amounts} Add ETH to it, then try again.`,
      details,
      { cause: err },
    );
  }
  if (code === 'REPLACEMENT_UNDERPRICED' || /replacement (transaction )?underpriced/i.test(messageOf(err))) {
    return new ChainError(
      'NONCE',
      'An earlier transaction from this wallet is still waiting to be mined, and this one did not offer a higher fee to replace it. Wait a minute for it to be mined, then try again.',
      details,
      { cause: err },
    );
  }
  if (code === 'NONCE_EXPIRED' || /nonce too low|nonce has already been used/i.test(messageOf(err))) {
    return new ChainError(
      'NONCE',
      'Another transaction from this wallet was sent at the same moment and took its place in line (its nonce). Nothing was spent twice: try again.',
      details,
      { cause: err },
    );
  }
  if (code === 'INVALID_ARGUMENT') {
    return new ChainError('INVALID_ARGUMENT', `Invalid input: ${shortMessageOf(err)}.`, details, { cause: err });
  }

  const data = findRevertData(err);
  if (code === 'CALL_EXCEPTION' || data !== undefined) {
    const revert = decodeRevert(data);
    return new ChainError('REVERTED', explainRevert(revert, action), { ...details, revert }, { cause: err });
  }

  if (code === 'TIMEOUT') {
    return new ChainError('TIMEOUT', `The chain${url !== undefined ? ` at ${url}` : ''} did not answer in time. ${RETRY_NETWORK}`, details, { cause: err });
  }
  if (/provider destroyed/i.test(messageOf(err))) {
    return new ChainError('UNREACHABLE', `The connection to the chain${url !== undefined ? ` at ${url}` : ''} was closed.`, details, { cause: err });
  }
  const rpc = rpcErrorOf(err);
  if (rpc !== undefined) {
    return new ChainError('RPC_ERROR', `The chain${url !== undefined ? ` at ${url}` : ''} rejected the request: ${rpc}`, details, { cause: err });
  }
  return new ChainError('UNKNOWN', `The request to the chain${url !== undefined ? ` at ${url}` : ''} failed: ${shortMessageOf(err)}`, details, { cause: err });
}

// ------------------------------------------------------------------ reverts

/** Decodes revert data against the registry's ABI (which includes Error(string) and Panic(uint256)). */
export function decodeRevert(data: string | undefined): DecodedRevert {
  if (data === undefined || data === '0x' || data.length < 10) return { args: [], ...(data !== undefined ? { data } : {}) };
  let d: ErrorDescription | null;
  try {
    d = registryInterface.parseError(data);
  } catch {
    d = null;
  }
  if (d === null) return { args: [], data };
  return { name: d.name, args: [...d.args] as unknown[], data };
}

const eth = (wei: unknown): string => ethText(asBigInt(wei));
const num = (v: unknown): string => asBigInt(v).toString();
/** Basis points as a percentage ("30%", "12.5%"). */
const pct = (bps: unknown): string => `${Number(asBigInt(bps)) / 100}%`;
const date = (secs: unknown): string => new Date(Number(asBigInt(secs)) * 1000).toISOString().replace('.000Z', 'Z');

const PANICS: Record<number, string> = {
  0x01: 'an assertion failed',
  0x11: 'an arithmetic overflow or underflow',
  0x12: 'a division by zero',
  0x21: 'an invalid enum value',
  0x22: 'corrupt storage data',
  0x31: 'a pop from an empty array',
  0x32: 'an out-of-bounds array access',
  0x41: 'running out of memory',
  0x51: 'a call to an uninitialised function',
};

const OWNER_ACTIONS: Partial<Record<RegistryAction, string>> = {
  approve: "Only the asset's owner or one of its approvers can decide this request.",
  deny: "Only the asset's owner or one of its approvers can decide this request.",
  setApprover: "Only the asset's owner can name or remove its approvers.",
  updateTerms: "Only the asset's owner can change its terms.",
  setForSale: "Only the asset's owner can put it on sale or take it off sale.",
};

/** A sentence for a decoded revert, phrased for the action when known. */
export function explainRevert(revert: DecodedRevert, action?: RegistryAction): string {
  const a = revert.args;
  switch (revert.name) {
    case 'WrongPrice':
      return `The price is ${eth(a[0])} but ${eth(a[1])} was sent.`;
    case 'TermsChanged':
      return "The owner changed this asset's license terms after you read them, so your request was refused and its price was not taken. Read the new terms and request again if you accept them.";
    case 'NotForSale':
      return `The owner of asset #${num(a[0])} has taken it off sale, so your request was refused and nothing was paid. Ask the owner, or try again when it is for sale.`;
    case 'InvalidAccessPeriod':
      return `The access period must be at most 100 years (${num(a[0])} seconds was given); choose fewer days, or perpetual access.`;
    case 'NotTokenOwner':
      return (action !== undefined ? OWNER_ACTIONS[action] : undefined) ?? `Only the owner of asset #${num(a[0])} can do this.`;
    case 'UnknownRequest':
      return `There is no access request #${num(a[0])}.`;
    case 'RequestNotPending': {
      const status = statusFromCode(asBigInt(a[1]));
      return `Request #${num(a[0])} was already ${status === 'none' || status === 'pending' ? 'answered' : status}.`;
    }
    case 'NotRequester':
      return `Only the account that made request #${num(a[0])} can cancel it.`;
    case 'TooEarly':
      return `This request can be cancelled from ${date(a[0])}; until then the asset's owner still has time to answer it.`;
    case 'AlreadyRegistered':
      return `This content is already registered, as asset #${num(a[0])}.`;
    case 'BadSplit': {
      const total = Number(asBigInt(a[0]));
      return `The payout shares must add up to exactly 10000 basis points (100%), but they add up to ${total} (${total / 100}%).`;
    }
    case 'EmptySplit':
      return 'The payout split needs at least one payee.';
    case 'SplitLengthMismatch':
      return `The payout split lists ${num(a[0])} payees but ${num(a[1])} shares; give exactly one share per payee.`;
    case 'TooManyPayees':
      return `The payout split has ${num(a[0])} payees; at most ${num(a[1])} are allowed.`;
    case 'ZeroPayee':
      return `Payee ${Number(asBigInt(a[0])) + 1} in the payout split is the zero address.`;
    case 'ZeroShare':
      return `Payee ${Number(asBigInt(a[0])) + 1} in the payout split has a share of 0; remove it or give it a share.`;
    case 'DuplicatePayee':
      return `${asString(a[0])} appears more than once in the payout split; combine its shares into one entry.`;
    case 'ZeroContentRoot':
      return 'The content root is missing (it is all zeros).';
    case 'EmptyManifestId':
      return 'The manifest id is empty; upload the manifest before registering.';
    case 'FieldTooLong':
      return `The ${asString(a[0])} is too long (${num(a[1])} bytes; at most ${num(a[2])}).`;
    case 'EmptyRecipient':
      return "The recipient is empty; give the requester's age public key (age1...).";
    case 'NothingToWithdraw':
      return 'There is nothing to withdraw for this account.';
    case 'ZeroAddress':
      return 'The destination is the zero address.';
    case 'TransferFailed':
      return `Sending ${eth(a[1])} to ${asString(a[0])} failed: that address does not accept payments. Withdraw to another address instead.`;
    case 'InvalidTimeout':
      return `The access timeout must be between 1 minute and 365 days; ${num(a[0])} seconds was given.`;
    // Governance (issue 17): consent of payees to a change of terms or split.
    case 'ConsentRequired':
      return `Changing the terms of asset #${num(a[0])} needs the agreement of its payees: propose the change, and submit it once enough of them have signed.`;
    case 'SplitFixed':
      return `The payout split of asset #${num(a[0])} cannot change: its payees never agreed to a rule for changing it. Set a consent rule first so they can sign a new split.`;
    case 'InvalidConsentRule':
      return `The consent rule can only be made stricter, up to 100%: it is ${pct(a[0])} now and ${pct(a[1])} was asked.`;
    case 'ConsentExpired':
      return `The payees' signatures expired at ${date(a[0])}; ask them to sign the change again.`;
    case 'StaleConsentNonce':
      return `These signatures are for an earlier state of asset #${num(a[0])} (its terms changed since, or they were already used); ask the payees to sign the change again.`;
    case 'SignersMismatch':
      return `The change lists ${num(a[0])} signers but ${num(a[1])} signatures; give exactly one signature per signer.`;
    case 'NotAPayee':
      return `${asString(a[1])} is not a payee of asset #${num(a[0])}, so its signature does not count.`;
    case 'DuplicateSigner':
      return `${asString(a[0])} signed more than once; each payee counts once.`;
    case 'BadConsentSignature':
      return `The signature of ${asString(a[0])} does not match this exact change (the terms, price, access period, split or deadline differ from what was signed); ask them to sign it again.`;
    case 'NotEnoughConsent':
      return `Payees holding ${pct(a[1])} of asset #${num(a[0])} agreed, but its rule needs ${pct(a[2])}; collect more signatures before submitting.`;
    case 'ERC721NonexistentToken':
      return `Asset #${num(a[0])} does not exist on this registry.`;
    case 'ERC721IncorrectOwner':
      return `${asString(a[0])} does not own asset #${num(a[1])}.`;
    case 'ERC721InsufficientApproval':
      return `${asString(a[0])} is not allowed to transfer asset #${num(a[1])}.`;
    case 'ERC721InvalidReceiver':
      return `${asString(a[0])} cannot receive asset tokens.`;
    case 'ERC721InvalidOwner':
    case 'ERC721InvalidSender':
    case 'ERC721InvalidApprover':
    case 'ERC721InvalidOperator':
      return `${asString(a[0])} is not a valid account for this.`;
    case 'ReentrancyGuardReentrantCall':
      return 'The registry refused a re-entrant call (a contract tried to call back into it in the middle of a transaction).';
    case 'Error':
      return `The transaction was reverted: ${asString(a[0])}`;
    case 'Panic': {
      const code = Number(asBigInt(a[0]));
      return `The contract failed on ${PANICS[code] ?? 'an internal error'} (panic 0x${code.toString(16)}).`;
    }
    default:
      if (revert.data !== undefined && revert.data.length >= 10) {
        return `The transaction was reverted by the contract (unrecognised error ${revert.data.slice(0, 10)}).`;
      }
      return 'The transaction was reverted without a reason.';
  }
}

// ------------------------------------------------------------------ digging through error shapes

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

/** The error and everything nested in it (cause, error, info.error, errors[]), breadth first, bounded. */
function chain(err: unknown): Obj[] {
  const out: Obj[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 24) {
    const e = queue.shift();
    if (!isObj(e) || out.includes(e)) continue;
    out.push(e);
    queue.push(e.cause, e.error, isObj(e.info) ? e.info.error : undefined);
    if (Array.isArray(e.errors)) queue.push(...(e.errors as unknown[]));
  }
  return out;
}

function messageOf(err: unknown): string {
  return chain(err)
    .map((e) => (typeof e.message === 'string' ? e.message : ''))
    .join(' | ');
}
function shortMessageOf(err: unknown): string {
  const first = chain(err)[0];
  if (first === undefined) return String(err);
  if (typeof first.shortMessage === 'string') return first.shortMessage;
  if (typeof first.message === 'string') return first.message;
  return String(err);
}
function ethersCode(err: unknown): string | undefined {
  for (const e of chain(err)) if (typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code) && !e.code.startsWith('E')) return e.code;
  return undefined;
}

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;
function findRevertData(err: unknown): string | undefined {
  for (const e of chain(err)) {
    if (typeof e.data === 'string' && HEX.test(e.data) && e.data.length >= 10) return e.data;
    if (isObj(e.revert) && typeof e.data === 'string' && HEX.test(e.data)) return e.data;
  }
  return undefined;
}
function findCalldata(err: unknown): string | undefined {
  for (const e of chain(err)) {
    if (isObj(e.transaction) && typeof e.transaction.data === 'string') return e.transaction.data;
  }
  return undefined;
}
function findFrom(err: unknown): string | undefined {
  for (const e of chain(err)) {
    if (isObj(e.transaction) && typeof e.transaction.from === 'string') return e.transaction.from;
  }
  return undefined;
}
function findUrl(err: unknown): string | undefined {
  for (const e of chain(err)) {
    if (typeof e.url === 'string') return e.url;
  }
  return undefined;
}

const SIG_ACTIONS: Record<string, RegistryAction> = {
  'register(bytes32,string,bytes32,uint256,address[],uint16[],uint64)': 'register',
  'requestAccess(uint256,string,string,bytes32)': 'requestAccess',
  'approve(uint256,string)': 'approve',
  'deny(uint256,string)': 'deny',
  'cancel(uint256)': 'cancel',
  'withdraw()': 'withdraw',
  'withdrawTo(address)': 'withdrawTo',
  'updateTerms(uint256,bytes32,uint256)': 'updateTerms',
  'setForSale(uint256,bool)': 'setForSale',
  'setApprover(uint256,address,bool)': 'setApprover',
};
/** Which registry action some calldata is, if any. */
export function actionFromCalldata(data: string | undefined): RegistryAction | undefined {
  if (data === undefined || data.length < 10) return undefined;
  try {
    const tx = registryInterface.parseTransaction({ data });
    return tx === null ? undefined : SIG_ACTIONS[tx.signature];
  } catch {
    return undefined;
  }
}

const NET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the node running?)',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'the host name was not found',
  EAI_AGAIN: 'the host name could not be resolved',
  ETIMEDOUT: 'the connection timed out',
  EPIPE: 'the connection was closed',
  UND_ERR_SOCKET: 'the connection was closed',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
};
function networkCause(err: unknown): { text: string; timeout: boolean } | undefined {
  for (const e of chain(err)) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code !== undefined && code in NET_CODES) {
      return { text: NET_CODES[code] ?? code, timeout: code.includes('TIMEOUT') || code === 'ETIMEDOUT' };
    }
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return { text: 'no answer in time', timeout: true };
    // fetch() refuses ports browsers block (e.g. 1, 9, 25, 6000) before connecting, with no errno code.
    if (e.message === 'bad port') return { text: 'this port is blocked for HTTP by the Fetch standard (use another port for the RPC)', timeout: false };
  }
  // ethers' FetchRequest: "request timeout" (code TIMEOUT, operation getUrl).
  for (const e of chain(err)) {
    if (e.code === 'TIMEOUT' && isObj(e.request)) return { text: 'no answer in time', timeout: true };
  }
  return undefined;
}
function rpcErrorOf(err: unknown): string | undefined {
  for (const e of chain(err)) {
    if (typeof e.code === 'number' && typeof e.message === 'string') return e.message;
  }
  return undefined;
}
