/**
 * Raw `eth_getLogs` and `eth_getBlockByNumber` for the chain follower, outside ethers: the node's
 * JSON is parsed natively and handed over as is (ethers' response handling — body accumulation,
 * a pure-JS UTF-8 decoder, log formatting — cost more than the node itself on 30,000 logs).
 *
 * The follower keeps several ranges in flight (follow.ts). Real RPCs cap a getLogs answer (a block span, a result count, a
 * response size, a time): a refused sub-range is split in halves and read again, and the span
 * that worked is remembered for the next reads, so a capped node costs one refusal, not one per
 * batch. A node that cannot be reached is not "refusing": that error goes up unchanged.
 */
import type { RawRpcLog } from './abi';
import { ChainError } from './errors';
import { rpcRequest } from './provider';

export interface RawBlock {
  number: number;
  hash: string;
  /** Unix seconds. */
  timestamp: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** A block's number, hash and time, or null when the node does not have it. */
export async function rawBlock(url: string, n: number): Promise<RawBlock | null> {
  const b = (await rpcRequest(url, 'eth_getBlockByNumber', [hex(n), false])) as { number?: string; hash?: string; timestamp?: string } | null;
  if (b === null) return null;
  if (typeof b.hash !== 'string' || typeof b.timestamp !== 'string') throw new ChainError('RPC_ERROR', `The chain at ${url} sent an invalid answer for block ${n}.`, { url });
  return { number: n, hash: b.hash, timestamp: Number(BigInt(b.timestamp)) };
}

/** Errors that mean "this range is too much for this node" (worth splitting), not "the node is gone". */
function refused(e: unknown): boolean {
  return e instanceof ChainError && (e.code === 'RPC_ERROR' || e.code === 'TIMEOUT');
}

export interface LogReaderOptions {
  url: string;
  address: string;
  /** Topic-0 alternatives the node filters on, or null for every log of the address. */
  topics: string[] | null;
  /** Largest span (blocks) asked in one call, until the node refuses one. */
  span: number;
  /** For tests: called before each eth_getLogs call with its inclusive range. */
  onCall?: (fromBlock: number, toBlock: number) => void;
}

export class LogReader {
  /** The span that currently works with this node (shrinks on refusals). */
  span: number;

  constructor(private readonly o: LogReaderOptions) {
    this.span = Math.max(1, Math.floor(o.span));
  }

  /** Every log of [from, to] (inclusive), in block and log order (split and read again if refused). */
  read(from: number, to: number): Promise<RawRpcLog[]> {
    return from > to ? Promise.resolve([]) : this.piece(from, to);
  }

  private async piece(from: number, to: number): Promise<RawRpcLog[]> {
    try {
      this.o.onCall?.(from, to);
      const filter = { address: this.o.address, fromBlock: hex(from), toBlock: hex(to), ...(this.o.topics ? { topics: [this.o.topics] } : {}) };
      const logs = await rpcRequest(this.o.url, 'eth_getLogs', [filter]);
      if (!Array.isArray(logs)) throw new ChainError('RPC_ERROR', `The chain at ${this.o.url} sent an invalid answer for the events of blocks ${from} to ${to}.`, { url: this.o.url });
      return logs as RawRpcLog[];
    } catch (e) {
      if (to <= from || !refused(e)) throw e;
      const mid = from + Math.floor((to - from) / 2);
      this.span = Math.min(this.span, mid - from + 1);
      const left = await this.piece(from, mid);
      const right = await this.piece(mid + 1, to);
      return left.concat(right);
    }
  }
}
