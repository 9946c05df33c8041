/**
 * Typed errors of the crypto layer. Messages are plain English, stable enough to show a
 * person, and never contain a secret (an identity, a file key) or a piece of one.
 */
import { AtivoFault } from '../util/errors';
export type CryptoErrorCode =
  /** Not an X25519 age recipient (`age1…`). */
  | 'INVALID_RECIPIENT'
  /** Not an X25519 age identity (`AGE-SECRET-KEY-1…`). */
  | 'INVALID_IDENTITY'
  /** The file is a valid age file, but none of the given identities can open it. */
  | 'WRONG_KEY'
  /** The input does not start like an age file (binary or armored). */
  | 'NOT_AGE'
  /** The age file is damaged, truncated, or has trailing data. */
  | 'CORRUPT'
  /** The grant is not a well-formed Ativo grant, or is damaged. */
  | 'INVALID_GRANT'
  /** The grant was encrypted to a different recipient. */
  | 'GRANT_WRONG_KEY'
  /** The grant is for a different asset than expected. */
  | 'GRANT_MISMATCH';

export const CRYPTO_MESSAGES = {
  WRONG_KEY: 'This file was not encrypted for this key.',
  GRANT_WRONG_KEY: 'This grant was made for another key.',
  NOT_AGE: 'This is not an age-encrypted file.',
  CORRUPT: 'This encrypted file is damaged or incomplete, so it could not be decrypted.',
} as const;

export class CryptoError extends AtivoFault {
  readonly family = 'crypto';
  override name = 'CryptoError';
  readonly code: CryptoErrorCode;
  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export const isCryptoError = (e: unknown, code?: CryptoErrorCode): e is CryptoError =>
  e instanceof CryptoError && (code === undefined || e.code === code);
