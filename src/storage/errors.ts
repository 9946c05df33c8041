/**
 * What can go wrong talking to a storage node, sorted by what the caller should do about it:
 * retry later (transient), wait for a person to fund the account, or give up (permanent).
 */
import type { Amount } from './format';
import { AtivoFault } from '../util/errors';

export type StorageErrorCode =
  /** Connection refused / reset / timed out, DNS failure: retry with backoff. */
  | 'NODE_UNREACHABLE'
  /** The node answered 5xx (or 507: out of space) or something unexpected: retry with backoff. */
  | 'NODE_ERROR'
  /** The node no longer knows the chunked upload (expired, or its chunks cannot be assembled): start a new one. */
  | 'UPLOAD_EXPIRED'
  /** The balance on the node is below the price (or the node answered 402): fund, then resume. */
  | 'INSUFFICIENT_BALANCE'
  /** The file's bytes no longer match the expected sha256/size: never upload them. */
  | 'FILE_CHANGED'
  /** The file cannot be read (missing, permissions, I/O error). */
  | 'FILE_UNREADABLE'
  /** The node's receipt does not verify, or is not for the item that was sent. */
  | 'BAD_RECEIPT'
  /** The node refused the item or the request (4xx other than the above): retrying will not help. */
  | 'REJECTED'
  /** Funding the account failed (chain transaction or the node refused the funding tx). */
  | 'FUNDING_FAILED'
  /** The item about to be sent is not the one whose id was fixed in advance (other bytes, tags or key): never stored. */
  | 'ITEM_MISMATCH'
  /** The operation must be signed by another wallet than this client's (nothing signed or sent). */
  | 'WRONG_WALLET';

const TRANSIENT: ReadonlySet<StorageErrorCode> = new Set(['NODE_UNREACHABLE', 'NODE_ERROR', 'UPLOAD_EXPIRED']);

export interface BalanceShortfall {
  needed: Amount;
  balance: Amount;
  shortBy: Amount;
}

export class StorageError extends AtivoFault {
  readonly family = 'storage';
  override readonly name = 'StorageError';
  /** For INSUFFICIENT_BALANCE: how much is missing (when known). */
  readonly shortfall: BalanceShortfall | undefined;
  /** The node's HTTP status, when the error is an answer. */
  readonly status: number | undefined;

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown; shortfall?: BalanceShortfall; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.shortfall = options?.shortfall;
    this.status = options?.status;
  }

  /** Retrying the same operation later can succeed. */
  get transient(): boolean {
    return TRANSIENT.has(this.code);
  }
}

export const isStorageError = (e: unknown, code?: StorageErrorCode): e is StorageError =>
  e instanceof StorageError && (code === undefined || e.code === code);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** The network-level error code of an error (axios, fetch, AggregateError), or undefined if it is not one. */
export function networkErrorCode(e: unknown, depth = 0): string | undefined {
  if (typeof e !== 'object' || e === null || depth > 4) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  const msg = (e as { message?: unknown }).message;
  if (typeof msg === 'string' && /socket hang up|network error|ECONNREFUSED|ECONNRESET/i.test(msg)) return 'ECONNRESET';
  for (const inner of (e as { errors?: unknown }).errors instanceof Array ? ((e as { errors: unknown[] }).errors) : []) {
    const c = networkErrorCode(inner, depth + 1);
    if (c) return c;
  }
  return networkErrorCode((e as { cause?: unknown }).cause, depth + 1);
}

export const unreachable = (url: string, cause: unknown): StorageError =>
  new StorageError('NODE_UNREACHABLE', `Storage node at ${url} is not reachable (${networkErrorCode(cause) ?? 'no answer'}); retrying.`, { cause });

/** The node's JSON error body `{ error, message }`, or its text. */
export function nodeErrorText(data: unknown, statusText?: string): string {
  if (typeof data === 'string' && data.trim() !== '') return data.trim();
  if (typeof data === 'object' && data !== null) {
    const m = (data as { message?: unknown }).message;
    if (typeof m === 'string') return m;
  }
  return statusText ?? '';
}

export function nodeErrorCode(data: unknown): string | undefined {
  if (typeof data === 'object' && data !== null) {
    const c = (data as { error?: unknown }).error;
    if (typeof c === 'string') return c;
  }
  return undefined;
}
