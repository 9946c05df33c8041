/**
 * A proposed revenue split (issue 17): percent shares as the contract's basis points, refused in a
 * sentence when they do not add up to 100%, name a payee twice, or name no wallet. The shares are
 * converted by the publisher's own `percentToBps` (one rule for both).
 */
import { ZeroAddress, getAddress } from 'ethers';
import { percentToBps } from '../publish/licenses';
import { AtivoError } from '../util/errors';

export function proposedSplit(split: readonly { address: string; percent: number }[]): { address: string; bps: number }[] {
  const seen = new Set<string>();
  for (const s of split) {
    let address: string;
    try {
      address = getAddress(s.address);
    } catch {
      throw new AtivoError('INVALID_INPUT', `${s.address} is not a wallet address (a mistyped letter breaks its checksum): copy it again from the payee.`);
    }
    if (address === ZeroAddress) throw new AtivoError('INVALID_INPUT', 'The zero address cannot be paid: give the wallet address of each payee.');
    if (seen.has(address)) throw new AtivoError('INVALID_INPUT', `${address} appears twice in the split: give each payee once, with its whole share.`);
    seen.add(address);
  }
  try {
    return percentToBps(split).map((s) => ({ address: getAddress(s.address), bps: s.bps }));
  } catch (e) {
    throw new AtivoError('INVALID_INPUT', e instanceof Error ? e.message : String(e));
  }
}
