/** `ativo access request|status|fetch`: the requester side of access requests. See issue 6. */
import type { Backend } from '../api/backend';
import { UsageError, type Print } from './usage';

export const ACCESS_HELP = `  access request <tokenId|certificate.json> [--message M]
                                                   request access (pays the price from the current wallet)
  access status <requestId>                        a request's state
  access fetch <requestId> --out <dir>             download, decrypt and verify what a grant opens`;

export function accessCommand(_backend: Backend, _args: string[], _values: { message?: string | undefined; out?: string | undefined }, _print: Print): Promise<number> {
  return Promise.reject(new UsageError('access requests are not built yet'));
}
