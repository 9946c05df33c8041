/**
 * The app's contract: every command the backend answers and every event it emits,
 * as zod schemas. This module is imported by the backend (runtime validation), by the
 * Electron main process (IPC validation) and, as types only, by the renderer.
 * Keep it free of Node and DOM APIs.
 */
import { z } from 'zod';
import type { COMMAND_NAMES, EVENT_NAMES } from './names';
import { termsCommands } from './terms-contract';
import { discoverCommands } from './discover-contract';

export const AssetKind = z.enum(['dataset', 'model']);
export const Visibility = z.enum(['public', 'private']);
export const AssetState = z.enum(['scanning', 'ready', 'error']);

const Id = z.number().int().positive();
const Paging = {
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(100),
};

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

const AbsolutePath = z
  .string()
  .min(1, 'a folder path is required')
  .max(4096, 'path is too long')
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte');

/** A file name without a folder (no separator, no control character, not `.` or `..`). */
const FileName = z
  .string()
  .trim()
  .min(1, 'a file name is required')
  .max(200, 'file name is too long')
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  .refine((n) => !/[/\\\u0000-\u001f\u007f]/.test(n) && n !== '.' && n !== '..', 'give a file name only, without a folder or control characters');

export const NetworkName = z.enum(['sandbox', 'testnet', 'mainnet']);
export const NetworkProfile = z.object({
  name: NetworkName,
  rpcUrl: z.string().nullable(),
  chainId: z.number().int().nullable(),
  registry: z.string().nullable(),
  storageUrl: z.string().nullable(),
  /** The settings still missing before the profile can be used (empty when ready). */
  missing: z.array(z.enum(['rpcUrl', 'chainId', 'registry', 'storageUrl'])),
});
export const NetworkState = z.object({ current: NetworkName, profiles: z.array(NetworkProfile) });

const HttpUrl = z
  .string()
  .max(2000)
  .refine((u) => /^https?:\/\/[^\s]+$/.test(u) && URL.canParse(u), 'must be an http:// or https:// URL');
const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address');

export const WalletInfo = z.object({
  address: z.string(),
  label: z.string(),
  createdAt: z.string(),
  source: z.enum(['created', 'private-key', 'mnemonic']),
});
export const WalletState = z.object({ wallets: z.array(WalletInfo), current: z.string().nullable() });

