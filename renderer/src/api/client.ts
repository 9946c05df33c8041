/**
 * Typed access to the backend through `window.ativo`: unwraps the `Result` envelope so UI
 * code can `await call(...)` and catch an `ApiError` carrying the contract's error code.
 */
import type { AtivoBridge, CommandInput, CommandName, CommandOutput, ErrorCode, EventName, EventPayload, Result } from '../../../src/api/bridge';

export type ClientErrorCode = ErrorCode | 'NO_BRIDGE';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function getBridge(): AtivoBridge {
  const bridge = window.ativo;
  if (bridge === undefined) throw new ApiError('NO_BRIDGE', 'Ativo is not connected: the page was opened outside the app.');
  return bridge;
}

export async function call<K extends CommandName>(name: K, input: CommandInput<K>): Promise<CommandOutput<K>> {
  const fn = getBridge().commands[name] as (input: CommandInput<K>) => Promise<Result<CommandOutput<K>>>;
  let result: Result<CommandOutput<K>>;
  try {
    result = await fn(input);
  } catch (e) {
    throw new ApiError('INTERNAL', e instanceof Error ? e.message : String(e));
  }
  if (!result.ok) throw new ApiError(result.error.code, result.error.message);
  return result.value;
}

export function on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  return getBridge().on(event, listener);
}

/** A message for a person from anything thrown. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Anything thrown, as an ApiError (so views can branch on its code). */
export function toApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError('INTERNAL', messageOf(e));
}

export type {
  AssetDetail,
  AssetKind,
  AssetState,
  AssetSummary,
  DirEntry,
  FileRow,
  NetworkName,
  NetworkProfile,
  NetworkState,
  WalletInfo,
  WalletState,
} from '../../../src/api/bridge';
export type { CommandOutput };
export type { EventPayload };
