/**
 * Whatever a command throws, as what a person reads: a code, the app's sentence, and the
 * command line's sentence where it differs. Nothing internal (a stack, a command or field
 * name, a raw library dump) gets through: an error this file does not know becomes a sentence
 * that says what to do, and the details go to the log.
 */
// The error types alone (their own small modules): wording an error loads neither ethers nor the
// keychain nor the sandbox.
import { isChainError } from '../chain/chain-error';
import { SandboxError, StorageNodeError } from './sandbox-errors';
import { isStorageError } from '../storage/errors';
import { AtivoError, damagedCatalog, errnoCode } from '../util/errors';
import { isKeychainError } from '../vault/keychain';
import { isVaultError } from '../vault/errors';
import type { ResultError } from './contract';

/** SQLite says the file is not a database or is malformed. */
export const isSqliteDamage = (e: unknown): boolean => {
  const code = errnoCode(e) ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB');
};

/** A JSON column of the catalog that no longer parses (JSON.parse's SyntaxError). */
const isBrokenJson = (e: unknown): boolean =>
  e instanceof SyntaxError && /JSON|Unexpected (token|end|non-whitespace)|Bad control character|Unterminated string/i.test(e.message);

export function toResultError(e: unknown): ResultError {
  if (e instanceof AtivoError) {
    return { code: e.code, message: e.message, ...(e.cli !== undefined ? { cli: e.cli } : {}), ...(e.fields !== undefined ? { fields: [...e.fields] } : {}) };
  }
  if (isKeychainError(e)) return { code: e.code === 'KEYCHAIN_UNAVAILABLE' ? 'KEYCHAIN_UNAVAILABLE' : 'KEYCHAIN_ERROR', message: e.message };
  if (isChainError(e)) return { code: 'CHAIN_ERROR', message: e.message };
  if (isStorageError(e) || e instanceof StorageNodeError) return { code: 'STORAGE_ERROR', message: e.message };
  if (e instanceof SandboxError) return { code: 'SANDBOX_ERROR', message: e.message };
  if (isVaultError(e)) {
    const code = e.code === 'WALLET_NOT_FOUND' ? 'NOT_FOUND' : e.code === 'CORRUPT_ENTRY' ? 'KEYCHAIN_ERROR' : 'INVALID_INPUT';
    return { code, message: e.message };
  }
  if (isSqliteDamage(e) || isBrokenJson(e)) return toResultError(damagedCatalog(e));
  if (errnoCode(e) === 'ENOSPC') return { code: 'INTERNAL', message: 'The disk is full: free some space and try again.' };
  return {
    code: 'INTERNAL',
    message: `Something went wrong inside Ativo (${e instanceof Error ? e.message : String(e)}). Try again; if it happens again, restart Ativo.`,
  };
}

/** An error a command may end with (its sentence says what to do): not logged as a failure of Ativo's own. */
export const isExpectedError = (e: unknown): boolean =>
  e instanceof AtivoError || isVaultError(e) || isKeychainError(e) || isChainError(e) || isStorageError(e) || e instanceof StorageNodeError || e instanceof SandboxError;

/** The sentence for the command line: its own wording where it has one. */
export const cliMessage = (e: ResultError): string => e.cli ?? e.message;
