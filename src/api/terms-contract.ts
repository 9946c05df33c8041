/**
 * Commands of terms changes after publishing, listing and expiring access (issue 14), spread
 * into `commands` (contract.ts). Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { LICENSE_IDS } from '../publish/licenses';

const Id = z.number().int().positive();
const Wei = z.string().regex(/^\d{1,78}$/, 'must be an amount in wei (a whole number)');
const License = z.enum(LICENSE_IDS);

/** A terms or listing change queued as a job. */
const TermsJob = z.object({
  jobId: Id,
  /** False when the same change was already under way (its job is returned). */
  created: z.boolean(),
  tokenId: z.string(),
});

/** One certificate of the live version: the current one, and those its terms changes superseded. */
export const TermsCertificate = z.object({
  certifiedAt: z.string(),
  priceWei: Wei,
  license: z.string(),
  termsHash: z.string(),
  /** When a terms change replaced it (null: the current one). */
  supersededAt: z.string().nullable(),
});

/** What the asset page's terms panel shows. */
export const TermsState = z.object({
  /** False before the asset is certified on the current network's registry. */
  published: z.boolean(),
  network: z.string(),
  tokenId: z.string().nullable(),
  version: z.number().int().nullable(),
  /** The token's owner on chain, and whether it is the wallet in use (only it can change anything). */
  owner: z.string().nullable(),
  isOwner: z.boolean(),
  priceWei: Wei,
  license: z.string(),
  customTerms: z.string().nullable(),
  termsHash: z.string().nullable(),
  /** Days each approval lasts (0 = perpetual). */
  accessDays: z.number().int(),
  forSale: z.boolean(),
  pendingRequests: z.number().int(),
  /** Live terms / listing change jobs (null when none). */
  termsJob: Id.nullable(),
  saleJob: Id.nullable(),
  certificates: z.array(TermsCertificate),
  /** Why the chain could not be read now (the rest comes from the catalog); null when it was. */
  note: z.string().nullable(),
});

export const Buyer = z.object({
  requestId: z.string(),
  requester: z.string(),
  amountWei: Wei,
  tokenId: z.string(),
  version: z.number().int().nullable(),
  /** When access ends (ISO), null when perpetual. */
  expiresAt: z.string().nullable(),
  state: z.enum(['active', 'expired']),
});

export const termsCommands = {
  'assets.terms': { input: z.object({ assetId: Id }).strict(), output: TermsState },
  /** Changes price and/or license of the live version on chain (the split needs a new version). */
  'assets.updateTerms': {
    input: z
      .object({
        assetId: Id,
        priceEth: z.string().regex(/^\d{1,9}(\.\d{1,18})?$/, 'must be an amount of ETH like 0.01 (0 for free)').optional(),
        license: License.optional(),
        customTerms: z.string().trim().min(1).max(20_000).optional(),
      })
      .strict()
      .refine((v) => v.priceEth !== undefined || v.license !== undefined, 'give a new price or a new license'),
    output: TermsJob.extend({ priceWei: Wei, termsHash: z.string() }),
  },
  'assets.setForSale': { input: z.object({ assetId: Id, forSale: z.boolean() }).strict(), output: TermsJob.extend({ forSale: z.boolean() }) },
  /** Buyers of every version of the asset (approved requests on the current network), active or expired. */
  'assets.buyers': { input: z.object({ assetId: Id }).strict(), output: z.object({ items: z.array(Buyer), accessDays: z.number().int() }) },
} as const;

export type TermsState = z.infer<typeof TermsState>;
export type TermsCertificate = z.infer<typeof TermsCertificate>;
export type Buyer = z.infer<typeof Buyer>;
