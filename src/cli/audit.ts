/** `ativo audit [--json]`: the owner's hash-chained log of approvals and denials. See issue 6. */
import type { Backend } from '../api/backend';
import { UsageError, type Print } from './usage';

export const AUDIT_HELP = `  audit                                            the log of approvals and denials (--json)`;

export function auditCommand(_backend: Backend, _print: Print): Promise<number> {
  return Promise.reject(new UsageError('the audit log is not built yet'));
}
