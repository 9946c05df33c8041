/**
 * Commands of wallets (secrets travel inward only). Spread into `commands` (contract.ts).
 * Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { AbsolutePath, FileName, NetworkName, Address } from './schemas';

export const WalletInfo = z.object({
  address: z.string(),
  label: z.string(),
  createdAt: z.string(),
  source: z.enum(['created', 'private-key', 'mnemonic']),
});
export const WalletState = z.object({ wallets: z.array(WalletInfo), current: z.string().nullable() });

export const walletsCommands = {
  'wallet.list': {
    input: z.object({}).strict(),
    output: WalletState,
  },
  'wallet.create': {
    input: z.object({ label: z.string().trim().max(100).optional() }).strict(),
    output: WalletInfo,
  },
  'wallet.import': {
    // Secrets travel inward only (to the backend, then the keychain); no command ever returns one.
    input: z
      .object({
        privateKey: z.string().max(200).optional(),
        mnemonic: z.string().max(1000).optional(),
        path: z.string().max(100).optional(),
        label: z.string().trim().max(100).optional(),
      })
      .strict()
      .refine((v) => (v.privateKey === undefined) !== (v.mnemonic === undefined), 'give either a private key or a recovery phrase'),
    output: WalletInfo,
  },
  'wallet.export': {
    // Writes an encrypted keystore FILE (mode 0600, never replacing one) and answers its path:
    // key material never crosses the API, even encrypted. `path`: an absolute file path (the
    // desktop app's save dialog, the CLI's --out); `fileName`: a bare name in the data dir's
    // exports folder (the browser shell, which may not send `path`); neither: a dated default there.
    input: z
      .object({
        address: Address,
        password: z.string().min(8, 'use a password of at least 8 characters').max(1000),
        path: AbsolutePath.optional(),
        fileName: FileName.optional(),
      })
      .strict()
      .refine((v) => v.path === undefined || v.fileName === undefined, 'give either a path or a file name, not both'),
    output: z.object({ address: z.string(), path: z.string() }),
  },
  'wallet.remove': {
    input: z.object({ address: Address }).strict(),
    output: z.object({ removed: z.literal(true), address: z.string() }),
  },
  'wallet.use': {
    input: z.object({ address: Address }).strict(),
    output: WalletState,
  },
  'wallet.balance': {
    input: z.object({ address: Address.optional() }).strict(),
    output: z.object({ address: z.string(), network: NetworkName, chainId: z.number().int(), wei: z.string(), ether: z.string() }),
  },
} as const;

export type WalletInfo = z.infer<typeof WalletInfo>;
export type WalletState = z.infer<typeof WalletState>;
