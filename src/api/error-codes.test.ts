/**
 * One error hierarchy: every error class Ativo throws on purpose is an AtivoFault, and
 * toResultError gives each its public code (none falls through to INTERNAL).
 */
import { describe, expect, it } from 'vitest';
import { ChainError } from '../chain/errors';
import { CryptoError } from '../crypto/errors';
import { GrantKeyError } from '../publish/keys';
import { ManifestError } from '../publish/manifest';
import { StorageError } from '../storage/errors';
import { AtivoError, AtivoFault, ERROR_CODES, type ErrorCode } from '../util/errors';
import { KeychainError, KeychainUnavailableError } from '../vault/keychain';
import { VaultError } from '../vault/vault';
import { SandboxError, StorageNodeError } from './sandbox-errors';
import { ErrorCode as ContractErrorCode } from './contract';
import { toResultError } from './public-errors';

const cases: [string, AtivoFault, ErrorCode][] = [
  ['AtivoError', new AtivoError('BUSY', 'Wait.'), 'BUSY'],
  ['CryptoError WRONG_KEY', new CryptoError('WRONG_KEY', 'This file was not encrypted for this key.'), 'INVALID_INPUT'],
  ['CryptoError CORRUPT', new CryptoError('CORRUPT', 'This encrypted file is damaged.'), 'INVALID_INPUT'],
  ['StorageError', new StorageError('NODE_UNREACHABLE', 'Storage node is not reachable.'), 'STORAGE_ERROR'],
  ['ChainError', new ChainError('UNREACHABLE', 'The chain is not reachable.'), 'CHAIN_ERROR'],
  ['KeychainError', new KeychainError('KEYCHAIN_FAILURE', 'The keychain refused.', 'detail'), 'KEYCHAIN_ERROR'],
  ['KeychainUnavailableError', new KeychainUnavailableError('locked', 'detail'), 'KEYCHAIN_UNAVAILABLE'],
  ['VaultError WALLET_NOT_FOUND', new VaultError('WALLET_NOT_FOUND', 'No such wallet.'), 'NOT_FOUND'],
  ['VaultError CORRUPT_ENTRY', new VaultError('CORRUPT_ENTRY', 'Damaged entry.'), 'KEYCHAIN_ERROR'],
  ['VaultError INVALID_ADDRESS', new VaultError('INVALID_ADDRESS', 'Not an address.'), 'INVALID_INPUT'],
  ['SandboxError', new SandboxError('START_FAILED', 'The sandbox chain did not start.'), 'SANDBOX_ERROR'],
  ['StorageNodeError', new StorageNodeError('START_FAILED', 'The storage node did not start.'), 'STORAGE_ERROR'],
  ['ManifestError INVALID', new ManifestError('INVALID', 'The file list is damaged.'), 'STORAGE_ERROR'],
  ['ManifestError WRONG_KEY', new ManifestError('WRONG_KEY', 'Wrong key.'), 'INVALID_INPUT'],
  ['GrantKeyError', new GrantKeyError('The key is not in this keychain.'), 'NOT_FOUND'],
];

describe('error hierarchy', () => {
  it.each(cases)('%s maps to its public code, with its own sentence', (name, error, code) => {
    expect(error).toBeInstanceOf(AtivoFault);
    expect(error.name).toBe(name.split(' ')[0]);
    expect(toResultError(error)).toMatchObject({ code, message: error.message });
  });

  it('covers every family, and the contract speaks the base layer codes', () => {
    expect(new Set(cases.map(([, e]) => e.family)).size).toBe(10);
    expect(ContractErrorCode.options).toEqual([...ERROR_CODES]);
    expect(toResultError(new Error('x')).code).toBe('INTERNAL');
  });

  it('a coded error made by codedError keeps its code, cause and class', () => {
    const cause = new Error('port taken');
    const e = new SandboxError('PORT_IN_USE', 'The port is taken.', { cause });
    expect(e).toBeInstanceOf(SandboxError);
    expect(e).not.toBeInstanceOf(StorageNodeError);
    expect(e).toMatchObject({ family: 'sandbox', name: 'SandboxError', code: 'PORT_IN_USE', message: 'The port is taken.', cause });
  });
});
