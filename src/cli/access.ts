/**
 * `ativo access request|status|fetch` (the requester side) and `ativo audit` (the owner's
 * hash-chained log of approvals and denials). See issue 6.
 */
import type { Backend } from '../api/backend';
import { UsageError, type Print } from './usage';

export const ACCESS_HELP = `  access request <tokenId|certificate.json> [--message M]
                                                   request access (pays the price from the current wallet)
  access status <requestId>                        a request's state
  access fetch <requestId> --out <dir>             download, decrypt and verify what a grant opens
  audit                                            the log of approvals and denials (--json)`;

export function accessCommand(_backend: Backend, _args: string[], _values: { message?: string | undefined; out?: string | undefined }, _print: Print): Promise<number> {
  return Promise.reject(new UsageError('access requests are not built yet'));
}

export function auditCommand(_backend: Backend, _print: Print): Promise<number> {
  return Promise.reject(new UsageError('the audit log is not built yet'));
}
