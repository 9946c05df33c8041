/**
 * The registry's ABI (from the committed artifact) and typed views of what it returns and emits.
 * No I/O here.
 */
import { EventFragment, getAddress, Interface, LogDescription, type Log, type Result } from 'ethers';
import artifact from './artifacts/AtivoRegistry.json';

export const REGISTRY_BYTECODE: string = artifact.bytecode;
export const REGISTRY_SOURCE_HASH: string = artifact.sourceHash;
export const registryInterface = new Interface(artifact.abi);

/** Default time a request waits for an answer before its requester may cancel it. */
export const DEFAULT_ACCESS_TIMEOUT_SECONDS = 7 * 24 * 60 * 60;
/** The registry's split denominator (its TOTAL_BPS view): checked when a registry is saved or deployed (deploy.ts). */
export const TOTAL_BPS = 10_000;

export const REQUEST_STATUSES = ['none', 'pending', 'approved', 'denied', 'cancelled'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface SplitEntry {
  payee: string;
  /** Share in basis points (1..10000); the entries add up to 10000. */
  bps: number;
}

export interface AssetRecord {
  tokenId: bigint;
  owner: string;
  /** 0x-prefixed 32-byte hex. */
  contentRoot: string;
  manifestId: string;
  termsHash: string;
  price: bigint;
  split: SplitEntry[];
  /** False once its owner took it off sale (requests are refused). */
  forSale: boolean;
  /** Seconds an approval lasts (0 = perpetual). */
  accessPeriod: number;
}

export interface AccessRequestRecord {
  requestId: bigint;
  tokenId: bigint;
  requester: string;
  /** The requester's age recipient ("age1..."). */
  recipient: string;
  amount: bigint;
  status: RequestStatus;
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds from which the requester may cancel. */
  cancellableAt: number;
  /** Set when approved. */
  grantId: string;
  /** The asset's terms hash the request was made under (0x-prefixed 32-byte hex). */
  termsHash: string;
  /** The access period (seconds, 0 = perpetual) the request was made under. */
  accessPeriod: number;
  /** Unix seconds when an approved access ends (0: not approved, or perpetual). */
  expiresAt: number;
}

interface LogMeta {
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}

/** The decoded fields of every event the registry emits (ERC-721 Transfer/Approval included). */
export type RegistryEventBody =
  | { name: 'Registered'; tokenId: bigint; owner: string; contentRoot: string; manifestId: string; termsHash: string; price: bigint }
  | { name: 'TermsUpdated'; tokenId: bigint; termsHash: string; price: bigint }
  | { name: 'SaleChanged'; tokenId: bigint; forSale: boolean }
  | { name: 'AccessRequested'; requestId: bigint; tokenId: bigint; requester: string; recipient: string; amount: bigint; message: string }
  | { name: 'AccessGranted'; requestId: bigint; tokenId: bigint; grantId: string; amount: bigint }
  | { name: 'AccessDenied'; requestId: bigint; tokenId: bigint; reason: string }
  | { name: 'AccessCancelled'; requestId: bigint; tokenId: bigint; requester: string }
  | { name: 'Credited'; payee: string; tokenId: bigint; requestId: bigint; amount: bigint }
  | { name: 'Refunded'; requester: string; requestId: bigint; amount: bigint }
  | { name: 'Withdrawn'; account: string; to: string; amount: bigint }
  | { name: 'Transfer'; from: string; to: string; tokenId: bigint }
  | { name: 'Approval'; owner: string; approved: string; tokenId: bigint }
  | { name: 'ApprovalForAll'; owner: string; operator: string; approved: boolean }
  // Governance (issue 17)
  | { name: 'ApproverSet'; tokenId: bigint; account: string; allowed: boolean }
  | { name: 'Decided'; requestId: bigint; tokenId: bigint; decider: string; approved: boolean }
  | { name: 'ConsentRuleSet'; tokenId: bigint; consentBps: number }
  | { name: 'TermsConsented'; tokenId: bigint; nonce: bigint; accessPeriod: number; split: SplitEntry[]; consenting: string[] }
  | { name: 'VersionRegistered'; tokenId: bigint; previousTokenId: bigint; consenting: string[] };
/** A decoded registry event with where it was logged. */
export type RegistryEvent = RegistryEventBody & LogMeta;
export type RegistryEventName = RegistryEvent['name'];
export type RegistryEventOf<N extends RegistryEventName> = Extract<RegistryEvent, { name: N }>;

// ------------------------------------------------------------ narrowing ethers' Result values

export function asBigInt(v: unknown, what = 'value'): bigint {
  if (typeof v === 'bigint') return v;
  throw new TypeError(`Expected ${what} to be a bigint, got ${typeof v}.`);
}
export function asString(v: unknown, what = 'value'): string {
  if (typeof v === 'string') return v;
  throw new TypeError(`Expected ${what} to be a string, got ${typeof v}.`);
}
export function asBool(v: unknown, what = 'value'): boolean {
  if (typeof v === 'boolean') return v;
  throw new TypeError(`Expected ${what} to be a boolean, got ${typeof v}.`);
}
export function asArray(v: unknown, what = 'value'): unknown[] {
  if (Array.isArray(v)) return v as unknown[];
  throw new TypeError(`Expected ${what} to be an array, got ${typeof v}.`);
}
/** A named field of an ethers Result (a struct or an event's args). */
export function field(r: Result, name: string): unknown {
  return r.getValue(name) as unknown;
}

export function statusFromCode(code: bigint | number): RequestStatus {
  const s = REQUEST_STATUSES[Number(code)];
  if (s === undefined) throw new RangeError(`Unknown request status ${code}.`);
  return s;
}

export function assetFromResult(tokenId: bigint, r: Result): AssetRecord {
  const payees = asArray(field(r, 'payees'), 'payees').map((p) => asString(p, 'payee'));
  const bps = asArray(field(r, 'bps'), 'bps').map((b) => Number(asBigInt(b, 'bps')));
  return {
    tokenId,
    owner: asString(field(r, 'owner'), 'owner'),
    contentRoot: asString(field(r, 'contentRoot'), 'contentRoot'),
    manifestId: asString(field(r, 'manifestId'), 'manifestId'),
    termsHash: asString(field(r, 'termsHash'), 'termsHash'),
    price: asBigInt(field(r, 'price'), 'price'),
    split: payees.map((payee, i) => ({ payee, bps: bps[i] ?? 0 })),
    forSale: asBool(field(r, 'forSale'), 'forSale'),
    accessPeriod: Number(asBigInt(field(r, 'accessPeriod'), 'accessPeriod')),
  };
}

export function requestFromResult(requestId: bigint, r: Result): AccessRequestRecord {
  return {
    requestId,
    tokenId: asBigInt(field(r, 'tokenId'), 'tokenId'),
    requester: asString(field(r, 'requester'), 'requester'),
    recipient: asString(field(r, 'recipient'), 'recipient'),
    amount: asBigInt(field(r, 'amount'), 'amount'),
    status: statusFromCode(asBigInt(field(r, 'status'), 'status')),
    createdAt: Number(asBigInt(field(r, 'createdAt'), 'createdAt')),
    cancellableAt: Number(asBigInt(field(r, 'cancellableAt'), 'cancellableAt')),
    grantId: asString(field(r, 'grantId'), 'grantId'),
    termsHash: asString(field(r, 'termsHash'), 'termsHash'),
    accessPeriod: Number(asBigInt(field(r, 'accessPeriod'), 'accessPeriod')),
    expiresAt: Number(asBigInt(field(r, 'expiresAt'), 'expiresAt')),
  };
}

function eventFields(d: LogDescription): RegistryEventBody | null {
  const a = d.args;
  const big = (n: string) => asBigInt(field(a, n), n);
  const str = (n: string) => asString(field(a, n), n);
  switch (d.name) {
    case 'Registered':
      return { name: 'Registered', tokenId: big('tokenId'), owner: str('owner'), contentRoot: str('contentRoot'), manifestId: str('manifestId'), termsHash: str('termsHash'), price: big('price') };
    case 'TermsUpdated':
      return { name: 'TermsUpdated', tokenId: big('tokenId'), termsHash: str('termsHash'), price: big('price') };
    case 'SaleChanged':
      return { name: 'SaleChanged', tokenId: big('tokenId'), forSale: asBool(field(a, 'forSale'), 'forSale') };
    case 'AccessRequested':
      return { name: 'AccessRequested', requestId: big('requestId'), tokenId: big('tokenId'), requester: str('requester'), recipient: str('recipient'), amount: big('amount'), message: str('message') };
    case 'AccessGranted':
      return { name: 'AccessGranted', requestId: big('requestId'), tokenId: big('tokenId'), grantId: str('grantId'), amount: big('amount') };
    case 'AccessDenied':
      return { name: 'AccessDenied', requestId: big('requestId'), tokenId: big('tokenId'), reason: str('reason') };
    case 'AccessCancelled':
      return { name: 'AccessCancelled', requestId: big('requestId'), tokenId: big('tokenId'), requester: str('requester') };
    case 'Credited':
      return { name: 'Credited', payee: str('payee'), tokenId: big('tokenId'), requestId: big('requestId'), amount: big('amount') };
    case 'Refunded':
      return { name: 'Refunded', requester: str('requester'), requestId: big('requestId'), amount: big('amount') };
    case 'Withdrawn':
      return { name: 'Withdrawn', account: str('account'), to: str('to'), amount: big('amount') };
    case 'Transfer':
      return { name: 'Transfer', from: str('from'), to: str('to'), tokenId: big('tokenId') };
    case 'Approval':
      return { name: 'Approval', owner: str('owner'), approved: str('approved'), tokenId: big('tokenId') };
    case 'ApprovalForAll':
      return { name: 'ApprovalForAll', owner: str('owner'), operator: str('operator'), approved: asBool(field(a, 'approved'), 'approved') };
    case 'ApproverSet':
      return { name: 'ApproverSet', tokenId: big('tokenId'), account: str('account'), allowed: asBool(field(a, 'allowed'), 'allowed') };
    case 'Decided':
      return { name: 'Decided', requestId: big('requestId'), tokenId: big('tokenId'), decider: str('decider'), approved: asBool(field(a, 'approved'), 'approved') };
    case 'ConsentRuleSet':
      return { name: 'ConsentRuleSet', tokenId: big('tokenId'), consentBps: Number(big('consentBps')) };
    case 'TermsConsented': {
      const payees = asArray(field(a, 'payees'), 'payees').map((p) => asString(p, 'payee'));
      const bps = asArray(field(a, 'bps'), 'bps').map((b) => Number(asBigInt(b, 'bps')));
      const consenting = asArray(field(a, 'consenting'), 'consenting').map((c) => asString(c, 'consenting'));
      return { name: 'TermsConsented', tokenId: big('tokenId'), nonce: big('nonce'), accessPeriod: Number(big('accessPeriod')), split: payees.map((payee, i) => ({ payee, bps: bps[i] ?? 0 })), consenting };
    }
    case 'VersionRegistered':
      return {
        name: 'VersionRegistered',
        tokenId: big('tokenId'),
        previousTokenId: big('previousTokenId'),
        consenting: asArray(field(a, 'consenting'), 'consenting').map((c) => asString(c, 'consenting')),
      };
    default:
      return null;
  }
}

/**
 * Decodes the registry's logs; logs from other addresses (when `address` is given) or with
 * unknown topics are skipped.
 */
export function parseRegistryLogs(logs: readonly Log[], address?: string): RegistryEvent[] {
  const want = address?.toLowerCase();
  const out: RegistryEvent[] = [];
  for (const log of logs) {
    if (want !== undefined && log.address.toLowerCase() !== want) continue;
    let d: LogDescription | null;
    try {
      d = registryInterface.parseLog({ topics: [...log.topics], data: log.data });
    } catch {
      continue;
    }
    if (d === null) continue;
    const f = eventFields(d);
    if (f === null) continue;
    out.push({ ...f, blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.index });
  }
  return out;
}

/** The events of one kind, in log order. */
export function eventsNamed<N extends RegistryEventName>(events: readonly RegistryEvent[], name: N): RegistryEventOf<N>[] {
  return events.filter((e): e is RegistryEventOf<N> => e.name === name);
}

/** A log as `eth_getLogs` returns it on the wire (hex quantities), before ethers formats it. */
export interface RawRpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  /** The block's timestamp (hex seconds), which newer nodes (anvil, geth ≥ 1.14, reth) add to each log. */
  blockTimestamp?: string;
  removed?: boolean;
}

