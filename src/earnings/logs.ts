/**
 * Reading the registry's earnings events straight from `eth_getLogs` and decoding them by hand:
 * the six events earnings need have fixed layouts (amounts at known words), so decoding is a
 * few slices per log, not an ABI decoder run (10,000 payouts index in well under a second).
 */
import { registryInterface } from '../chain/abi';
import { onChain, rpcRequest, type ChainConnection } from '../chain/provider';

export const TOPICS = {
  Credited: registryInterface.getEvent('Credited')?.topicHash ?? '',
  Withdrawn: registryInterface.getEvent('Withdrawn')?.topicHash ?? '',
  AccessRequested: registryInterface.getEvent('AccessRequested')?.topicHash ?? '',
  AccessGranted: registryInterface.getEvent('AccessGranted')?.topicHash ?? '',
  Refunded: registryInterface.getEvent('Refunded')?.topicHash ?? '',
  Transfer: registryInterface.getEvent('Transfer')?.topicHash ?? '',
} as const;
const ALL_TOPICS = Object.values(TOPICS);

/** A log as eth_getLogs returns it (hex quantities). */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash?: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

/** A decoded earnings event with where it was logged; `time` is filled in from the block. */
export type EarningsEvent =
  | { name: 'Credited'; payee: string; tokenId: string; requestId: string; amount: bigint }
  | { name: 'Withdrawn'; account: string; to: string; amount: bigint }
  | { name: 'AccessRequested'; requestId: string; tokenId: string; requester: string; amount: bigint }
  | { name: 'AccessGranted'; requestId: string; tokenId: string; amount: bigint }
  | { name: 'Refunded'; requester: string; requestId: string; amount: bigint }
  | { name: 'Transfer'; from: string; to: string; tokenId: string };
export type LocatedEvent = EarningsEvent & { blockNumber: number; txHash: string; logIndex: number };

const word = (data: string, i: number): bigint => BigInt(`0x${data.slice(2 + i * 64, 2 + (i + 1) * 64) || '0'}`);
const topicUint = (t: string | undefined): string => BigInt(t ?? '0x0').toString();
const topicAddress = (t: string | undefined): string => `0x${(t ?? '').slice(-40)}`.toLowerCase();

/** Decodes one log, or null when it is not one of the earnings events. */
export function decodeLog(log: RawLog): LocatedEvent | null {
  const [t0, t1, t2, t3] = log.topics;
  const at = { blockNumber: Number(log.blockNumber), txHash: log.transactionHash.toLowerCase(), logIndex: Number(log.logIndex) };
  switch (t0) {
    case TOPICS.Credited:
      return { name: 'Credited', payee: topicAddress(t1), tokenId: topicUint(t2), requestId: topicUint(t3), amount: word(log.data, 0), ...at };
    case TOPICS.Withdrawn:
      return { name: 'Withdrawn', account: topicAddress(t1), to: topicAddress(t2), amount: word(log.data, 0), ...at };
    case TOPICS.AccessRequested:
      // data: (string recipient, uint256 amount, string message) → amount is the second head word.
      return { name: 'AccessRequested', requestId: topicUint(t1), tokenId: topicUint(t2), requester: topicAddress(t3), amount: word(log.data, 1), ...at };
    case TOPICS.AccessGranted:
      // data: (string grantId, uint256 amount)
      return { name: 'AccessGranted', requestId: topicUint(t1), tokenId: topicUint(t2), amount: word(log.data, 1), ...at };
    case TOPICS.Refunded:
      return { name: 'Refunded', requester: topicAddress(t1), requestId: topicUint(t2), amount: word(log.data, 0), ...at };
    case TOPICS.Transfer:
      // ERC-721 Transfer has 4 topics (tokenId indexed); anything else with this topic is not ours.
      if (log.topics.length !== 4) return null;
      return { name: 'Transfer', from: topicAddress(t1), to: topicAddress(t2), tokenId: topicUint(t3), ...at };
    default:
      return null;
  }
}

/** The registry's earnings events in [from, to] (inclusive), in log order; splits the range when the node refuses it. */
export async function fetchEarningsEvents(conn: ChainConnection, registry: string, from: number, to: number): Promise<LocatedEvent[]> {
  if (from > to) return [];
  let logs: RawLog[];
  try {
    // Raw JSON-RPC, parsed natively (ethers' response handling costs more than the node on 10,000s of logs).
    logs = await onChain(
      conn,
      async () => (await rpcRequest(conn.url, 'eth_getLogs', [{ address: registry, fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}`, topics: [ALL_TOPICS] }])) as RawLog[],
      'read',
    );
  } catch (e) {
    // Public RPCs cap a getLogs answer (blocks or results): halve the range and try again.
    if (to > from) {
      const mid = Math.floor((from + to) / 2);
      return [...(await fetchEarningsEvents(conn, registry, from, mid)), ...(await fetchEarningsEvents(conn, registry, mid + 1, to))];
    }
    throw e;
  }
  const out: LocatedEvent[] = [];
  for (const log of logs) {
    if (log.removed === true) continue;
    const e = decodeLog(log);
    if (e !== null) out.push(e);
  }
  out.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  return out;
}

/** Block timestamps (ISO, UTC) of the given blocks, fetched a few at a time. */
export async function blockTimes(conn: ChainConnection, blocks: Iterable<number>, known: Map<number, string> = new Map()): Promise<Map<number, string>> {
  const want = [...new Set(blocks)].filter((b) => !known.has(b));
  const limit = 16;
  for (let i = 0; i < want.length; i += limit) {
    const slice = want.slice(i, i + limit);
    const got = await Promise.all(
      slice.map((n) =>
        onChain(conn, async () => {
          const b = (await conn.provider.send('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])) as { timestamp: string } | null;
          if (b === null) throw new Error(`The chain at ${conn.url} has no block ${n}.`);
          return new Date(Number(BigInt(b.timestamp)) * 1000).toISOString();
        }, 'read'),
      ),
    );
    slice.forEach((n, j) => known.set(n, got[j] ?? ''));
  }
  return known;
}
