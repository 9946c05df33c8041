/** Where a contract was deployed, to start following its events there rather than at block 0. */
import type { ChainConnection } from '../chain/client';

/**
 * The first block at which `address` has code (binary search over eth_getCode), or 0 when the
 * node cannot answer for old blocks (a pruned node): then reading starts at the genesis.
 */
export async function findDeployBlock(conn: ChainConnection, address: string): Promise<number> {
  const p = conn.provider;
  try {
    let hi = await p.getBlockNumber();
    if ((await p.getCode(address, hi)) === '0x') return 0;
    let lo = 0;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await p.getCode(address, mid)) === '0x') lo = mid + 1;
      else hi = mid;
    }
    return lo;
  } catch {
    return 0;
  }
}
