/**
 * The app's contract: every command the backend answers and every event it emits,
 * as zod schemas. This module is imported by the backend (runtime validation), by the
 * Electron main process (IPC validation) and, as types only, by the renderer.
 * Keep it free of Node and DOM APIs.
 *
 * Each feature's commands and view schemas live in its own `<feature>-contract.ts`; this file
 * composes them and holds the events and the result/error types.
 */
import { z } from 'zod';
import type { COMMAND_NAMES, EVENT_NAMES } from './names';
import { ERROR_CODES } from '../util/errors';
import { Id, JobState } from './schemas';
import { assetsCommands } from './assets-contract';
import { networksCommands } from './networks-contract';
import { walletsCommands } from './wallets-contract';
import { jobsCommands } from './jobs-contract';
import { storageCommands } from './storage-contract';
import { publishCommands } from './publish-contract';
import { certificatesCommands } from './certificates-contract';
import { accessCommands } from './access-contract';
import { earningsCommands } from './earnings-contract';
import { JobBatchView } from './jobs-contract';
import { termsCommands } from './terms-contract';
import { buyerCommands } from './buyer-contract';
import { publishQuoteCommands } from './publish-quote-contract';
import { discoverCommands } from './discover-contract';
import { governanceCommands } from './governance-contract';
import { approversCommands } from './approvers-contract';

export { AssetKind, Visibility, AssetState, NetworkName, JobState } from './schemas';
export * from './assets-contract';
export * from './networks-contract';
export * from './wallets-contract';
export * from './jobs-contract';
export * from './storage-contract';
export * from './publish-contract';
export * from './certificates-contract';
export * from './access-contract';
export * from './earnings-contract';

/** Every command: its input schema and its output schema. */
export const commands = {
  ...assetsCommands,
  ...networksCommands,
  ...walletsCommands,
  ...jobsCommands,
  ...storageCommands,
  ...publishCommands,
  ...certificatesCommands,
  ...accessCommands,
  ...earningsCommands,
  ...termsCommands,
  ...buyerCommands,
  ...publishQuoteCommands,
  ...discoverCommands,
  ...governanceCommands,
  ...approversCommands,
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

export const ErrorCode = z.enum(ERROR_CODES);
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

// Compile-time check: the name lists in names.ts match the schemas above exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? 'yes' : 'no') : 'no';
export const namesMatchSchemas: [Same<(typeof COMMAND_NAMES)[number], CommandName>, Same<(typeof EVENT_NAMES)[number], EventName>] = [
  'yes',
  'yes',
];
