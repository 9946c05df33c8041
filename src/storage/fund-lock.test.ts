/**
 * Attack 9 (issue 12): funding storage sends ether from the wallet, so it must take the same
 * per-wallet send lock as every other transaction of the chain module; otherwise a fund and
 * another send from the wallet at once pick the same nonce and one of them fails. Real anvil,
 * the real local storage node, the real Irys client.
 */
import { Wallet, getAddress, hexlify, parseEther, randomBytes } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastTx, connectChain, prepareTx, sendEther, waitForTx, withAccountLock, type ChainConnection } from '../chain/client';
import type { StorageClient } from './client';
import { devPrivateKey, startStorageTestEnv, type StorageTestEnv } from './testing';

const ACCOUNT = 4;

describe('storage funding shares the wallet’s send lock (real anvil and storage node)', () => {
  let env: StorageTestEnv;
  let conn: ChainConnection;
  let client: StorageClient;
  let wallet: Wallet;

  beforeAll(async () => {
    env = await startStorageTestEnv();
    conn = await connectChain(env.anvil.rpcUrl);
    client = await env.client(ACCOUNT);
    wallet = new Wallet(devPrivateKey(ACCOUNT), conn.provider);
  });
  afterAll(async () => {
    conn.close();
    await env.stop();
  });

  const nonceOf = async (hash: string): Promise<number> => {
    const tx = await conn.provider.getTransaction(hash);
    if (tx === null) throw new Error(`transaction ${hash} is unknown`);
    return tx.nonce;
  };
  const someone = () => getAddress(hexlify(randomBytes(20)));

  it('a fund and a transfer from the same wallet at once both succeed, with distinct nonces', async () => {
    for (let round = 0; round < 4; round++) {
      const first = await conn.provider.getTransactionCount(wallet.address, 'pending');
      const balance = BigInt((await client.balance()).atomic);
      const to = someone();
      const [funded, transfer] = await Promise.all([
        client.fund(parseEther('0.01'), conn),
        sendEther(conn, wallet, to, 12_345n).then(async (s) => {
          await s.wait();
          return s;
        }),
      ]);
      expect(funded.status).toBe('credited');
      expect(BigInt((await client.balance()).atomic)).toBe(balance + parseEther('0.01'));
      expect(await conn.provider.getBalance(to)).toBe(12_345n);
      const nonces = [await nonceOf(funded.txHash), await nonceOf(transfer.hash)].sort((a, b) => a - b);
      expect(nonces, `round ${round}`).toEqual([first, first + 1]);
      expect((await conn.provider.getTransactionReceipt(funded.txHash))?.status).toBe(1);
    }
  });

  it('a fund waits while a durable job holds the lock between preparing (nonce picked) and broadcasting', async () => {
    const to = someone();
    const balance = BigInt((await client.balance()).atomic);
    let fund: Promise<Awaited<ReturnType<StorageClient['fund']>>> | undefined;
    const jobHash = await withAccountLock(conn, wallet.address, async () => {
      // The job picks its nonce and saves its signed transaction...
      const prepared = await prepareTx(conn, wallet, { to, data: '0x', value: 1n, action: 'transfer' });
      // ...and the person funds storage meanwhile.
      fund = client.fund(parseEther('0.02'), conn);
      await Promise.race([fund.catch(() => undefined), new Promise((r) => setTimeout(r, 1500))]);
      // The job's transaction still goes out with the nonce it picked.
      return broadcastTx(conn, prepared);
    });
    expect((await waitForTx(conn, jobHash)).status).toBe(1);
    const funded = await fund!;
    expect(funded.status).toBe('credited');
    expect(await nonceOf(funded.txHash)).toBe((await nonceOf(jobHash)) + 1);
    expect(BigInt((await client.balance()).atomic)).toBe(balance + parseEther('0.02'));
    expect(await conn.provider.getBalance(to)).toBe(1n);
  });

  it('a connection to another endpoint than the one the node is paid on is refused before anything is sent', async () => {
    const other: ChainConnection = { ...conn, url: 'http://127.0.0.1:1' };
    const nonce = await conn.provider.getTransactionCount(wallet.address, 'pending');
    await expect(client.fund(parseEther('0.01'), other)).rejects.toMatchObject({
      code: 'FUNDING_FAILED',
      message: `The storage node at ${env.node.url} is paid on the chain at ${env.anvil.rpcUrl}, but this payment would have gone through http://127.0.0.1:1, so nothing was sent. Try again; if it happens again, restart Ativo.`,
    });
    expect(await conn.provider.getTransactionCount(wallet.address, 'pending')).toBe(nonce);
    // The same endpoint spelled with a trailing slash is the same endpoint.
    const same: ChainConnection = { ...conn, url: `${env.anvil.rpcUrl}/` };
    expect((await client.fund(1n, same)).status).toBe('credited');
  });
});
