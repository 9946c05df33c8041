/**
 * Commands of certificates: export and verification. Spread into `commands` (contract.ts).
 * Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { Id, AbsolutePath } from './schemas';

export const certificatesCommands = {
  'assets.certificate': {
    input: z.object({ id: Id }).strict(),
    output: z.object({ certificate: z.record(z.string(), z.unknown()) }),
  },
  /**
   * Checks a certificate. The files are checked against `folder`; without one, against the local
   * asset the certificate belongs to (`assetId`, or found by its token) when there is one; else
   * (or with `fromStorage`) against the files downloaded from storage, decrypted when the asset
   * is private and its key is in this keychain.
   */
  'certificates.verify': {
    input: z
      .object({
        certificate: z.record(z.string(), z.unknown()),
        folder: AbsolutePath.optional(),
        assetId: Id.optional(),
        fromStorage: z.boolean().default(false),
        /** A registry to trust besides the known networks' (the CLI's --registry): said so in the result. */
        registry: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a registry address (0x and 40 hexadecimal digits)').optional(),
      })
      .strict()
      .refine((v) => !(v.fromStorage && v.folder !== undefined), 'give either a folder or fromStorage, not both'),
    output: z.object({
      /** Every check that could be made passed (a skipped check does not count). */
      ok: z.boolean(),
      checks: z.array(
        z.object({
          name: z.enum(['signature', 'registration', 'receipts', 'files', 'stored']),
          ok: z.boolean(),
          detail: z.string(),
          /** The check could not be made (e.g. a private asset's files without its key); detail says why. */
          skipped: z.boolean().optional(),
        }),
      ),
    }),
  },
} as const;
