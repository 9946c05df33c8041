/**
 * The publish job's checkpoint (src/publish/pipeline.ts), as a schema: the queue parses a stored
 * checkpoint with it before each run (a damaged one fails the job with a sentence, never a
 * crash), and checks a new job's input with PublishInput. Loose objects: a field a newer
 * version adds survives a resave by this one.
 */
import { z } from 'zod';

const PublishTerms = z.looseObject({
  visibility: z.enum(['public', 'private']),
  /** A license id (CC-BY-4.0, …) or `custom`. */
  license: z.string(),
  /** The license terms text the terms hash is computed from. */
  terms: z.string(),
  priceWei: z.string().regex(/^\d+$/),
  approval: z.enum(['manual', 'auto']),
  split: z.array(z.object({ address: z.string(), bps: z.number().int() })),
  /** Seconds each approval lasts (0 or absent = perpetual; issue 14). */
  accessPeriodSeconds: z.number().int().nonnegative().optional(),
});
export type PublishTerms = z.output<typeof PublishTerms>;

/** The version a publication follows (the asset's latest certified version with another content root). */
export const PreviousVersion = z.object({
  versionId: z.number().int(),
  number: z.number().int(),
  contentRoot: z.string(),
  manifestId: z.string().nullable(),
  tokenId: z.string().nullable(),
});
export type PreviousVersion = z.output<typeof PreviousVersion>;

/** What a new publish job is queued with. */
export const PublishInput = PublishTerms.extend({
  assetId: z.number().int().positive(),
  network: z.string().min(1),
  contentRoot: z.string().regex(/^[0-9a-f]{64}$/),
  owner: z.string().min(1),
  encryptTo: z.array(z.string()).optional(),
  previous: PreviousVersion.optional(),
  /** The creator's public description (else the README's first paragraph; issue 16). */
  description: z.string().optional(),
  /** The consent rule to set right after the registration (bps; absent: the owner alone; issue 17). */
  consentBps: z.number().int().min(1).max(10_000).optional(),
});

export const PublishCheckpoint = PublishInput.extend({
  /** The step order (2: prepare, manifest, register, uploads, certificate); absent: made before it (uploads came first). */
  order: z.number().int().optional(),
  step: z.enum(['prepare', 'manifest', 'register', 'uploads', 'certificate']).optional(),
  manifestId: z.string().optional(),
  /** The manifest's text (relPath → item id), in the staging folder until the certificate is made. */
  manifestDoc: z.string().optional(),
  manifestReceipt: z.unknown().optional(),
  /** Its uploads were queued and have not all ended yet. */
  uploadsStarted: z.boolean().optional(),
  /** They were queued as this job's children (absent: queued before parent jobs existed). */
  uploadsOwned: z.boolean().optional(),
  tx: z.object({ hash: z.string(), raw: z.string() }).optional(),
  /** The consent rule asked for is on chain (set, or inherited from the version before). */
  consentSet: z.boolean().optional(),
  tokenId: z.string().optional(),
  txHash: z.string().optional(),
  blockNumber: z.number().int().optional(),
  /** The public metadata items stored after the manifest (issue 16, src/publish/metadata.ts). */
  metadata: z.object({ id: z.string(), croissantId: z.string().optional() }).optional(),
});
export type PublishCheckpoint = z.output<typeof PublishCheckpoint>;
