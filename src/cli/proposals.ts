/**
 * Governance on the command line (issue 17):
 *   ativo consent <id> --rule owner|all|N%         the asset's consent rule for changes of terms
 *   ativo terms <id> [--price P] [--license L] [--access-days N] [--split 0xA:70,0xB:30] --propose
 *                                                  propose new terms to the payees
 *   ativo proposals list                           open proposals where this wallet is payee or owner
 *   ativo proposals sign|decline <proposal>        answer one (a unique start of its id is enough)
 *   ativo proposals submit <proposal> [--wait]     the owner submits a change the payees agreed to
 */
import type { Backend } from '../api/backend';
import type { ProposalView } from '../api/governance-contract';
import type { Values } from './args';
import { waitForJob } from './follow';
import { parseAccessDays, parseSplit } from './publish';
import { AtivoError } from '../util/errors';
import { UsageError, type Print } from './usage';

const SUBMIT_JOB_KIND = 'proposal.submit';
const short = (id: string): string => id.slice(0, 10);

export function parseRule(raw: string | undefined, flag = '--rule'): 'owner' | 'all' | number {
  if (raw === 'owner' || raw === 'all') return raw;
  const m = /^(\d{1,3})%?$/.exec(raw ?? '');
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError(`say the rule: ${flag} owner (the owner alone), ${flag} all (every payee) or ${flag} N% (payees holding at least N% of the split)`);
  return n === 100 ? 'all' : n;
}

export function describe(p: ProposalView): string {
  const answers = p.answers.map((a) => `${a.signer} ${a.decision === 'sign' ? 'signed' : 'declined'}`).join('; ');
  return [
    `Proposal ${short(p.id)} for ${p.assetName ?? `token #${p.tokenId}`} (token #${p.tokenId}), by ${p.author}${p.state === 'open' ? '' : ` [${p.state}]`}`,
    ...p.changes.map((c) => `  ${c}`),
    `  Agreed: ${p.agreedPercent}% of the split (the rule needs ${p.neededPercent}%)${answers ? `: ${answers}` : ''}`,
    `  Open until ${p.deadline}`,
  ].join('\n');
}

export async function consentCommand(backend: Backend, assetId: number, values: Values, print: Print): Promise<number> {
  if (values.rule === undefined) throw new UsageError(`say the rule: ativo consent ${assetId} --rule owner|all|N%`);
  const r = await backend.call('governance.setRule', { assetId, rule: parseRule(values.rule) });
  print(r, () => `${r.rule} (asset #${assetId}, token #${r.tokenId})${r.txHash === null ? '; it already was.' : '.'}`);
  return 0;
}

export async function proposeCommand(backend: Backend, assetId: number, values: Values, print: Print): Promise<number> {
  const license = values.license ?? (values.terms !== undefined ? 'custom' : undefined);
  const days = values['access-days'];
  if (values.price === undefined && license === undefined && days === undefined && values.split === undefined) {
    throw new UsageError(`say what changes: ativo terms ${assetId} --price ETH, --license L, --access-days N and/or --split 0xA:70,0xB:30 --propose`);
  }
  const p = await backend.call('proposals.create', {
    assetId,
    ...(values.price !== undefined ? { priceEth: values.price } : {}),
    ...(license !== undefined ? { license: license as 'custom' } : {}),
    ...(values.terms !== undefined ? { customTerms: values.terms } : {}),
    ...(days !== undefined ? { accessDays: parseAccessDays(days) } : {}),
    ...(values.split !== undefined ? { split: parseSplit(values.split) } : {}),
  });
  print(p, () => `${describe(p)}\nProposed and stored; the payees see it in their Inbox (ativo proposals list). Once enough of them sign, the owner's app submits it.`);
  return 0;
}

/** The proposal whose id starts with `raw` (at least 6 hex digits, 0x optional). */
async function resolve(backend: Backend, raw: string | undefined): Promise<string> {
  const want = (raw ?? '').toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{6,64}$/.test(want)) throw new UsageError('give the proposal id, or its first digits (see ativo proposals list)');
  if (want.length === 64) return `0x${want}`;
  const { items } = await backend.call('proposals.list', { refresh: true });
  const hits = items.filter((p) => p.id.toLowerCase().replace(/^0x/, '').startsWith(want));
  if (hits.length === 0) throw new AtivoError('NOT_FOUND', `No proposal starting with ${raw ?? ''} for an asset you are a payee of: see ativo proposals list`);
  if (hits.length > 1) throw new UsageError(`${raw ?? ''} starts more than one proposal id: give more of it`);
  return (hits[0] as ProposalView).id;
}

export async function proposalsCommand(backend: Backend, args: string[], values: Values, print: Print): Promise<number> {
  const [sub, idArg, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0] ?? ''}"`);
  switch (sub) {
    case undefined:
    case 'list': {
      const r = await backend.call('proposals.list', { refresh: true });
      print(r, () => [...(r.note !== null ? [r.note] : []), ...(r.items.length === 0 ? ['No proposals for assets you are a payee or owner of.'] : r.items.map(describe))].join('\n\n'));
      return 0;
    }
    case 'sign':
    case 'decline': {
      const id = await resolve(backend, idArg);
      const p = await backend.call(sub === 'sign' ? 'proposals.sign' : 'proposals.decline', { proposalId: id });
      print(p, () => `${sub === 'sign' ? 'Signed' : 'Declined'}; your answer is stored for the other payees and the owner to see.\n${describe(p)}`);
      return 0;
    }
    case 'submit': {
      const id = await resolve(backend, idArg);
      const r = await backend.call('proposals.submit', { proposalId: id });
      if (!values.wait) {
        print(r, () => `Submitting proposal ${short(id)} (job ${r.jobId}); the app or ativo serve carries it on. Follow it with: ativo proposals submit ${short(id)} --wait`);
        return 0;
      }
      const j = await waitForJob(backend, r.jobId, SUBMIT_JOB_KIND);
      if (j.state !== 'done') throw new AtivoError('CHAIN_ERROR', `The change (job ${r.jobId}) ${j.state}: ${j.error ?? 'no reason given'}`);
      print({ ...r, done: true }, () => `The change of proposal ${short(id)} is on chain: its new terms apply now.`);
      return 0;
    }
    default:
      throw new UsageError(`unknown proposals command "${sub}" (ativo proposals list | sign <id> | decline <id> | submit <id> [--wait])`);
  }
}
