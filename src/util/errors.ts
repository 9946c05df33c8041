/**
 * Ativo's one error hierarchy (the base layer, so every layer can use it without importing
 * src/api): the public codes a person's surface sees, and `AtivoFault`, the base class of
 * every error Ativo throws on purpose. Each subclass names its `family` (one literal of
 * ErrorFamily); src/api/public-errors.ts maps every family to a public code with a table typed
 * by ErrorFamily, so a new error class without a mapping does not compile (a CryptoError no
 * longer falls through to INTERNAL).
 */

/** The public error codes (the contract's ErrorCode enum is built from this list). */
export const ERROR_CODES = [
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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Which error class an AtivoFault is (the discriminant public-errors.ts maps exhaustively). */
export type ErrorFamily = 'ativo' | 'crypto' | 'storage' | 'chain' | 'keychain' | 'vault' | 'sandbox' | 'storage-node' | 'manifest' | 'grant-key';

/** The base of every error Ativo throws on purpose; `family` says which class it is. */
export abstract class AtivoFault extends Error {
  abstract readonly family: ErrorFamily;
}

/**
 * The base of the coded errors that add nothing to AtivoFault but a code:
 * `new X(code, message, { cause })`, with X's family and name fixed here. Used as
 * `class SandboxError extends codedError<'sandbox', SandboxErrorCode>('sandbox', 'SandboxError') {}`.
 */
export function codedError<F extends ErrorFamily, C extends string>(family: F, name: string) {
  abstract class CodedError extends AtivoFault {
    readonly family: F = family;
    override readonly name: string = name;
    constructor(
      readonly code: C,
      message: string,
      options?: { cause?: unknown },
    ) {
      super(message, options);
    }
  }
  return CodedError;
}

/** One field of a command's input that was refused: its name in the input, and what it must be. */
export interface FieldIssue {
  /** The input field's path ("priceEth", "split.0.shareBps"). */
  field: string;
  /** What the field must be, as the end of a sentence ("must be an amount like 0.01"). */
  message: string;
}

/**
 * An error meant for a person: a stable code and a plain-English, actionable message.
 *
 * `message` is the app's wording: it never names a CLI command or holds backticks. When the
 * command line should say something else (a command to run, a flag), `cli` holds that wording.
 * `fields` lists the input fields that were refused, so each surface can name them its own way
 * (the form field's label in the app, the flag on the command line).
 */
export class AtivoError extends AtivoFault {
  override readonly name = 'AtivoError';
  readonly family = 'ativo';
  readonly cli: string | undefined;
  readonly fields: readonly FieldIssue[] | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; cli?: string; fields?: readonly FieldIssue[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.cli = options?.cli;
    this.fields = options?.fields;
  }
}

/** Node's errno code of an error, if it has one. */
export const errnoCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/** The app's words for a damaged catalog: what is safe, and where the repair is. */
export const DAMAGED_CATALOG_APP =
  "Ativo's catalog is damaged, so it cannot be read. Your folders and files are safe. Quit Ativo and follow “If the catalog is damaged” in Ativo's README: it checks the catalog and builds a new one from your folders.";
/** The command line's words for the same. */
export const DAMAGED_CATALOG_CLI =
  'the catalog is damaged, so it cannot be read (your folders and files are safe). Run ativo catalog check to see what is wrong, then ativo catalog rebuild: it sets the damaged file aside and builds a new catalog from your folders.';

/** A damaged catalog, as an error for a person (with the technical detail kept as its cause). */
export const damagedCatalog = (cause?: unknown): AtivoError =>
  new AtivoError('CATALOG_ERROR', DAMAGED_CATALOG_APP, { cli: DAMAGED_CATALOG_CLI, ...(cause !== undefined ? { cause } : {}) });

