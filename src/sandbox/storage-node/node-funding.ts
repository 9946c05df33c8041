/**
 * The storage node's funding: POST /account/balance/{token} credits an ETH transfer to the node's
 * address once the sandbox chain has it confirmed. Split from node.ts.
 */
import type { IncomingMessage } from 'node:http';
import { JsonRpcProvider, Network } from 'ethers';
import { z } from 'zod';
import { fetchChainId } from '../../chain/provider';
import { Mutex } from './fsutil';
import { checkFundingTx, type FundingCheck } from './funding';
import { BodyTooLargeError, readBody } from './http';
import { STORAGE_NODE_TOKEN, type NodeContext, type Reply } from './node-context';

const FundBody = z.object({ tx_id: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte transaction hash') });

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((res, rej) => {
    const t = setTimeout(() => {
      rej(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        res(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        rej(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });


export interface NodeFunding {
  /** Re-checks funding txs seen as pending (for one address, or all); credits the confirmed ones. */
  refreshPending: (address?: string) => Promise<void>;
  fund: (req: IncomingMessage, token: string) => Promise<Reply>;
  /** Closes the chain provider, if one was made. */
  destroy: () => void;
}

export function createFunding(ctx: NodeContext): NodeFunding {
  const { cfg, stats, badToken } = ctx;
  const { store, identity } = cfg;
  const funding = new Mutex();
  // The chain id is read once with a plain request and given to ethers: an ethers provider left
  // to detect the network itself retries forever (and logs every second) while the RPC is down.
  let provider: JsonRpcProvider | undefined;
  let providerP: Promise<JsonRpcProvider> | undefined;
  const chain = (): Promise<JsonRpcProvider> =>
    (providerP ??= (async () => {
      const chainId = await fetchChainId(cfg.rpcUrl, cfg.rpcTimeoutMs);
      provider = new JsonRpcProvider(cfg.rpcUrl, Network.from(chainId), { staticNetwork: true, batchMaxCount: 1 });
      return provider;
    })().catch((e: unknown) => {
      providerP = undefined;
      throw e instanceof Error ? e : new Error(String(e));
    }));

  async function check(txId: string): Promise<FundingCheck> {
    return withTimeout(checkFundingTx(await chain(), txId, identity.address, STORAGE_NODE_TOKEN, cfg.confirmations), cfg.rpcTimeoutMs, 'The chain RPC call');
  }

  /** Re-checks funding txs seen as pending (for one address, or all); credits the confirmed ones. */
  async function refreshPending(address?: string): Promise<void> {
    const todo = store.pendingFor(address);
    if (todo.length === 0) return;
    await funding.run(async () => {
      for (const p of todo) {
        if (store.isCredited(p.txId)) continue;
        let r: FundingCheck;
        try {
          r = await check(p.txId);
        } catch {
          continue; // chain unreachable: try again later
        }
        if (r.kind === 'confirmed') {
          await store.credit(r.record);
          stats.fundingCredited++;
        } else if (r.kind !== 'pending') {
          await store.dropPending(p.txId);
        }
      }
    });
  }

  async function fund(req: IncomingMessage, token: string): Promise<Reply> {
    const bt = badToken(token);
    let body: Buffer;
    try {
      body = await readBody(req, 64 * 1024);
    } catch (e) {
      if (e instanceof BodyTooLargeError) return { status: 413, error: 'BODY_TOO_LARGE', message: e.message };
      throw e;
    }
    if (bt !== undefined) return bt;
    let txId: string;
    try {
      txId = FundBody.parse(JSON.parse(body.toString('utf8'))).tx_id.toLowerCase();
    } catch {
      return { status: 400, error: 'BAD_REQUEST', message: 'Send JSON { "tx_id": "0x<transaction hash>" }.' };
    }
    return funding.run(async (): Promise<Reply> => {
      if (store.isCredited(txId)) {
        stats.fundingRefused++;
        return { status: 400, error: 'ALREADY_CREDITED', message: `Funding transaction ${txId} was already credited; a transaction is credited once.` };
      }
      let r: FundingCheck;
      try {
        r = await check(txId);
      } catch (e) {
        return { status: 503, error: 'CHAIN_UNAVAILABLE', message: `The storage node cannot reach the chain at ${cfg.rpcUrl} to check ${txId}: ${e instanceof Error ? e.message : String(e)}. Retry later.` };
      }
      switch (r.kind) {
        case 'not-found':
          stats.fundingRefused++;
          return { status: 404, error: 'TX_NOT_FOUND', message: `Transaction ${txId} is not on the chain.` };
        case 'wrong-recipient':
          stats.fundingRefused++;
          return { status: 400, error: 'WRONG_RECIPIENT', message: `Transaction ${txId} pays ${r.to ?? 'no address (contract creation)'}, not this node's address ${identity.address}.` };
        case 'zero-value':
          stats.fundingRefused++;
          return { status: 400, error: 'NO_VALUE', message: `Transaction ${txId} transfers no ETH.` };
        case 'failed':
          stats.fundingRefused++;
          return { status: 400, error: 'TX_FAILED', message: `Transaction ${txId} failed (reverted) on the chain.` };
        case 'pending':
          await store.markPending(r.record);
          stats.fundingPending++;
          return { status: 202, json: { status: 'pending', txId, confirmations: r.confirmations, required: cfg.confirmations } };
        case 'confirmed':
          await store.credit(r.record);
          stats.fundingCredited++;
          return { status: 200, json: { status: 'credited', txId, address: r.record.from, amount: r.record.value, balance: store.balanceOf(r.record.from).toString() } };
      }
    });
  }

  return { refreshPending, fund, destroy: () => provider?.destroy() };
}
