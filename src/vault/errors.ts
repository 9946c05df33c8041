/** The vault's error, apart from vault.ts so that wording an error never loads ethers or the keychain. */
import { codedError } from '../util/errors';
export type VaultErrorCode =
  | 'INVALID_PRIVATE_KEY'
  | 'INVALID_MNEMONIC'
  | 'INVALID_DERIVATION_PATH'
  | 'INVALID_ADDRESS'
  | 'INVALID_LABEL'
  | 'INVALID_ASSET_ID'
  | 'INVALID_IDENTITY'
  | 'EMPTY_PASSWORD'
  | 'WALLET_NOT_FOUND'
  | 'CORRUPT_ENTRY';

/** Bad input or state. Messages are plain English and never contain the secret involved. */
export class VaultError extends codedError<'vault', VaultErrorCode>('vault', 'VaultError') {}

export const isVaultError = (e: unknown): e is VaultError => e instanceof VaultError;
