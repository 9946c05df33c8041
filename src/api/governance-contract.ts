/**
 * Commands of governance (issue 17, app side): a token's consent rule, and proposals of new terms
 * between its payees' apps (src/governance). Spread into `commands` (contract.ts). Free of Node
 * and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { Address } from './schemas';

const Id = z.number().int().positive();
const Wei = z.string().regex(/^\d{1,78}$/);
const ProposalId = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a proposal id: 0x and 64 hexadecimal digits');
const License = z.enum(['CC-BY-4.0', 'CC-BY-NC-4.0', 'CC0-1.0', 'ODC-By-1.0', 'OpenRAIL-M', 'custom']);

/** One payee's answer to a proposal. */
export const ProposalAnswer = z.object({ signer: z.string(), decision: z.enum(['sign', 'decline']), at: z.string() });

export const ProposalView = z.object({
  id: z.string(),
  network: z.string(),
  tokenId: z.string(),
  /** The asset of this catalog it changes (null when this computer does not hold it: a partner's). */
  assetId: z.number().int().nullable(),
  /** The asset's name, from this catalog or the public index (null when unknown). */
  assetName: z.string().nullable(),
  author: z.string(),
  /** What changes, in plain words, one line each ("Price 0.01 ETH → 0.02 ETH"). */
  changes: z.array(z.string()),
  priceWei: Wei,
  license: z.string(),
  deadline: z.string(),
  state: z.enum(['open', 'submitted', 'stale']),
  answers: z.array(ProposalAnswer),
  /** Share (percent) of the split that agreed (the author included when a payee), and what the rule needs. */
  agreedPercent: z.number(),
  neededPercent: z.number(),
  /** Whether the wallet in use may still sign it, and whether it owns the token (only the owner submits). */
  canAnswer: z.boolean(),
  isOwner: z.boolean(),
  /** A submission job under way or done (null when none). */
  submitJob: Id.nullable(),
});

export const GovernanceState = z.object({
  published: z.boolean(),
  tokenId: z.string().nullable(),
  /** The consent rule, in bps (0: the owner alone) and in words. */
  consentBps: z.number().int(),
  rule: z.string(),
  isOwner: z.boolean(),
  payees: z.array(z.object({ address: z.string(), percent: z.number() })),
  proposals: z.array(ProposalView),
});

export const governanceCommands = {
  'governance.state': { input: z.object({ assetId: Id }).strict(), output: GovernanceState },
  /** Sets the consent rule of the asset's live token: "owner" (the owner alone), "all" (every payee) or a percent of the split (1–100). It can only be made stricter. */
  'governance.setRule': {
    input: z.object({ assetId: Id, rule: z.union([z.enum(['owner', 'all']), z.number().int().min(1).max(100)]) }).strict(),
    output: z.object({ tokenId: z.string(), consentBps: z.number().int(), rule: z.string(), txHash: z.string().nullable() }),
  },
  /** Proposals of tokens where the wallet in use is a payee or the owner (read again from storage when `refresh`). */
  'proposals.list': {
    input: z.object({ assetId: Id.optional(), refresh: z.boolean().optional() }).strict(),
    output: z.object({ items: z.array(ProposalView), note: z.string().nullable() }),
  },
  /** Proposes new terms (price, license, access period and/or split) for the asset's live token, signed by the wallet in use and stored. */
  'proposals.create': {
    input: z
      .object({
        assetId: Id,
        priceEth: z.string().regex(/^\d{1,9}(\.\d{1,18})?$/, 'must be an amount of ETH like 0.01 (0 for free)').optional(),
        license: License.optional(),
        customTerms: z.string().trim().min(1).max(20_000).optional(),
        /** Days each approval lasts (0 = perpetual). */
        accessDays: z.number().int().min(0).max(36_500).optional(),
        /** The new revenue split (percent shares adding up to 100). */
        split: z
          .array(z.object({ address: Address, percent: z.number().positive().max(100) }).strict())
          .min(1)
          .max(50)
          .optional(),
      })
      .strict()
      .refine((v) => v.priceEth !== undefined || v.license !== undefined || v.accessDays !== undefined || v.split !== undefined, 'give a new price, license, access period or split'),
    output: ProposalView,
  },
  'proposals.sign': { input: z.object({ proposalId: ProposalId }).strict(), output: ProposalView },
  'proposals.decline': { input: z.object({ proposalId: ProposalId }).strict(), output: ProposalView },
  /** Submits a proposal its payees agreed to (the owner only), as a job. */
  'proposals.submit': { input: z.object({ proposalId: ProposalId }).strict(), output: z.object({ jobId: Id, created: z.boolean(), proposalId: z.string() }) },
} as const;

export type ProposalView = z.infer<typeof ProposalView>;
export type GovernanceState = z.infer<typeof GovernanceState>;
