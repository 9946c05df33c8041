/**
 * Commands of Discover and an asset's public page (issue 16), spread into `commands`
 * (contract.ts). Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';

const Wei = z.string().regex(/^\d{1,78}$/);
const TokenId = z.string().regex(/^\d{1,78}$/, 'must be a token number');
const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be an address: 0x and 40 hexadecimal digits');

/** One registered asset in the Discover list. */
export const DiscoverItem = z.object({
  chainId: z.number().int(),
  registry: z.string(),
  tokenId: z.string(),
  /** Null when its public description is not known (not found yet, or not valid). */
  name: z.string().nullable(),
  kind: z.string().nullable(),
  description: z.string().nullable(),
  /** SPDX id (LicenseRef-… for custom terms). */
  license: z.string().nullable(),
  priceWei: Wei,
  forSale: z.boolean(),
  owner: z.string(),
  /** Owned by the wallet in use. */
  mine: z.boolean(),
  approved: z.number().int(),
  registeredAt: z.string(),
  metadata: z.enum(['pending', 'found', 'missing', 'invalid']),
});

/** An asset's public record, from the chain's events. */
export const PublicRecord = z.object({
  requests: z.number().int(),
  approved: z.number().int(),
  denied: z.number().int(),
  cancelled: z.number().int(),
  pending: z.number().int(),
  /** Approved among decided (approved + denied), 0..1; null before any decision. */
  approvalRate: z.number().nullable(),
  /** Median seconds from a request to its approval or denial; null before any decision. */
  medianDecisionSeconds: z.number().nullable(),
  /** Paid to the split's payees by approvals, in wei. */
  paidWei: Wei,
});

const Contributor = z.object({ name: z.string(), role: z.string(), orcid: z.string().nullable() });

export const PublicAsset = DiscoverItem.extend({
  contentRoot: z.string(),
  contributors: z.array(Contributor),
  size: z.number().nullable(),
  fileCount: z.number().int().nullable(),
  version: z.number().int().nullable(),
  licenseUrl: z.string().nullable(),
  /** The license in plain words. */
  licenseWords: z.string(),
  contact: z.string().nullable(),
  /** Days an approval lasts (0 = no end); null when the chain could not be read. */
  accessDays: z.number().int().nullable(),
  /** Days the owner has to answer before the requester may cancel and get the money back. */
  answerDays: z.number().nullable(),
  split: z.array(z.object({ address: z.string(), percent: z.number() })),
  /** Other versions of this asset known here (token, version number), newest first. */
  versions: z.array(z.object({ tokenId: z.string(), version: z.number().int().nullable(), current: z.boolean() })),
  record: PublicRecord,
  /** The CITATION.cff text of this version (null without metadata). */
  citation: z.string().nullable(),
  /** Why part of the page could not be read now (null when all was). */
  note: z.string().nullable(),
  /**
   * The approval mode its current owner stated (a statement signed by that wallet on the storage
   * node; src/discover/approval-statement.ts): auto = a request that pays is approved at once;
   * manual = the owner decides; null = not stated (or not readable now).
   */
  approval: z.enum(['auto', 'manual']).nullable().default(null),
  /**
   * Who must agree to changes of its terms (issue 17), from the registry's governanceOf: the rule
   * in bps (0 = the owner alone, 10000 = every payee) and in plain words; null when not readable now.
   */
  consentBps: z.number().int().nullable().default(null),
  consentRule: z.string().nullable().default(null),
});

const Sort = z.enum(['newest', 'price', 'approved']);

export const discoverCommands = {
  'discover.list': {
    input: z
      .object({
        query: z.string().max(200).optional(),
        kind: z.enum(['dataset', 'model', 'other']).optional(),
        license: z.string().max(100).optional(),
        free: z.boolean().optional(),
        maxPriceEth: z.string().regex(/^\d{1,9}(\.\d{1,18})?$/, 'must be an amount of ETH like 0.01').optional(),
        sort: Sort.default('newest'),
        /** Read the chain and the storage node first (the command line; the app keeps up in the background). */
        refresh: z.boolean().default(false),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    output: z.object({
      items: z.array(DiscoverItem),
      total: z.number().int(),
      /** Licenses in use, for the filter. */
      licenses: z.array(z.string()),
      network: z.string(),
      /** Assets whose description is still being fetched. */
      pending: z.number().int(),
      note: z.string().nullable(),
    }),
  },
  'discover.asset': {
    input: z.object({ chainId: z.number().int().positive(), registry: Address, tokenId: TokenId }).strict(),
    output: PublicAsset,
  },
  /** The public record of an asset of this catalog (its live version on the current network), for its owner's page. */
  'discover.record': {
    input: z.object({ assetId: z.number().int().positive() }).strict(),
    output: z.object({ record: PublicRecord.nullable(), chainId: z.number().int().nullable(), registry: z.string().nullable(), tokenId: z.string().nullable() }),
  },
} as const;

export type DiscoverItem = z.infer<typeof DiscoverItem>;
export type PublicRecord = z.infer<typeof PublicRecord>;
export type PublicAsset = z.infer<typeof PublicAsset>;
