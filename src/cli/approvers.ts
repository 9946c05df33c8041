/**
 * `ativo approvers list <asset>`, `ativo approvers add <asset> <address>` and
 * `ativo approvers remove <asset> <address>` (issue 17): the wallets that may approve or deny an
 * asset's access requests besides its owner.
 */
import type { Backend } from '../api/backend';
import type { ApproversState } from '../api/approvers-contract';
import { UsageError, type Print } from './usage';

const USAGE = 'ativo approvers list <asset>, ativo approvers add <asset> <address>, or ativo approvers remove <asset> <address>';

export async function approversCommand(backend: Backend, args: string[], print: Print, parseId: (s: string | undefined) => number): Promise<number> {
  const [verb, asset, address, extra] = args;
  if (verb !== 'list' && verb !== 'add' && verb !== 'remove') throw new UsageError(`say what to do with the approvers (${USAGE})`);
  const assetId = parseId(asset);
  if (verb === 'list') {
    if (address !== undefined) throw new UsageError(`unexpected argument "${address.slice(0, 60)}" (${USAGE})`);
    const s = await backend.call('approvers.list', { assetId });
    print(s, () => words(s));
    return 0;
  }
  if (address === undefined) throw new UsageError(`say which wallet address to ${verb === 'add' ? 'name as an approver' : 'remove'} (${USAGE})`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra.slice(0, 60)}" (${USAGE})`);
  const s = await backend.call(verb === 'add' ? 'approvers.add' : 'approvers.remove', { assetId, address });
  print(s, () => `${verb === 'add' ? `${address} may now approve or deny this asset's requests.` : `${address} is no longer an approver of this asset.`}\n${words(s)}`);
  return 0;
}

function words(s: ApproversState): string {
  if (!s.published) return `This asset is not published on the ${s.network} network yet: publish it first, then name its approvers.`;
  const head = `Asset token #${s.tokenId ?? '?'} on ${s.network}, owned by ${s.owner ?? 'nobody'}${s.isOwner ? ' (the wallet in use)' : ''}.`;
  if (s.approvers.length === 0) return `${head}\nNo approvers: only the owner answers its requests.`;
  return `${head}\nApprovers (they may approve or deny its requests; the payment goes to the split as when the owner approves):\n${s.approvers.map((a) => `  ${a.address}`).join('\n')}`;
}
