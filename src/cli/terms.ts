/** `ativo terms <id> [--price P] [--license L] [--wait]` and `ativo sale <id> on|off [--wait]` (issue 14). */
import type { Backend } from '../api/backend';
import { SALE_JOB_KIND, TERMS_JOB_KIND } from '../terms/jobs';
import { AtivoError } from '../util/errors';
import { ethText } from '../util/format';
import { waitForJob } from './follow';
import { UsageError, type Print } from './usage';


async function waitFor(backend: Backend, jobId: number, kind: string, what: string): Promise<void> {
  const j = await waitForJob(backend, jobId, kind);
  if (j.state !== 'done') throw new AtivoError('CHAIN_ERROR', `${what} (job ${jobId}) ${j.state}: ${j.error ?? 'no reason given'}`);
}

export async function termsCommand(
  backend: Backend,
  assetId: number,
  values: { price?: string | undefined; license?: string | undefined; terms?: string | undefined; split?: string | undefined; wait?: boolean | undefined },
  print: Print,
): Promise<number> {
  if (values.split !== undefined) throw new UsageError(`the split cannot change on a published version (its payees were registered with it): publish a new version with the new split (ativo publish ${assetId} --split …), or, once the asset has a consent rule, propose it to the payees (ativo terms ${assetId} --split … --propose)`);
  const license = values.license ?? (values.terms !== undefined ? 'custom' : undefined);
  if (values.price === undefined && license === undefined) throw new UsageError(`say what changes: ativo terms ${assetId} --price ETH and/or --license L`);
  const r = await backend.call('assets.updateTerms', {
    assetId,
    ...(values.price !== undefined ? { priceEth: values.price } : {}),
    ...(license !== undefined ? { license: license as 'custom' } : {}),
    ...(values.terms !== undefined ? { customTerms: values.terms } : {}),
  });
  if (values.wait !== true) {
    print(r, () => `Changing the terms of asset #${assetId} (token #${r.tokenId}) to ${ethText(r.priceWei)} (job ${r.jobId}); the app or \`ativo serve\` carries it on. Follow it with: ativo terms ${assetId} ${values.price !== undefined ? `--price ${values.price} ` : ''}--wait`);
    return 0;
  }
  await waitFor(backend, r.jobId, TERMS_JOB_KIND, 'The terms change');
  const t = await backend.call('assets.terms', { assetId });
  print(t, () =>
    [
      `Asset #${assetId} (token #${t.tokenId ?? '?'}) is now offered at ${ethText(t.priceWei)} under ${t.license}${t.accessDays > 0 ? `, access for ${t.accessDays} day(s)` : ''}.`,
      `Its certificate was re-issued with the new terms (terms hash ${t.termsHash ?? '?'}); the previous one is kept, marked superseded. Requests made at the old terms are refused and nothing is paid.`,
      `Export it: ativo certificate ${assetId} > ativo-certificate.json`,
    ].join('\n'),
  );
  return 0;
}

export async function saleCommand(backend: Backend, args: string[], values: { wait?: boolean | undefined }, print: Print, parseId: (s: string | undefined) => number): Promise<number> {
  const [idArg, state, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0] ?? ''}" (ativo sale <id> on|off [--wait])`);
  const assetId = parseId(idArg);
  if (state !== 'on' && state !== 'off') throw new UsageError(`say on or off: ativo sale ${assetId} on|off`);
  const forSale = state === 'on';
  const r = await backend.call('assets.setForSale', { assetId, forSale });
  if (values.wait !== true) {
    print(r, () => `${forSale ? 'Putting' : 'Taking'} asset #${assetId} (token #${r.tokenId}) ${forSale ? 'on' : 'off'} sale (job ${r.jobId}); the app or \`ativo serve\` carries it on. Follow it with: ativo sale ${assetId} ${state} --wait`);
    return 0;
  }
  await waitFor(backend, r.jobId, SALE_JOB_KIND, 'The listing change');
  print({ ...r, done: true }, () =>
    forSale
      ? `Asset #${assetId} (token #${r.tokenId}) is for sale: buyers can request access again.`
      : `Asset #${assetId} (token #${r.tokenId}) is off sale: new requests are refused and nothing is paid. Pending requests can still be approved or denied, and their buyers can still cancel them.`,
  );
  return 0;
}
