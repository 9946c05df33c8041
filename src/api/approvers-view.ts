/** Who answered a request, in the inbox's words (issue 17). */
import { getAddress } from 'ethers';
import type { AccessRequestRecord } from '../catalog/access';

/** 0xab12…cd34: an address short enough for a line of text (the full one is shown on hover). */
export const shortAddress = (a: string): string => {
  const c = getAddress(a);
  return `${c.slice(0, 6)}…${c.slice(-4)}`;
};

/**
 * "Approved by you", "Approved by the owner", "Denied by 0xab12…cd34 (approver)", from the
 * Decided event the indexer recorded; null while nobody has answered (or for a request answered
 * before Ativo recorded deciders).
 */
export function decisionWords(r: Pick<AccessRequestRecord, 'state' | 'decidedBy' | 'owner'>, me: string | null): string | null {
  if (r.decidedBy === null || (r.state !== 'approved' && r.state !== 'denied')) return null;
  const verb = r.state === 'approved' ? 'Approved' : 'Denied';
  const by = r.decidedBy.toLowerCase();
  if (me !== null && by === me.toLowerCase()) return `${verb} by you`;
  if (r.owner !== null && by === r.owner.toLowerCase()) return `${verb} by the owner`;
  return `${verb} by ${shortAddress(by)} (approver)`;
}
