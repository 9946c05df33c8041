export {
  DEFAULT_KEYCHAIN_PREFIX,
  Keychain,
  KeychainError,
  KeychainUnavailableError,
  isKeychainError,
  isKeychainUnavailable,
} from './keychain';
export type { KeychainCredential, KeychainErrorCode, KeychainOptions, KeychainUnavailableReason } from './keychain';
export { DEFAULT_DERIVATION_PATH, DEFAULT_KEYSTORE_SCRYPT_N, Vault, VaultError, isVaultError } from './vault';
export type { VaultErrorCode, VaultOptions, WalletInfo, WalletSource } from './vault';
