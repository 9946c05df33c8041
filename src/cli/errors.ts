/** Errors on the command line: the CLI's own wording of a refused command. */
import type { ResultError } from '../api/contract';
import { AtivoError } from '../util/errors';
export { cliMessage } from '../api/public-errors';

/** A refused command's result as an error to throw, keeping its command-line wording and fields. */
export const fromResult = (e: ResultError): AtivoError =>
  new AtivoError(e.code, e.message, { ...(e.cli !== undefined ? { cli: e.cli } : {}), ...(e.fields !== undefined ? { fields: e.fields } : {}) });
