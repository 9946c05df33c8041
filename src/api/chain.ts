import { formatEther, parseEther } from 'ethers';
import { balanceOf, connectChain, RegistryClient, type ChainConnection } from '../chain/client';
import { AtivoError } from '../util/errors';
import type { NetworkName } from './contract';
import type { NetworkRuntime, SandboxSession } from './network-runtime';
import { describeMissing, type Networks } from './networks';
import type { Wallets } from './wallets';

/** What the sandbox gives a wallet that has nothing yet, so everything can be tried offline. */
export const SANDBOX_STARTER_WEI = parseEther('100');

export interface ChainHandle {
  network: NetworkName;
  conn: ChainConnection;
  rpcUrl: string;
  chainId: number;
  registry: RegistryClient | null;
  registryAddress: string | null;
  /** The storage node of this network (the sandbox's local node, or the profile's Irys node). */
  storageUrl: string | null;
  /** How we reach the chain: we run the sandbox, another Ativo process does, or a remote RPC. */
  mode: 'sandbox-owned' | 'sandbox-shared' | 'remote';
  notices: string[];
}

/**
 * The chain of the current network profile. The sandbox (anvil + storage node, from the network
 * runtime) starts lazily, on the first command that needs a chain, and stops with the backend;
 * if another Ativo process is already running it on this data dir, we share that one.
 */
export class ChainService {
  private handle: Promise<ChainHandle> | undefined;
  private sandbox: SandboxSession | undefined;

  constructor(
    private readonly runtime: NetworkRuntime,
    private readonly networks: Networks,
    private readonly wallets: Wallets,
  ) {}

  /** The sandbox storage node's receipt key, pinned in its data dir (null before it first ran). */
  sandboxNodeKey(): Promise<string | null> {
    return this.runtime.sandboxNodeKey();
  }

  /** Whether a connection was opened (nothing is started by asking). */
  opened(): boolean {
    return this.handle !== undefined;
  }

  /** The connection for the current network (started or connected on first use). */
  chain(): Promise<ChainHandle> {
    const network = this.networks.current();
    const open = this.handle;
    if (open) {
      // Only the first caller to see a stale handle reconnects; the others wait for its result.
      const again = (): Promise<ChainHandle> => (this.handle === open ? this.reconnect() : this.chain());
      return open.then((h) => (h.network === network && this.alive(h) ? h : again()), again);
    }
    return this.reconnect();
  }

  /**
   * A shared sandbox lives as long as the process that started it: once that process (or its
   * anvil) is gone, we attach to the one another process runs now, or start it again ourselves
   * (its state was saved when it stopped).
   */
  private alive(h: ChainHandle): boolean {
    if (h.mode !== 'sandbox-shared') return true;
    return this.sandbox?.alive() === true;
  }

  private reconnect(): Promise<ChainHandle> {
    const previous = this.handle;
    const p = this.release(previous).then(() => this.open());
    this.handle = p;
    p.catch(() => {
      if (this.handle === p) this.handle = undefined;
    });
    return p;
  }

  private async open(): Promise<ChainHandle> {
    const network = this.networks.current();
    if (network === 'sandbox') {
      const sb = await this.runtime.openSandbox();
      this.sandbox = sb;
      const registry = sb.registryAddress !== null ? await RegistryClient.open(sb.conn, sb.registryAddress) : null;
      const h: ChainHandle = { network, conn: sb.conn, rpcUrl: sb.rpcUrl, chainId: sb.chainId, registry, registryAddress: sb.registryAddress, storageUrl: sb.storageUrl, mode: sb.mode, notices: sb.notices };
      if (sb.mode === 'sandbox-owned') await this.starterFunds(h);
      return h;
    }
    const p = this.networks.profile(network);
    if (p.rpcUrl === null || p.chainId === null || p.registry === null) {
      throw new AtivoError('NOT_CONFIGURED', `The ${network} network needs ${describeMissing(p.missing)}: add ${p.missing.length > 1 ? 'them' : 'it'} in its network settings.`, {
        cli: `The ${network} profile needs ${describeMissing(p.missing)}: ativo network set ${network} …`,
      });
    }
    const conn = await connectChain(p.rpcUrl, { expectedChainId: p.chainId });
    const registry = await RegistryClient.open(conn, p.registry);
    return { network, conn, rpcUrl: p.rpcUrl, chainId: p.chainId, registry, registryAddress: p.registry, storageUrl: p.storageUrl, mode: 'remote', notices: [] };
  }

  /** On the sandbox, a wallet with nothing gets test ETH from a dev account. */
  async starterFunds(h?: ChainHandle): Promise<string | null> {
    const handle = h ?? (await this.chain());
    if (handle.network !== 'sandbox') return null;
    const state = await this.wallets.state().catch(() => undefined);
    const current = state?.current;
    if (current === null || current === undefined) return null;
    if ((await balanceOf(handle.conn, current)) > 0n) return null;
    return this.fund(current, SANDBOX_STARTER_WEI, handle);
  }

  /** Sends test ETH from the sandbox's dev account (sandbox only). */
  async fund(address: string, wei: bigint, h?: ChainHandle): Promise<string> {
    const handle = h ?? (await this.chain());
    if (handle.network !== 'sandbox') throw new AtivoError('INVALID_INPUT', 'Test ETH exists only on the sandbox network.');
    const sb = this.sandbox;
    if (sb === undefined) throw new AtivoError('SANDBOX_ERROR', 'The sandbox is not running: try again.');
    return sb.fund(address, wei);
  }

  async balance(address: string): Promise<{ address: string; network: NetworkName; chainId: number; wei: string; ether: string }> {
    const h = await this.chain();
    const wei = await balanceOf(h.conn, address);
    return { address, network: h.network, chainId: h.chainId, wei: wei.toString(), ether: formatEther(wei) };
  }

  private async release(previous: Promise<ChainHandle> | undefined): Promise<void> {
    const h = await previous?.catch(() => undefined);
    const sb = this.sandbox;
    this.sandbox = undefined;
    if (h?.mode === 'remote') h.conn.close();
    await sb?.close();
  }

  async close(): Promise<void> {
    const previous = this.handle;
    this.handle = undefined;
    await this.release(previous);
  }
}