/** The topic hash of each registry event (for eth_getLogs topic filters). */
export function registryTopic(name: RegistryEventName): string {
  const t = registryInterface.getEvent(name)?.topicHash;
  if (t === undefined) throw new RangeError(`No event ${name} in the registry ABI.`);
  return t;
}

const topicUint = (t: string | undefined): bigint => BigInt(t ?? '0x0');
/** Checksummed addresses, remembered (keccak per log was a third of indexing 10,000s of payouts; few addresses recur). */
const checksummed = new Map<string, string>();
const topicAddr = (t: string | undefined): string => {
  const lower = `0x${(t ?? '').slice(-40)}`;
  let a = checksummed.get(lower);
  if (a === undefined) {
    a = getAddress(lower);
    if (checksummed.size >= 4096) checksummed.clear();
    checksummed.set(lower, a);
  }
  return a;
};
const dataWord = (data: string, i: number): bigint => BigInt(`0x${data.slice(2 + i * 64, 2 + (i + 1) * 64) || '0'}`);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/**
 * The string whose offset is head word `i` of ABI-encoded `data`; undefined when anything is
 * unusual (out of bounds, not hex, not UTF-8): the ABI decoder then decides, as before.
 */
function dataString(data: string, i: number): string | undefined {
  const off = dataWord(data, i);
  if (off % 32n !== 0n || off > BigInt(data.length)) return undefined;
  const at = 2 + Number(off) * 2;
  const lenHex = data.slice(at, at + 64);
  if (lenHex.length !== 64) return undefined;
  const len = BigInt(`0x${lenHex}`);
  if (len > BigInt(data.length)) return undefined;
  const hex = data.slice(at + 64, at + 64 + Number(len) * 2);
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length !== Number(len)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
/** The fixed-layout decoders' answer when a dynamic field needs the ABI decoder after all. */
const UNSURE = undefined;

/**
 * Events with only indexed and fixed-size fields, decoded by slicing (an order of magnitude
 * faster than the ABI decoder, which matters for 10,000s of payouts); the rest go through it.
 * `abi.test.ts` checks each against the ABI decoder.
 */
const FIXED_LAYOUT: Partial<Record<string, (topics: string[], data: string) => RegistryEventBody | null | typeof UNSURE>> = {
  [registryTopic('Credited')]: (t, d) => (t.length === 4 ? { name: 'Credited', payee: topicAddr(t[1]), tokenId: topicUint(t[2]), requestId: topicUint(t[3]), amount: dataWord(d, 0) } : null),
  [registryTopic('Refunded')]: (t, d) => (t.length === 3 ? { name: 'Refunded', requester: topicAddr(t[1]), requestId: topicUint(t[2]), amount: dataWord(d, 0) } : null),
  [registryTopic('Withdrawn')]: (t, d) => (t.length === 3 ? { name: 'Withdrawn', account: topicAddr(t[1]), to: topicAddr(t[2]), amount: dataWord(d, 0) } : null),
  [registryTopic('Transfer')]: (t) => (t.length === 4 ? { name: 'Transfer', from: topicAddr(t[1]), to: topicAddr(t[2]), tokenId: topicUint(t[3]) } : null),
  // Head words hold the strings' offsets; each string is a length word and its UTF-8 bytes.
  [registryTopic('AccessRequested')]: (t, d) => {
    if (t.length !== 4) return null;
    const recipient = dataString(d, 0);
    const message = dataString(d, 2);
    if (recipient === undefined || message === undefined) return UNSURE;
    return { name: 'AccessRequested', requestId: topicUint(t[1]), tokenId: topicUint(t[2]), requester: topicAddr(t[3]), recipient, amount: dataWord(d, 1), message };
  },
  [registryTopic('AccessGranted')]: (t, d) => {
    if (t.length !== 3) return null;
    const grantId = dataString(d, 0);
    if (grantId === undefined) return UNSURE;
    return { name: 'AccessGranted', requestId: topicUint(t[1]), tokenId: topicUint(t[2]), grantId, amount: dataWord(d, 1) };
  },
  [registryTopic('AccessCancelled')]: (t) => (t.length === 4 ? { name: 'AccessCancelled', requestId: topicUint(t[1]), tokenId: topicUint(t[2]), requester: topicAddr(t[3]) } : null),
};

/**
 * The registry's events by topic, computed once: ethers' Interface.parseLog looks an event up by
 * hashing every event signature again for each log (a keccak per fragment per log), which made
 * decoding 10,000 Registered logs take seconds (issue 16, the Discover bench).
 */
let eventsByTopic: Map<string, EventFragment> | undefined;
function parseLogCached(topics: readonly string[], data: string): LogDescription | null {
  eventsByTopic ??= new Map(registryInterface.fragments.filter((f): f is EventFragment => f instanceof EventFragment).map((f) => [f.topicHash, f]));
  const fragment = eventsByTopic.get(topics[0] ?? '');
  if (fragment === undefined) return null;
  return new LogDescription(fragment, fragment.topicHash, registryInterface.decodeEventLog(fragment, data, topics));
}

/** Like parseRegistryLogs, for logs straight from `eth_getLogs` (removed logs skipped). */
export function parseRawRegistryLogs(logs: readonly RawRpcLog[], address?: string): (RegistryEvent & { blockHash: string })[] {
  const want = address?.toLowerCase();
  const out: (RegistryEvent & { blockHash: string })[] = [];
  for (const log of logs) {
    if (log.removed === true) continue;
    if (want !== undefined && log.address !== want && log.address.toLowerCase() !== want) continue;
    const fast = FIXED_LAYOUT[log.topics[0] ?? ''];
    let body: RegistryEventBody | null | typeof UNSURE = fast ? fast(log.topics, log.data) : UNSURE;
    if (body === UNSURE) {
      try {
        const d: LogDescription | null = parseLogCached(log.topics, log.data);
        body = d === null ? null : eventFields(d); // ethers defers some decoding errors to field access
      } catch {
        continue;
      }
    }
    if (body === null) continue;
    // Where it was logged, set on the decoded body itself (no copy per log).
    const e = body as RegistryEvent & { blockHash: string };
    e.blockNumber = Number(log.blockNumber);
    e.transactionHash = log.transactionHash;
    e.logIndex = Number(log.logIndex);
    e.blockHash = log.blockHash;
    out.push(e);
  }
  return out;
}
