/** `ativo earnings [--json|--csv]`, `ativo earnings reconcile`, `ativo earnings withdraw [--wait]`. See issue 7. */
import type { Backend } from '../api/backend';
import { UsageError, type Print } from './usage';

export const EARNINGS_HELP = `  earnings [--json | --csv]                        what the current wallet earned, per asset and payout
  earnings reconcile                               re-read from block 0 and compare with the cache
  earnings withdraw [--wait]                       withdraw the balance (durable job)`;

export function earningsCommand(_backend: Backend, _args: string[], _values: { csv?: boolean | undefined; wait?: boolean | undefined }, _print: Print): Promise<number> {
  return Promise.reject(new UsageError('earnings are not built yet'));
}
