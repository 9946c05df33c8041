/**
 * Connections to an Ethereum JSON-RPC endpoint.
 *
 * The ethers provider is always created with `cacheTimeout: -1` (no response caching: a cached
 * `eth_getTransactionCount` gives stale nonces against anvil), `batchMaxCount: 1` (no JSON-RPC
 * batches) and a static network (no `eth_chainId` before every request), and with a request
 * timeout far shorter than ethers' 5-minute default.
 */
import { FetchRequest, JsonRpcProvider, Network } from 'ethers';
import { ChainError, toChainError, type RegistryAction } from './errors';

export const DEFAULT_RPC_TIMEOUT_MS = 30_000;

export interface ChainConnection {
  readonly url: string;
  readonly chainId: bigint;
  readonly provider: JsonRpcProvider;
  /** Releases the provider (idempotent). */
  close(): void;
}

export interface ConnectOptions {
  /** If given, connecting fails unless the endpoint reports this chain id. */
  expectedChainId?: bigint | number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/**
 * One raw JSON-RPC request with a timeout, outside ethers (used to probe an endpoint that may
 * not be up yet). Throws a ChainError (UNREACHABLE, TIMEOUT or RPC_ERROR).
 */
export async function rpcRequest(url: string, method: string, params: unknown[] = [], timeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw toChainError(e, { url });
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ChainError('RPC_ERROR', `The chain at ${url} did not answer with JSON-RPC (HTTP ${res.status}).`, { url });
  }
  if (typeof body !== 'object' || body === null) {
    throw new ChainError('RPC_ERROR', `The chain at ${url} sent an invalid JSON-RPC answer.`, { url });
  }
  const b = body as { result?: unknown; error?: { message?: unknown } };
  if (b.error !== undefined) {
    const msg = typeof b.error.message === 'string' ? b.error.message : JSON.stringify(b.error);
    throw new ChainError('RPC_ERROR', `The chain at ${url} rejected ${method}: ${msg}`, { url });
  }
  return b.result;
}

/** The chain id an endpoint reports. */
export async function fetchChainId(url: string, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<bigint> {
  const result = await rpcRequest(url, 'eth_chainId', [], timeoutMs);
  if (typeof result !== 'string' || !/^0x[0-9a-fA-F]+$/.test(result)) {
    throw new ChainError('RPC_ERROR', `The chain at ${url} answered eth_chainId with ${JSON.stringify(result)}.`, { url });
  }
  return BigInt(result);
}

/** An ethers provider with the options this app requires (see the module comment). */
export function createProvider(url: string, chainId: bigint | number, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): JsonRpcProvider {
  const req = new FetchRequest(url);
  req.timeout = timeoutMs;
  return new JsonRpcProvider(req, undefined, {
    cacheTimeout: -1,
    batchMaxCount: 1,
    staticNetwork: Network.from(chainId),
    pollingInterval: 250,
  });
}

/** Connects to an endpoint: asks its chain id (checking it if expected), then builds the provider. */
export async function connectChain(url: string, opts: ConnectOptions = {}): Promise<ChainConnection> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
  const chainId = await fetchChainId(url, timeoutMs);
  if (opts.expectedChainId !== undefined && BigInt(opts.expectedChainId) !== chainId) {
    throw new ChainError('WRONG_CHAIN', `The chain at ${url} has chain id ${chainId}, but ${opts.expectedChainId} was expected: that RPC URL is for another network. Check the network's RPC URL and chain ID.`, { url });
  }
  const provider = createProvider(url, chainId, timeoutMs);
  let closed = false;
  return {
    url,
    chainId,
    provider,
    close() {
      if (closed) return;
      closed = true;
      provider.destroy();
    },
  };
}

/** Runs `fn`, turning anything it throws into a ChainError mentioning the endpoint. */
export async function onChain<T>(conn: Pick<ChainConnection, 'url'>, fn: () => Promise<T>, action?: RegistryAction): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toChainError(e, { url: conn.url, ...(action !== undefined ? { action } : {}) });
  }
}
