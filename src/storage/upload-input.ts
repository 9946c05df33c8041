/**
 * The upload job's input and checkpoint (src/storage/jobs.ts) as schemas: a new job's input is
 * checked when it is queued, its stored checkpoint each time it is loaded to run (a damaged one
 * fails that job with a sentence, never a crash). Also its dedupe keys and encryption marker.
 */
import { z } from 'zod';

const TagSchema = z.object({ name: z.string(), value: z.string() });

/** What to upload: one scanned file of an asset, to one network profile. */
export const UploadJobInput = z.looseObject({
  assetId: z.number().int(),
  /** The file's path in the asset (the manifest's path). */
  relPath: z.string().min(1),
  /** Where the file is on disk now. */
  path: z.string().min(1),
  /** The manifest's sha256 (hex) and size: the bytes that must be uploaded. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  /** The network profile (sandbox / testnet / mainnet). */
  network: z.string().min(1),
  /** The wallet that signs (and pays for) the item: a publication's own wallet, whatever wallet is in use when the upload runs (default: the one in use). */
  owner: z.string().optional(),
  /** Private assets: age recipients (age1…) the file is encrypted to before upload. */
  encryptTo: z.array(z.string()).optional(),
  /** Extra tags on the item. */
  tags: z.array(TagSchema).optional(),
});
export type UploadJobInput = z.output<typeof UploadJobInput>;

/** The job's checkpoint: its input plus what makes a resume send the same item. */
export const UploadCheckpoint = UploadJobInput.extend({
  /** Resume state of the storage client (the item's tags and anchor, chunk size, upload id, item id). */
  anchor: z.string().optional(),
  itemTags: z.array(TagSchema).optional(),
  chunkSize: z.number().int().positive().optional(),
  uploadId: z.string().nullable().optional(),
  itemId: z.string().nullable().optional(),
  /** sha256/size of the bytes uploaded (the ciphertext when encrypted). */
  dataSha256: z.string().optional(),
  dataSize: z.number().int().nonnegative().optional(),
  /** The encrypted copy (private files), kept until the upload is recorded. */
  staged: z.object({ path: z.string(), sha256: z.string(), size: z.number().int().nonnegative() }).nullable().optional(),
  /** Price quoted (atomic units) and balance before sending, for the charge check. */
  quoted: z.string().optional(),
  balanceBefore: z.string().optional(),
});
export type UploadCheckpoint = z.output<typeof UploadCheckpoint>;

/** The dedupe key of a file's upload job: one live job per file and network. */
export const uploadDedupeKey = (i: Pick<UploadJobInput, 'network' | 'assetId' | 'relPath' | 'encryptTo'>): string =>
  `${uploadKeyPrefix(i.network, i.assetId, encryptionOf(i.encryptTo) !== null)}${i.relPath}`;

/**
 * The dedupe keys of an asset's uploads on a network, plaintext or encrypted, all start with
 * this ("upload:sandbox:7:", "upload-age:sandbox:7:"): a private publication never adopts a
 * plaintext upload of the same file, and a publication asks about its own uploads only.
 */
export const uploadKeyPrefix = (network: string, assetId: number, encrypted: boolean): string => `${encrypted ? 'upload-age' : 'upload'}:${network}:${assetId}:`;

/** The encryption marker of an upload: null (plaintext) or 'age:<sorted recipients>'. */
export const encryptionOf = (encryptTo: readonly string[] | undefined): string | null =>
  encryptTo && encryptTo.length > 0 ? `age:${[...encryptTo].sort().join(',')}` : null;
