/**
 * Whatever a command throws, as what a person reads: a code, the app's sentence, and the
 * command line's sentence where it differs. Nothing internal (a stack, a command or field
 * name, a raw library dump) gets through: an error this file does not know becomes a sentence
 * that says what to do, and the details go to the log.
 */
import type { ChainError } from '../chain/errors';
import type { CryptoError, CryptoErrorCode } from '../crypto/errors';
import type { GrantKeyError } from '../publish/keys';
import type { ManifestError, ManifestErrorCode } from '../publish/manifest';
import type { SandboxError, StorageNodeError } from './sandbox-errors';
import type { StorageError } from '../storage/errors';
import { AtivoError, AtivoFault, damagedCatalog, errnoCode, type ErrorCode, type ErrorFamily } from '../util/errors';
import type { KeychainError } from '../vault/keychain';
import type { VaultError } from '../vault/vault';
import type { ResultError } from './contract';

/** SQLite says the file is not a database or is malformed. */
export const isSqliteDamage = (e: unknown): boolean => {
  const code = errnoCode(e) ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB');
};

/** A JSON column of the catalog that no longer parses (JSON.parse's SyntaxError). */
const isBrokenJson = (e: unknown): boolean =>
  e instanceof SyntaxError && /JSON|Unexpected (token|end|non-whitespace)|Bad control character|Unterminated string/i.test(e.message);

/** Whatever a known error class says, as a public error (its code from its own kind of failure). */
type FamilyOf = {
  ativo: AtivoError;
  crypto: CryptoError;
  storage: StorageError;
  chain: ChainError;
  keychain: KeychainError;
  vault: VaultError;
  sandbox: SandboxError;
  'storage-node': StorageNodeError;
  manifest: ManifestError;
  'grant-key': GrantKeyError;
};
/** FamilyOf, checked: each entry must be an AtivoFault of that family (a stray class fails to compile). */
type Checked<T extends { [F in ErrorFamily]: AtivoFault & { family: F } }> = T;
type Families = Checked<FamilyOf>;

/** A crypto failure is about what was given to open or encrypt: the key, the grant or the file. */
const CRYPTO_CODES: Record<CryptoErrorCode, ErrorCode> = {
  INVALID_RECIPIENT: 'INVALID_INPUT',
  INVALID_IDENTITY: 'INVALID_INPUT',
  WRONG_KEY: 'INVALID_INPUT',
  NOT_AGE: 'INVALID_INPUT',
  CORRUPT: 'INVALID_INPUT',
  INVALID_GRANT: 'INVALID_INPUT',
  GRANT_WRONG_KEY: 'INVALID_INPUT',
  GRANT_MISMATCH: 'INVALID_INPUT',
};
const MANIFEST_CODES: Record<ManifestErrorCode, ErrorCode> = { ENCRYPTED: 'INVALID_INPUT', WRONG_KEY: 'INVALID_INPUT', INVALID: 'STORAGE_ERROR' };
const VAULT_CODE = (code: VaultError['code']): ErrorCode => (code === 'WALLET_NOT_FOUND' ? 'NOT_FOUND' : code === 'CORRUPT_ENTRY' ? 'KEYCHAIN_ERROR' : 'INVALID_INPUT');

/** Every error family's public code: a table over ErrorFamily, so a new family must be mapped here to compile. */
const BY_FAMILY: { [F in ErrorFamily]: (e: Families[F]) => ErrorCode } = {
  ativo: (e) => e.code,
  crypto: (e) => CRYPTO_CODES[e.code],
  storage: () => 'STORAGE_ERROR',
  chain: () => 'CHAIN_ERROR',
  keychain: (e) => (e.code === 'KEYCHAIN_UNAVAILABLE' ? 'KEYCHAIN_UNAVAILABLE' : 'KEYCHAIN_ERROR'),
  vault: (e) => VAULT_CODE(e.code),
  sandbox: () => 'SANDBOX_ERROR',
  'storage-node': () => 'STORAGE_ERROR',
  manifest: (e) => MANIFEST_CODES[e.code],
  'grant-key': () => 'NOT_FOUND',
};

/** The public code of an Ativo error (its family's mapping). */
export function publicCode(e: AtivoFault): ErrorCode {
  const map = BY_FAMILY[e.family] as (e: AtivoFault) => ErrorCode;
  return map(e);
}

export function toResultError(e: unknown): ResultError {
  if (e instanceof AtivoError) {
    return { code: e.code, message: e.message, ...(e.cli !== undefined ? { cli: e.cli } : {}), ...(e.fields !== undefined ? { fields: [...e.fields] } : {}) };
  }
  if (e instanceof AtivoFault) return { code: publicCode(e), message: e.message };
  if (isSqliteDamage(e) || isBrokenJson(e)) return toResultError(damagedCatalog(e));
  if (errnoCode(e) === 'ENOSPC') return { code: 'INTERNAL', message: 'The disk is full: free some space and try again.' };
  return {
    code: 'INTERNAL',
    message: `Something went wrong inside Ativo (${e instanceof Error ? e.message : String(e)}). Try again; if it happens again, restart Ativo.`,
  };
}

/** The sentence for the command line: its own wording where it has one. */
export const cliMessage = (e: ResultError): string => e.cli ?? e.message;
