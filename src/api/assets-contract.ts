/**
 * Commands of the library: adding, listing, reading and removing assets, the folder browser and the app's facts. Spread into `commands` (contract.ts).
 * Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { AssetKind, Visibility, AssetState, Id, Paging, AbsolutePath } from './schemas';

/** An asset's lifecycle status (src/publish/lifecycle.ts): the same words in the app and the CLI. */
export const LifecycleStatus = z.object({
  state: z.enum(['not-published', 'publishing', 'live', 'changed', 'failed', 'not-for-sale']),
  label: z.string(),
  detail: z.string().nullable(),
  version: z.number().int().nullable(),
});

export const AssetSummary = z.object({
  id: Id,
  kind: AssetKind,
  name: z.string(),
  rootPath: z.string(),
  visibility: Visibility,
  state: AssetState,
  contentRoot: z.string().nullable(),
  fileCount: z.number().int(),
  totalBytes: z.number(),
  skippedCount: z.number().int(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  scannedAt: z.string().nullable(),
  /** Where the asset is in its life on the current network (issue 14). */
  status: LifecycleStatus,
  /** The price of its current terms in wei (null before its first certificate on this network). */
  priceWei: z.string().nullable(),
  /** Access requests waiting for the owner's decision. */
  pendingRequests: z.number().int(),
  /** What approved access to it paid, in wei (all its versions, this network). */
  earnedWei: z.string(),
});

export const SkippedEntry = z.object({ relPath: z.string(), reason: z.string() });

export const Publication = z.object({
  network: z.string(),
  chainId: z.number().int(),
  tokenId: z.string().nullable(),
  txHash: z.string().nullable(),
  manifestId: z.string(),
  visibility: z.enum(['public', 'private']),
  license: z.string(),
  priceWei: z.string(),
  certifiedAt: z.string(),
  /** Requests that pay the price are approved without the owner (the asset's auto-approve rule). */
  autoApprove: z.boolean(),
  /** The version of the asset this certificate certifies (null for certificates made before versions). */
  version: z.number().int().nullable(),
});

/** One certified version of an asset (1, 2, …): each distinct content root published. */
export const AssetVersion = z.object({
  number: z.number().int().positive(),
  contentRoot: z.string(),
  /** The version it follows (null for version 1). */
  previous: z.number().int().nullable(),
  network: z.string().nullable(),
  tokenId: z.string().nullable(),
  manifestId: z.string().nullable(),
  certifiedAt: z.string().nullable(),
  /** The terms this version was certified with (null when not certified). */
  terms: z
    .object({
      priceWei: z.string(),
      /** A license id (CC-BY-4.0, …) or "custom". */
      license: z.string(),
      split: z.array(z.object({ address: z.string(), bps: z.number().int() })),
    })
    .nullable(),
});

/** A payee of the current split, named from the folder's CONTRIBUTORS or CITATION.cff when it lists the address. */
export const Payee = z.object({ address: z.string(), bps: z.number().int(), name: z.string().nullable(), source: z.string().nullable() });

export const AssetDetail = AssetSummary.extend({
  skipped: z.array(SkippedEntry),
  /** The latest certificate's facts, or null when the asset was never published. */
  publication: Publication.nullable(),
  /** The certified versions, newest first (empty when never published). */
  versions: z.array(AssetVersion),
  /** The wallet that signed the latest certificate (the asset's owner), or null before it. */
  owner: z.string().nullable(),
  /** The current split, with names (empty before the first certificate). */
  payees: z.array(Payee),
  /** The current terms (null before the first certificate). */
  terms: z
    .object({ priceWei: z.string(), license: z.string(), approval: z.enum(['manual', 'auto']), visibility: Visibility })
    .nullable(),
});

export const FileRow = z.object({
  relPath: z.string(),
  size: z.number(),
  mtimeMs: z.number(),
  sha256: z.string().nullable(),
});

export const DirEntry = z.object({ name: z.string(), path: z.string(), isDir: z.boolean() });

export const assetsCommands = {
  'app.info': {
    input: z.object({}).strict(),
    // exportsDir: where wallet backups go when no path is given (the browser shell's only choice).
    output: z.object({ version: z.string(), dataDir: z.string(), catalogPath: z.string(), exportsDir: z.string(), platform: z.string() }),
  },
  'assets.add': {
    input: z
      .object({
        path: AbsolutePath,
        kind: AssetKind.default('dataset'),
        name: z.string().trim().min(1).max(200).optional(),
      })
      .strict(),
    output: AssetDetail,
  },
  'assets.list': {
    input: z
      .object({
        query: z.string().max(500).optional(),
        kind: AssetKind.optional(),
        state: AssetState.optional(),
        ...Paging,
      })
      .strict(),
    output: z.object({ items: z.array(AssetSummary), total: z.number().int() }),
  },
  'assets.get': {
    input: z.object({ id: Id }).strict(),
    output: AssetDetail,
  },
  'assets.files': {
    input: z.object({ id: Id, query: z.string().max(500).optional(), ...Paging }).strict(),
    output: z.object({ items: z.array(FileRow), total: z.number().int() }),
  },
  'assets.manifest': {
    input: z.object({ id: Id }).strict(),
    output: z.object({ text: z.string(), contentRoot: z.string() }),
  },
  'assets.rescan': {
    input: z.object({ id: Id }).strict(),
    output: AssetDetail,
  },
  'assets.remove': {
    input: z.object({ id: Id }).strict(),
    output: z.object({ removed: z.literal(true), id: Id }),
  },
  'system.browse': {
    input: z.object({ path: z.string().max(4096).optional(), showHidden: z.boolean().default(false) }).strict(),
    output: z.object({ path: z.string(), parent: z.string().nullable(), entries: z.array(DirEntry) }),
  },
} as const;

export type AssetSummary = z.infer<typeof AssetSummary>;
export type AssetDetail = z.infer<typeof AssetDetail>;
export type AssetVersion = z.infer<typeof AssetVersion>;
export type LifecycleStatus = z.infer<typeof LifecycleStatus>;
export type Payee = z.infer<typeof Payee>;
export type FileRow = z.infer<typeof FileRow>;
export type DirEntry = z.infer<typeof DirEntry>;
