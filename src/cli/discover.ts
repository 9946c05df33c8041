/**
 * `ativo discover [--query Q] [--kind K] [--license L] [--free] [--max-price ETH] [--sort S] [--json]`
 * and `ativo discover show <token> [--citation FILE]` (issue 16): every asset registered on the
 * current network's registry, read from the chain and the storage node first.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ethText, priceText } from '../util/format';
import type { Backend } from '../api/backend';
import { table } from './format';
import { UsageError, type Print } from './usage';

export interface DiscoverValues {
  query?: string | undefined;
  kind?: string | undefined;
  license?: string | undefined;
  free?: boolean | undefined;
  'max-price'?: string | undefined;
  sort?: string | undefined;
  citation?: string | undefined;
}

const SORTS = ['newest', 'price', 'approved'] as const;
const KINDS = ['dataset', 'model', 'other'] as const;

export async function discoverCommand(backend: Backend, args: string[], values: DiscoverValues, print: Print): Promise<number> {
  if (args[0] === 'show') return show(backend, args.slice(1), values, print);
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0] ?? ''}" (ativo discover [--query Q] [--kind K], or ativo discover show <token>)`);
  const sort = values.sort ?? 'newest';
  if (!(SORTS as readonly string[]).includes(sort)) throw new UsageError(`--sort takes newest, price or approved (got "${sort.slice(0, 40)}")`);
  const kind = values.kind;
  if (kind !== undefined && !(KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind takes dataset, model or other (got "${kind.slice(0, 40)}")`);
  const r = await backend.call('discover.list', {
    refresh: true,
    sort: sort as (typeof SORTS)[number],
    limit: 1000,
    ...(values.query !== undefined ? { query: values.query } : {}),
    ...(kind !== undefined ? { kind: kind as (typeof KINDS)[number] } : {}),
    ...(values.license !== undefined ? { license: values.license } : {}),
    ...(values.free === true ? { free: true } : {}),
    ...(values['max-price'] !== undefined ? { maxPriceEth: values['max-price'] } : {}),
  });
  print(r, () => {
    if (r.items.length === 0) return `${r.note ? `${r.note}\n` : ''}No asset on the ${r.network} network matches${values.query ? ` "${values.query}"` : ''}.`;
    const rows = r.items.map((i) => [
      `${i.mine ? '*' : ' '}${i.tokenId}`,
      i.name ?? (i.metadata === 'pending' ? '(description not read yet)' : '(no valid description)'),
      i.kind ?? '',
      i.license ?? '',
      i.forSale ? priceText(i.priceWei) : 'not for sale',
      i.owner,
    ]);
    const more = r.total > r.items.length ? `\n(${r.total - r.items.length} more: narrow the search)` : '';
    return `${r.note ? `${r.note}\n` : ''}${table(['TOKEN', 'NAME', 'KIND', 'LICENSE', 'PRICE', 'OWNER'], rows)}${more}\n${r.total} asset(s) on ${r.network}, chain ${r.items[0]?.chainId ?? '?'}, registry ${r.items[0]?.registry ?? '?'} (* yours). Open one: ativo discover show <token>`;
  });
  return 0;
}

async function show(backend: Backend, args: string[], values: DiscoverValues, print: Print): Promise<number> {
  const token = args[0];
  if (token === undefined || !/^\d{1,78}$/.test(token)) throw new UsageError('give the asset number: ativo discover show <token>');
  const status = await backend.call('chain.status', {});
  if (status.registry === null) throw new UsageError(`there is no AtivoRegistry on ${status.network}: set one with ativo network set ${status.network} --registry 0x…`);
  const a = await backend.call('discover.asset', { chainId: status.chainId, registry: status.registry, tokenId: token });
  if (values.citation !== undefined) {
    if (a.citation === null) throw new UsageError(`asset ${token} has no public description, so there is no CITATION.cff to write`);
    writeFileSync(resolve(values.citation), a.citation, { flag: 'wx' });
  }
  print(a, () => {
    const rate = a.record.approvalRate === null ? 'no decision yet' : `${Math.round(a.record.approvalRate * 100)}% approved`;
    const median = a.record.medianDecisionSeconds === null ? '' : `, median answer in ${Math.max(1, Math.round(a.record.medianDecisionSeconds / 60))} min`;
    return [
      `${a.name ?? `Asset ${a.tokenId}`}${a.mine ? ' (yours)' : ''}: ${a.kind ?? 'unknown kind'}, token ${a.tokenId}, owner ${a.owner}`,
      ...(a.description ? [a.description] : []),
      `License: ${a.license ?? 'unknown'}. ${a.licenseWords}`,
      `Price: ${a.forSale ? priceText(a.priceWei) : 'not for sale'}; access ${a.accessDays === null ? 'period unknown' : a.accessDays === 0 ? 'with no end' : `for ${a.accessDays} day(s)`}`,
      `Split: ${a.split.map((s) => `${s.address} ${s.percent}%`).join(', ') || 'unknown'}`,
      ...(a.contributors.length ? [`Contributors: ${a.contributors.map((c) => `${c.name}${c.orcid ? ` (ORCID ${c.orcid})` : ''}`).join(', ')}`] : []),
      `Versions: ${a.versions.map((v) => `${v.version === null ? '?' : `v${v.version}`} token ${v.tokenId}${v.current ? ' (this one)' : ''}`).join(', ')}`,
      `Public record: ${a.record.requests} request(s), ${rate}${median}; ${ethText(a.record.paidWei)} paid to contributors`,
      `Content root: ${a.contentRoot}`,
      ...(values.citation !== undefined ? [`Wrote ${resolve(values.citation)}`] : []),
      ...(a.note ? [a.note] : []),
    ].join('\n');
  });
  return 0;
}
