/** `ativo show` and `ativo list`: an asset's lifecycle status, owner, terms, payees, requests and earnings (issue 14). */
import type { AssetDetail } from '../api/contract';
import { approvalText } from '../publish/lifecycle';
import { ethText, priceText } from '../util/format';

/** `ativo show`'s lines about the asset's life: status, owner, terms, payees, requests, earnings (issue 14). */
export function describeLife(a: AssetDetail): string[] {
  const lines = [`  status        ${a.status.label}`];
  if (a.status.detail !== null && a.status.state !== 'failed') lines.push(`                ${a.status.detail}`);
  if (a.owner !== null) lines.push(`  owner         ${a.owner}`);
  if (a.terms !== null) lines.push(`  terms         ${priceText(a.terms.priceWei)}, ${a.terms.license}, ${approvalText(a.terms.approval)}, ${a.terms.visibility}`);
  for (const [i, p] of a.payees.entries()) lines.push(`  ${i === 0 ? 'payees        ' : '              '}${p.bps / 100}%  ${p.address}${p.name !== null ? `  ${p.name}` : ''}`);
  if (a.terms !== null) lines.push(`  requests      ${a.pendingRequests} pending`, `  earned        ${ethText(a.earnedWei)}`);
  return lines;
}

/** A table cell no longer than `n` characters. */
export const cell = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
