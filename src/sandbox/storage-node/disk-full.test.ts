/**
 * A full disk (ENOSPC) for real: the node's data dir is a 2 MiB tmpfs. Mounting needs root on
 * Linux (as on the CI machine); elsewhere these tests are skipped with the reason.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Uploader } from '@irys/upload';
import { Ethereum } from '@irys/upload-ethereum';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStorageNode, type StorageNode } from './index';

/** Files under `dir`, recursively (names only). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await filesUnder(join(dir, e.name))).map((n) => `${e.name}/${n}`));
    else out.push(e.name);
  }
  return out;
}

describe('storage node on a full disk', () => {
  let mountDir = '';
  let mounted = false;
  let why = '';
  let node: StorageNode | undefined;

  beforeAll(async () => {
    mountDir = await mkdtemp(join(tmpdir(), 'ativo-storage-full-'));
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      why = 'needs root on Linux to mount a small tmpfs';
      return;
    }
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountDir], { stdio: 'pipe' });
      mounted = true;
    } catch (e) {
      why = `cannot mount a tmpfs here: ${e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e)}`;
      return;
    }
    // free uploads (price 0): no chain needed, the RPC URL is never called
    node = await startStorageNode({ dataDir: join(mountDir, 'node'), rpcUrl: 'http://127.0.0.1:9', pricing: { weiPerByte: 0, baseFeeWei: 0 }, identityKeyBits: 2048 });
  });

  afterAll(async () => {
    await node?.stop();
    if (mounted) execFileSync('umount', [mountDir]);
    await rm(mountDir, { recursive: true, force: true });
  });

  it('answers 507 with a JSON error to an item that does not fit, leaves nothing behind, and keeps working', async (ctx) => {
    if (node === undefined) return ctx.skip(why);
    const irys = await Uploader(Ethereum).withWallet(Wallet.createRandom().privateKey).withRpc('http://127.0.0.1:9').bundlerUrl(node.url).build();
    await expect(irys.upload(randomBytes(3 * 1024 * 1024))).rejects.toThrow(/507 The storage node's disk is full/);

    const tx = irys.createTransaction(randomBytes(3 * 1024 * 1024));
    await tx.sign();
    const r = await fetch(`${node.url}/tx/ethereum`, { method: 'POST', body: tx.getRaw() });
    expect(r.status).toBe(507);
    expect(await r.json()).toMatchObject({ error: 'INSUFFICIENT_STORAGE', message: expect.stringContaining('nothing was written') as string });
    expect(await filesUnder(join(node.dataDir, 'items'))).toEqual([]);
    expect(await readdir(join(node.dataDir, 'tmp'))).toEqual([]);
    expect((await fetch(`${node.url}/${tx.id}`)).status).toBe(404);

    const small = await irys.upload('still works');
    expect(await irys.verifyReceipt(small)).toBe(true);
    expect(await (await fetch(`${node.url}/${small.id}`)).text()).toBe('still works');
    expect(node.stats().noSpace).toBe(2);
  });

  it('answers 507 to a chunk or a finish that does not fit and keeps the chunks it has', async (ctx) => {
    if (node === undefined) return ctx.skip(why);
    const created = (await (await fetch(`${node.url}/chunks/ethereum/-1/-1`)).json()) as { id: string };
    const base = `${node.url}/chunks/ethereum/${created.id}`;
    const part = 700 * 1024;
    expect((await fetch(`${base}/0`, { method: 'POST', body: randomBytes(part) })).status).toBe(200);
    expect((await fetch(`${base}/${part}`, { method: 'POST', body: randomBytes(part) })).status).toBe(200);
    const tooBig = await fetch(`${base}/${2 * part}`, { method: 'POST', body: randomBytes(2 * part) });
    expect(tooBig.status).toBe(507);
    // finishing copies the chunks into one item: twice the space, which is not there
    const finish = await fetch(`${base}/-1`, { method: 'POST' });
    expect(finish.status).toBe(507);
    expect(await readdir(join(node.dataDir, 'tmp'))).toEqual([]);
    const info = (await (await fetch(`${base}/-1`)).json()) as { stored: [string, number][] };
    expect(info.stored).toEqual([
      ['0', part],
      [String(part), part],
    ]);
    expect((await readdir(join(node.dataDir, 'uploads', created.id))).sort()).toEqual(['0.chunk', `${part}.chunk`, 'upload.json']);
  });
});