export const JobState = z.enum(['queued', 'running', 'paused', 'waiting', 'done', 'failed', 'cancelled']);
export const JobView = z.object({
  id: Id,
  kind: z.string(),
  assetId: z.number().int().nullable(),
  state: JobState,
  attempts: z.number().int(),
  progress: z.number(),
  nextRunAt: z.string().nullable(),
  /** The last error, or what a waiting job waits for. */
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The batch the job was queued in (e.g. one publication's file uploads), or null for a job on its own. */
  batch: z.number().int().nullable(),
  /** What the job works on, for people: an upload's file path in its asset; null for other kinds. */
  label: z.string().nullable(),
});
const JobId = z.object({ id: Id }).strict();

/** How many jobs of a batch are in each state. */
export const JobCounts = z.object({
  queued: z.number().int(),
  running: z.number().int(),
  waiting: z.number().int(),
  paused: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});

/** A job running now, with the progress line it reports ("Uploading 42% · 12 MB of 30 MB · about 1 min left"). */
export const RunningJob = z.object({ id: Id, progress: z.number(), detail: z.string().nullable(), label: z.string().nullable() });

/**
 * A batch of jobs queued together (a publication's 20,000 file uploads): one summary instead of
 * 20,000 rows. `bytes` sums the files' sizes (upload jobs); `bytesDone` counts finished files and
 * the finished part of running ones; `etaSeconds` is estimated from the rate of the last minute
 * (null until there is one).
 */
export const JobBatchView = z.object({
  id: Id,
  kind: z.string(),
  assetId: z.number().int().nullable(),
  total: z.number().int(),
  counts: JobCounts,
  bytes: z.number(),
  bytesDone: z.number(),
  createdAt: z.string(),
  etaSeconds: z.number().nullable(),
  /** etaSeconds in words, as the upload lines say it ("about 3 min left"); null with it. */
  etaText: z.string().nullable(),
  running: z.array(RunningJob),
  /** Jobs that need a person: failed, waiting (with the reason in `error`) or paused; the first 20. */
  attention: z.array(JobView),
});

// ------------------------------------------------------------------ access requests (issue 6)

/** Wei amounts travel as decimal strings (they exceed 2^53). */
const Wei = z.string().regex(/^\d{1,78}$/, 'must be an amount in wei (a whole number)');
/** An on-chain id (token id, request id) as a decimal string. */
const ChainId = z.string().regex(/^[1-9]\d{0,77}$/, 'must be a positive whole number');
export const AccessState = z.enum(['pending', 'approved', 'denied', 'cancelled', 'expired']);
/** A request as the inbox shows it (owner side). `id` is the catalog row id, `requestId` the on-chain one. */
export const AccessRequestView = z.object({
  id: Id,
  network: z.string(),
  requestId: z.string(),
  tokenId: z.string(),
  /** The local asset certified as `tokenId` (null when it is not in this catalog). */
  assetId: z.number().int().nullable(),
  assetName: z.string().nullable(),
  requester: z.string(),
  amountWei: z.string(),
  message: z.string(),
  state: AccessState,
  /** When the request was made (block time, ISO 8601). */
  createdAt: z.string(),
  /** From then on (chain time, ISO 8601) the requester may cancel it and take the payment back; null if unknown. */
  cancellableAt: z.string().nullable(),
  read: z.boolean(),
  txHash: z.string(),
  /** The approval or denial in progress or done: its durable job and, once sent, its tx. */
  action: z
    .object({
      kind: z.enum(['approve', 'deny']),
      jobId: z.number().int().nullable(),
      state: JobState,
      error: z.string().nullable(),
      txHash: z.string().nullable(),
      reason: z.string().nullable(),
    })
    .nullable(),
});
export const AccessRequestDetail = AccessRequestView.extend({
  /** The requester's other requests to this owner (newest first). */
  history: z.array(AccessRequestView),
  grantId: z.string().nullable(),
  /** Whether the asset approves automatically any request that pays its price. */
  autoApprove: z.boolean(),
});
export const AuditEntry = z.object({
  id: Id,
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

// ------------------------------------------------------------------ earnings (issue 7)

export const EarningsSummary = z.object({
  network: z.string(),
  /** The account the figures are for (the current wallet). */
  account: z.string(),
  currency: z.string(),
  earnedWei: Wei,
  withdrawableWei: Wei,
  withdrawnWei: Wei,
  /** Last block indexed, and when. */
  syncedBlock: z.number().int(),
  syncedAt: z.string().nullable(),
});
export const Payout = z.object({
  kind: z.enum(['credit', 'withdrawal']),
  tokenId: z.string().nullable(),
  assetName: z.string().nullable(),
  requestId: z.string().nullable(),
  account: z.string(),
  amountWei: Wei,
  blockNumber: z.number().int(),
  at: z.string(),
  txHash: z.string(),
});

const Amount = z.object({ atomic: z.string(), formatted: z.string() });

/** Every command: its input schema and its output schema. */
export const commands = {
  ...termsCommands,
  ...discoverCommands,
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
  'network.list': {
    input: z.object({}).strict(),
    output: NetworkState,
  },
  'network.use': {
    input: z.object({ name: NetworkName }).strict(),
    output: NetworkState,
  },
  'network.set': {
    input: z
      .object({
        name: NetworkName,
        rpcUrl: HttpUrl.optional(),
        chainId: z.number().int().positive().max(2 ** 53 - 1).optional(),
        registry: Address.optional(),
        storageUrl: HttpUrl.optional(),
      })
      .strict(),
    output: NetworkProfile,
  },
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
  'chain.status': {
    input: z.object({}).strict(),
    output: z.object({
      network: NetworkName,
      rpcUrl: z.string(),
      chainId: z.number().int(),
      registry: z.string().nullable(),
      storageUrl: z.string().nullable(),
      blockNumber: z.number().int(),
      mode: z.enum(['sandbox-owned', 'sandbox-shared', 'remote']),
      notices: z.array(z.string()),
    }),
  },
  'sandbox.fund': {
    input: z
      .object({ address: Address.optional(), ether: z.string().regex(/^\d{1,6}(\.\d{1,18})?$/, 'must be an amount of ETH like 10 or 0.5').default('10') })
      .strict(),
    output: z.object({ address: z.string(), txHash: z.string(), ether: z.string() }),
  },
  'jobs.list': {
    input: z
      .object({
        state: JobState.optional(),
        kind: z.string().max(100).optional(),
        assetId: Id.optional(),
        /** false: only jobs queued on their own (the batches are summarized by jobs.batches); true: only jobs of a batch. */
        batched: z.boolean().optional(),
        batch: Id.optional(),
        ...Paging,
      })
      .strict(),
    output: z.object({ items: z.array(JobView), total: z.number().int(), paused: z.boolean(), runner: z.boolean() }),
  },
  /** The batches with work left or needing a person (any job not done or cancelled), newest first. */
  'jobs.batches': {
    input: z.object({}).strict(),
    output: z.object({ items: z.array(JobBatchView) }),
  },
  /** Retries every failed job of a batch; returns how many were queued again. */
  'jobs.retryBatch': { input: z.object({ batch: Id }).strict(), output: z.object({ retried: z.number().int() }) },
  /** Pauses every job of a batch that has not finished (running ones stop at once and resume from their checkpoints). */
  'jobs.pauseBatch': { input: z.object({ batch: Id }).strict(), output: z.object({ paused: z.number().int() }) },
  /** Queues a batch's paused jobs again. */
  'jobs.resumeBatch': { input: z.object({ batch: Id }).strict(), output: z.object({ resumed: z.number().int() }) },
  /** Cancels every job of a batch that has not finished, and gives up on its failed ones; returns how many. */
  'jobs.cancelBatch': { input: z.object({ batch: Id }).strict(), output: z.object({ cancelled: z.number().int() }) },
  'jobs.pause': { input: JobId, output: JobView },
  'jobs.resume': { input: JobId, output: JobView },
  'jobs.cancel': { input: JobId, output: JobView },
  'jobs.retry': { input: JobId, output: JobView },
  'jobs.pauseAll': { input: z.object({}).strict(), output: z.object({ paused: z.boolean() }) },
  'jobs.resumeAll': { input: z.object({}).strict(), output: z.object({ paused: z.boolean() }) },
  'storage.status': {
    input: z.object({}).strict(),
    output: z.object({ network: NetworkName, nodeUrl: z.string(), address: z.string(), balance: Amount }),
  },
  'storage.quote': {
    input: z.object({ bytes: z.number().int().min(0).max(2 ** 50) }).strict(),
    output: z.object({ dataBytes: z.number(), itemBytes: z.number(), price: Amount }),
  },
  'storage.fund': {
    input: z.object({ ether: z.string().regex(/^\d{1,6}(\.\d{1,18})?$/, 'must be an amount of ETH like 0.01') }).strict(),
    output: z.object({ txHash: z.string(), amount: Amount, status: z.enum(['credited', 'pending']) }),
  },
  'assets.upload': {
    input: z.object({ id: Id }).strict(),
    output: z.object({
      assetId: Id,
      network: NetworkName,
      files: z.number().int(),
      queued: z.number().int(),
      jobIds: z.array(Id),
      /** The batches the upload jobs belong to (the new one, and those of files already queued), and the jobs in none. */
      batches: z.array(Id),
      unbatchedJobIds: z.array(Id),
    }),
  },
  'uploads.list': {
    input: z.object({ assetId: Id }).strict(),
    output: z.object({
      items: z.array(
        z.object({
          relPath: z.string().nullable(),
          network: z.string(),
          storageId: z.string().nullable(),
          source: z.enum(['uploaded', 'reused']),
          encrypted: z.boolean(),
          quoted: z.string().nullable(),
          charged: z.string().nullable(),
          warning: z.string().nullable(),
        }),
      ),
    }),
  },
  'assets.publish': {
    input: z
      .object({
        id: Id,
        // Each term left out is the previous version's (a first publication: public, CC-BY-4.0,
        // free, manual approval, 100% to the owner).
        visibility: Visibility.optional(),
        /** Making a version of a private asset public must say so. */
        confirmPublic: z.boolean().optional(),
        license: z.enum(['CC-BY-4.0', 'CC-BY-NC-4.0', 'CC0-1.0', 'ODC-By-1.0', 'OpenRAIL-M', 'custom']).optional(),
        customTerms: z.string().trim().min(1).max(20_000).optional(),
        priceEth: z.string().regex(/^\d{1,9}(\.\d{1,18})?$/, 'must be an amount of ETH like 0.01 (0 for free)').optional(),
        approval: z.enum(['manual', 'auto']).optional(),
        /** Days each approval lasts (0 = perpetual); left out: the previous version's. */
        accessDays: z.number().int().min(0).max(36_500).optional(),
        /** The public description (issue 16); left out: the README's first paragraph. */
        description: z.string().trim().max(2000).optional(),
        split: z
          .array(z.object({ address: Address, percent: z.number().positive().max(100) }).strict())
          .min(1)
          .max(64)
          .optional(),
      })
      .strict(),
    output: z.object({
      assetId: Id,
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
  'assets.certificate': {
    input: z.object({ id: Id }).strict(),
    output: z.object({ certificate: z.record(z.string(), z.unknown()) }),
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
  /** Whether a content root is registered on the current network's chain, and by whom. */
  'assets.registration': {
    input: z.object({ contentRoot: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be a content root (64 hex digits)') }).strict(),
    output: z.object({ tokenId: z.string().nullable(), owner: z.string().nullable() }),
  },
  'system.browse': {
    input: z.object({ path: z.string().max(4096).optional(), showHidden: z.boolean().default(false) }).strict(),
    output: z.object({ path: z.string(), parent: z.string().nullable(), entries: z.array(DirEntry) }),
  },
  // Access requests, owner side (the inbox).
  'access.list': {
    input: z.object({ state: AccessState.optional(), assetId: Id.optional(), unreadOnly: z.boolean().default(false), ...Paging }).strict(),
    output: z.object({ items: z.array(AccessRequestView), total: z.number().int(), unread: z.number().int() }),
  },
  'access.get': { input: z.object({ id: Id }).strict(), output: AccessRequestDetail },
  'access.markRead': {
    input: z.object({ ids: z.array(Id).max(10_000).optional(), all: z.boolean().default(false) }).strict(),
    output: z.object({ unread: z.number().int() }),
  },
  /** Approve (grant + approve tx) as durable jobs; one job per request. */
  'access.approve': {
    input: z.object({ ids: z.array(Id).min(1).max(1000) }).strict(),
    output: z.object({ items: z.array(z.object({ id: Id, jobId: Id })) }),
  },
  'access.deny': {
    input: z.object({ ids: z.array(Id).min(1).max(1000), reason: z.string().max(1024).default('') }).strict(),
    output: z.object({ items: z.array(z.object({ id: Id, jobId: Id })) }),
  },
  /** Auto-approve rule per asset: approve any request that pays the asset's price. */
  'access.setAutoApprove': {
    input: z.object({ assetId: Id, autoApprove: z.boolean() }).strict(),
    output: z.object({ assetId: Id, autoApprove: z.boolean() }),
  },
  /** Read new chain events now (the indexer also polls on its own). */
  'access.sync': { input: z.object({}).strict(), output: z.object({ added: z.number().int(), syncedBlock: z.number().int() }) },
  /** Sandbox only: a simulated buyer (a funded dev account) requests access to a certified asset. */
  'access.simulateBuyer': {
    input: z.object({ assetId: Id, message: z.string().max(1024).default('') }).strict(),
    output: z.object({ requestId: z.string(), requester: z.string(), txHash: z.string() }),
  },
  // Access requests, requester side (the CLI's `ativo access …`).
  /**
   * `termsHash` (and `priceWei`, when known) are the license terms and price the person read
   * when deciding (a certificate's): the request is refused, and nothing paid, if the owner has
   * changed them since. Never fill them in from the chain just before sending.
   */
  'access.request': {
    input: z
      .object({
        tokenId: ChainId,
        termsHash: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be the license terms hash: 64 hex digits'),
        priceWei: Wei.optional(),
        message: z.string().max(1024).default(''),
      })
      .strict(),
    output: z.object({ requestId: z.string(), tokenId: z.string(), amountWei: Wei, txHash: z.string(), requester: z.string() }),
  },
  'access.status': {
    input: z.object({ requestId: ChainId }).strict(),
    output: z.object({
      requestId: z.string(),
      tokenId: z.string(),
      requester: z.string(),
      amountWei: Wei,
      state: AccessState,
      grantId: z.string().nullable(),
      reason: z.string().nullable(),
      createdAt: z.string(),
      cancellableAt: z.string(),
      /** When an approved access ends (null: not approved, or perpetual; issue 14). */
      expiresAt: z.string().nullable(),
    }),
  },
  /** The requester takes back the payment of its own request the owner left past its timeout. */
  'access.cancel': {
    input: z.object({ requestId: ChainId }).strict(),
    output: z.object({ requestId: z.string(), tokenId: z.string(), refundedWei: Wei, txHash: z.string(), withdrawableWei: Wei }),
  },
  'access.fetch': {
    input: z.object({ requestId: ChainId, out: AbsolutePath }).strict(),
    output: z.object({ out: z.string(), files: z.number().int(), bytes: z.number(), contentRoot: z.string(), verified: z.boolean() }),
  },
  'audit.list': {
    input: z.object({ ...Paging }).strict(),
    output: z.object({ items: z.array(AuditEntry), total: z.number().int(), intact: z.boolean(), brokenAt: z.number().int().nullable() }),
  },
  // Earnings (the current wallet on the current network).
  'earnings.summary': { input: z.object({}).strict(), output: EarningsSummary },
  'earnings.series': {
    input: z.object({ bucket: z.enum(['day', 'week', 'month']).default('day') }).strict(),
    output: z.object({ bucket: z.enum(['day', 'week', 'month']), points: z.array(z.object({ start: z.string(), amountWei: Wei })) }),
  },
  'earnings.assets': {
    input: z.object({}).strict(),
    output: z.object({
      items: z.array(z.object({ tokenId: z.string(), assetId: z.number().int().nullable(), assetName: z.string().nullable(), requests: z.number().int(), approvals: z.number().int(), revenueWei: Wei })),
    }),
  },
  'earnings.contributors': {
    input: z.object({}).strict(),
    output: z.object({
      items: z.array(z.object({ tokenId: z.string(), assetName: z.string().nullable(), payee: z.string(), bps: z.number().int(), earnedWei: Wei, isYou: z.boolean() })),
    }),
  },
  'earnings.payouts': {
    input: z.object({ ...Paging, limit: z.number().int().min(1).max(10_000).default(100) }).strict(),
    output: z.object({ items: z.array(Payout), total: z.number().int() }),
  },
  'earnings.csv': { input: z.object({}).strict(), output: z.object({ filename: z.string(), csv: z.string() }) },
  /** Re-read everything from block 0 and compare with the cached figures. */
  'earnings.reconcile': {
    input: z.object({}).strict(),
    output: z.object({ agreed: z.boolean(), differences: z.array(z.string()), summary: EarningsSummary }),
  },
  /** Withdraw the current wallet's balance as a durable job. */
  'earnings.withdraw': { input: z.object({}).strict(), output: z.object({ jobId: Id, amountWei: Wei }) },
} as const;

export type CommandName = keyof typeof commands;
export const commandNames = Object.keys(commands) as CommandName[];
export type CommandInput<K extends CommandName> = z.input<(typeof commands)[K]['input']>;
export type CommandOutput<K extends CommandName> = z.output<(typeof commands)[K]['output']>;

/** Events pushed from the backend to every shell. */
export const events = {
  'scan.progress': z.object({
    assetId: Id,
    phase: z.enum(['walking', 'hashing', 'saving', 'done', 'failed']),
    filesTotal: z.number().int(),
    filesDone: z.number().int(),
    bytesTotal: z.number(),
    bytesDone: z.number(),
  }),
  'asset.changed': z.object({ assetId: Id, removed: z.boolean().default(false) }),
  'job.changed': z.object({
    id: Id,
    kind: z.string(),
    assetId: z.number().int().nullable(),
    state: JobState,
    progress: z.number(),
    detail: z.string().nullable(),
    error: z.string().nullable(),
  }),
  'jobs.paused': z.object({ paused: z.boolean() }),
  /**
   * A batch changed (sent at most a few times a second per batch, instead of one job.changed per
   * job of the batch: jobs of a batch send no job.changed). `finished`: nothing is left to run.
   */
  'jobs.batch': JobBatchView.extend({ finished: z.boolean() }),
  /** Wallets or network profiles changed (from any window or the CLI in this process). */
  'settings.changed': z.object({ what: z.enum(['wallet', 'network']) }),
  /** Requests were added or changed; `unread` is the inbox badge count. */
  'access.changed': z.object({ ids: z.array(Id), unread: z.number().int() }),
  /** A new request arrived (for a notification; clicking it opens the request). */
  'access.new': z.object({ id: Id, assetName: z.string().nullable(), requester: z.string(), amountWei: z.string() }),
  'earnings.changed': z.object({ network: z.string() }),
} as const;

export type EventName = keyof typeof events;
export type EventPayload<K extends EventName> = z.output<(typeof events)[K]>;

export const ErrorCode = z.enum([
  'INVALID_INPUT',
  'UNKNOWN_COMMAND',
  'NOT_FOUND',
  'NOT_A_DIRECTORY',
  'FOLDER_UNREADABLE',
  'FOLDER_GONE',
  'FILE_UNSTABLE',
  'BUSY',
  'CATALOG_ERROR',
  'NOT_CONFIGURED',
  'KEYCHAIN_UNAVAILABLE',
  'KEYCHAIN_ERROR',
  'CHAIN_ERROR',
  'SANDBOX_ERROR',
  'STORAGE_ERROR',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** What crosses every boundary (IPC, HTTP, CLI --json): never a thrown exception. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ResultError };
/**
 * A refused command, for a person: `message` is the app's wording (no CLI commands, no
 * backticks); `cli` the command line's wording where it differs; `fields` the refused inputs.
 */
export interface ResultError {
  code: ErrorCode;
  message: string;
  cli?: string;
  fields?: { field: string; message: string }[];
}

export type AssetSummary = z.infer<typeof AssetSummary>;
export type AssetDetail = z.infer<typeof AssetDetail>;
export type AssetVersion = z.infer<typeof AssetVersion>;
export type LifecycleStatus = z.infer<typeof LifecycleStatus>;
export type Payee = z.infer<typeof Payee>;
export type FileRow = z.infer<typeof FileRow>;
export type DirEntry = z.infer<typeof DirEntry>;
export type AssetKind = z.infer<typeof AssetKind>;
export type AssetState = z.infer<typeof AssetState>;
export type NetworkName = z.infer<typeof NetworkName>;
export type NetworkProfile = z.infer<typeof NetworkProfile>;
export type NetworkState = z.infer<typeof NetworkState>;
export type WalletInfo = z.infer<typeof WalletInfo>;
export type WalletState = z.infer<typeof WalletState>;
export type JobView = z.infer<typeof JobView>;
export type JobBatchView = z.infer<typeof JobBatchView>;
export type JobCounts = z.infer<typeof JobCounts>;
export type AccessState = z.infer<typeof AccessState>;
export type AccessRequestView = z.infer<typeof AccessRequestView>;
export type AccessRequestDetail = z.infer<typeof AccessRequestDetail>;
export type AuditEntry = z.infer<typeof AuditEntry>;
export type EarningsSummary = z.infer<typeof EarningsSummary>;
export type Payout = z.infer<typeof Payout>;

// Compile-time check: the name lists in names.ts match the schemas above exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? 'yes' : 'no') : 'no';
export const namesMatchSchemas: [Same<(typeof COMMAND_NAMES)[number], CommandName>, Same<(typeof EVENT_NAMES)[number], EventName>] = [
  'yes',
  'yes',
];
