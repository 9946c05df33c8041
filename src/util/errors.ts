import type { ErrorCode } from '../api/contract';

/** An error meant for a person: a stable code and a plain-English, actionable message. */
export class AtivoError extends Error {
  override readonly name = 'AtivoError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isAtivoError = (e: unknown): e is AtivoError => e instanceof AtivoError;

/** Node's errno code of an error, if it has one. */
export const errnoCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
