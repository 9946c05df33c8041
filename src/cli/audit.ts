/** `ativo audit [--json]`: the owner's hash-chained log of approvals and denials. See issue 6. */
import type { Backend } from '../api/backend';
import type { AuditEntry } from '../api/contract';
import { table } from './format';
import type { Print } from './usage';

const PAGE = 1000;

/**
 * Prints every entry, oldest first, and whether the hash chain is intact. With --json:
 * `{ intact, brokenAt, entries: [{ id, at, actor, action, details, prevHash, hash }] }`, which
 * anyone can re-verify: hash = sha256(prevHash + "\n" + canonical JSON of { action, actor, at, details })
 * (keys sorted at every level; the first prevHash is 64 zeros). Exit code 1 when the chain is broken.
 */
export async function auditCommand(backend: Backend, print: Print): Promise<number> {
  const entries: AuditEntry[] = [];
  let intact = true;
  let brokenAt: number | null = null;
  for (let offset = 0; ; offset += PAGE) {
    const page = await backend.call('audit.list', { offset, limit: PAGE });
    entries.push(...page.items);
    intact = page.intact;
    brokenAt = page.brokenAt;
    if (page.items.length < PAGE || entries.length >= page.total) break;
  }
  entries.sort((a, b) => a.id - b.id);
  const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
  print({ intact, brokenAt, entries }, () => {
    const state = intact ? `The chain of ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} is intact.` : `The audit log was altered: entry ${brokenAt ?? '?'} does not match its hash chain.`;
    if (entries.length === 0) return `No approvals or denials yet. ${state}`;
    const rows = entries.map((e) => [
      String(e.id),
      e.at,
      // Who decided (issue 17): an approver's answer, and the key the owner delivered for it.
      e.details.decidedAs === 'approver' ? `${e.action} (as approver)` : e.action === 'deliver' ? `deliver key (approved by ${str(e.details.decidedBy)})` : e.action,
      str(e.details.requestId),
      str(e.details.requester),
      e.actor,
      str(e.details.txHash),
    ]);
    return `${table(['#', 'when', 'action', 'request', 'requester', 'by', 'tx'], rows)}\n${state}`;
  });
  return intact ? 0 : 1;
}
