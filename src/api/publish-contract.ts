/**
 * Commands of publishing a version of an asset. Spread into `commands` (contract.ts).
 * Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { LICENSE_IDS } from '../publish/licenses';
import { Visibility, Id, NetworkName, Address, Wei, Amount } from './schemas';

export const publishCommands = {
  'assets.publish': {
    input: z
      .object({
        id: Id,
        // Each term left out is the previous version's (a first publication: public, CC-BY-4.0,
        // free, manual approval, 100% to the owner).
        visibility: Visibility.optional(),
        /** Making a version of a private asset public must say so. */
        confirmPublic: z.boolean().optional(),
        license: z.enum(LICENSE_IDS).optional(),
        customTerms: z.string().trim().min(1).max(20_000).optional(),
        priceEth: z.string().regex(/^\d{1,9}(\.\d{1,18})?$/, 'must be an amount of ETH like 0.01 (0 for free)').optional(),
        approval: z.enum(['manual', 'auto']).optional(),
        /** Days each approval lasts (0 = perpetual); left out: the previous version's. */
        accessDays: z.number().int().min(0).max(36_500).optional(),
        /**
         * Who must agree to later changes of the terms (issue 17), set right after the registration:
         * "owner" (the owner alone, the default), "all" (every payee), or a percent of the split.
         * A new version keeps the rule of the version before; a rule can only be made stricter.
         */
        consent: z.union([z.enum(['owner', 'all']), z.number().int().min(1).max(100)]).optional(),
        /** The public description (issue 16); left out: the README's first paragraph. */
        description: z.string().trim().max(2000).optional(),
        split: z
          .array(z.object({ address: Address, percent: z.number().positive().max(100) }).strict())
          .min(1)
          .max(64)
          .optional(),
        /**
         * Fund the storage balance with what this publication lacks, before it is queued (issue
         * 15): 'needed' adds whatever is short; an amount in wei is the most the person confirmed.
         * Left out: nothing is funded (its uploads wait for funds when the balance is short).
         */
        fundStorage: z.union([z.literal('needed'), z.string().regex(/^\d{1,78}$/, 'must be an amount in wei (a whole number)')]).optional(),
      })
      .strict(),
    output: z.object({
      assetId: Id,
      /** What was added to the storage balance for it (wei; 0: the balance covered it; absent: not asked). */
      storageFunded: z.string().optional(),
      /** The publish job; null when nothing changed since the last certified version (see alreadyCertified). */
      jobId: Id.nullable(),
      network: NetworkName,
      owner: z.string(),
      /** The version this publication will certify (the next one when the folder changed). */
      version: z.number().int().positive(),
      /** Set when the folder (rescanned first) is exactly the latest certified version: nothing is published again. */
      alreadyCertified: z.object({ version: z.number().int().positive(), tokenId: z.string().nullable(), certifiedAt: z.string() }).nullable(),
    }),
  },
  'assets.publishDefaults': {
    input: z.object({ id: Id }).strict(),
    output: z.object({
      owner: z.string().nullable(),
      licenses: z.array(z.object({ id: z.string(), terms: z.string() })),
      contributors: z.array(z.object({ name: z.string(), address: z.string().nullable(), percent: z.number().nullable(), source: z.string() })),
      /** Storage price of the files not stored yet on this network (null when it cannot be asked now). */
      storageQuote: Amount.nullable(),
      storageBalance: Amount.nullable(),
      /** Estimated chain fee of the registration (gas × price). */
      chainFee: Amount.nullable(),
      network: NetworkName,
      notes: z.array(z.string()),
      /** The terms of the latest certified version, or of a later publication that did not finish (a new version starts from them); null before the first publication. */
      previous: z
        .object({
          /** The latest certified version (0: none yet). */
          version: z.number().int().nonnegative(),
          /** The terms are those of the last publication, which did not finish (no certificate). */
          lastAttempt: z.boolean(),
          visibility: Visibility,
          license: z.string(),
          customTerms: z.string().nullable(),
          priceWei: Wei,
          approval: z.enum(['manual', 'auto']),
          split: z.array(z.object({ address: z.string(), bps: z.number().int() })),
          accessDays: z.number().int(),
        })
        .nullable(),
      /** Files added, changed and removed since that version (from the last scan); null before the first publication. */
      changes: z.object({ added: z.array(z.string()), changed: z.array(z.string()), removed: z.array(z.string()) }).nullable(),
    }),
  },
  /** Whether a content root is registered on the current network's chain, and by whom. */
  'assets.registration': {
    input: z.object({ contentRoot: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be a content root (64 hex digits)') }).strict(),
    output: z.object({ tokenId: z.string().nullable(), owner: z.string().nullable() }),
  },
} as const;
