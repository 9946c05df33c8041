/**
 * Helpers for tests that run against a real anvil (imported by *.test.ts and benches only).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Wallet } from 'ethers';
import { startAnvil, type AnvilSandbox } from '../sandbox/anvil';
import { ChainError, RegistryClient, deployRegistry, type ChainConnection } from './client';

export interface TestChain {
  sandbox: AnvilSandbox;
  conn: ChainConnection;
  registry: RegistryClient;
  /** Dev accounts 0..9 as signers (0 deployed the registry). */
  signers: Wallet[];
  /** Stops anvil and removes its data dir. */
  close(): Promise<void>;
}

/** A fresh anvil in a temp dir with a registry deployed through the client. */
export async function startTestChain(opts: { accessTimeoutSeconds?: number } = {}): Promise<TestChain> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ativo-chain-test-'));
  const sandbox = await startAnvil({ dataDir, deployRegistry: false });
  try {
    const signers = sandbox.devAccounts.map((_, i) => sandbox.devSigner(i));
    const sent = await deployRegistry(sandbox.conn, sandbox.devSigner(0), opts);
    const { result } = await sent.wait();
    const registry = await RegistryClient.open(sandbox.conn, result.address);
    return {
      sandbox,
      conn: sandbox.conn,
      registry,
      signers,
      close: async () => {
        await sandbox.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await sandbox.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}

export async function snapshot(conn: ChainConnection): Promise<string> {
  return (await conn.provider.send('evm_snapshot', [])) as string;
}

export async function revertTo(conn: ChainConnection, id: string): Promise<void> {
  const ok = (await conn.provider.send('evm_revert', [id])) as boolean;
  if (!ok) throw new Error(`evm_revert(${id}) failed`);
}

/** Moves the chain's clock forward and mines a block. */
export async function increaseTime(conn: ChainConnection, seconds: number): Promise<void> {
  await conn.provider.send('evm_increaseTime', [seconds]);
  await conn.provider.send('evm_mine', []);
}

/** Awaits `p`, which must fail with a ChainError; returns it. */
export async function chainFailure(p: Promise<unknown>): Promise<ChainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ChainError) return e;
    throw new Error(`Expected a ChainError, got: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, { cause: e });
  }
  throw new Error('Expected a ChainError, but it succeeded.');
}

/** A deterministic PRNG (mulberry32). */
export function prng(seed: number): { next(): number; int(maxExclusive: number): number; pick<T>(xs: readonly T[]): T } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new RangeError('pick from an empty list');
      return xs[int(xs.length)] as T;
    },
  };
}

export const AGE_RECIPIENT = 'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq';

/** A 32-byte hex string derived from a label (for content roots and terms hashes in tests). */
export function hex32(label: string | number): string {
  const h = Buffer.from(String(label)).toString('hex').padStart(64, '0').slice(-64);
  return `0x${h}`;
}
