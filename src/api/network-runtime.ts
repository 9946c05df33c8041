/**
 * The network runtime: starts the sandbox (anvil + the local storage node) or attaches to the one
 * another Ativo process runs on the same data dir, and says when a shared one is gone. It is the
 * only production code that loads src/sandbox (lint enforces it); what the rest of the api needs
 * of the sandbox goes through here. ChainService (chain.ts) asks it for a sandbox and opens the
 * registry on it; remote networks never come here.
 */
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { sendEther, type ChainConnection } from '../chain/client';
import { SANDBOX_MNEMONIC, attachAnvil, startAnvil } from '../sandbox/anvil';
import { attachStorageNode, readIdentityPublicKey, startStorageNode } from '../sandbox/storage-node';
import { isProcessAlive } from '../util/process';

export { SANDBOX_MNEMONIC, SandboxError } from '../sandbox/anvil';
export { StorageNodeError } from '../sandbox/storage-node';

/** A running sandbox, as this process reaches it. */
export interface SandboxSession {
  conn: ChainConnection;
  rpcUrl: string;
  chainId: number;
  registryAddress: string | null;
  /** The local storage node's URL (null when a shared sandbox runs none). */
  storageUrl: string | null;
  /** Whether this process runs it, or another Ativo process does. */
  mode: 'sandbox-owned' | 'sandbox-shared';
  notices: string[];
  /** False once a shared sandbox's owner (or its anvil) is gone: open a new session then. */
  alive(): boolean;
  /** Sends test ETH from a dev account. */
  fund(address: string, wei: bigint): Promise<string>;
  /** Stops what this process started, or lets go of a shared sandbox. */
  close(): Promise<void>;
}

export class NetworkRuntime {
  constructor(private readonly dataDir: string) {}

  get sandboxDir(): string {
    return join(this.dataDir, 'sandbox');
  }

  get storageDir(): string {
    return join(this.dataDir, 'sandbox', 'storage');
  }

  /**
   * The sandbox of this data dir: the one another process runs now (attached), else started here
   * (its state was saved when it last stopped).
   */
  async openSandbox(): Promise<SandboxSession> {
    const shared = await attachAnvil(this.sandboxDir);
    if (shared) {
      const node = await attachStorageNode(this.storageDir).catch((e: unknown) => {
        shared.close();
        throw e;
      });
      return {
        conn: shared.conn,
        rpcUrl: shared.rpcUrl,
        chainId: shared.chainId,
        registryAddress: shared.registryAddress,
        storageUrl: node?.url ?? null,
        mode: 'sandbox-shared',
        notices: [],
        // A shared sandbox lives as long as the process that started it: two pid checks, no I/O.
        alive: () => isProcessAlive(shared.pid) && isProcessAlive(shared.ownerPid),
        fund: async (address, wei) => {
          // Signed with the public dev key ourselves.
          const dev = Wallet.fromPhrase(SANDBOX_MNEMONIC).connect(shared.conn.provider);
          const sent = await sendEther(shared.conn, dev, address, wei);
          await sent.wait();
          return sent.hash;
        },
        close: () => {
          shared.close();
          return Promise.resolve();
        },
      };
    }
    const sb = await startAnvil({ dataDir: this.sandboxDir });
    const node = await startStorageNode({ dataDir: this.storageDir, rpcUrl: sb.rpcUrl }).catch(async (e: unknown) => {
      await sb.stop();
      throw e;
    });
    return {
      conn: sb.conn,
      rpcUrl: sb.rpcUrl,
      chainId: sb.chainId,
      registryAddress: sb.registry?.address ?? null,
      storageUrl: node.url,
      mode: 'sandbox-owned',
      notices: sb.notices,
      alive: () => true,
      fund: (address, wei) => sb.fundAccount(address, wei),
      close: async () => {
        await node.stop();
        await sb.stop();
      },
    };
  }

  /** The sandbox storage node's receipt key, pinned in its data dir (null before it first ran). */
  sandboxNodeKey(): Promise<string | null> {
    return readIdentityPublicKey(join(this.storageDir, 'node-key.json'));
  }
}
