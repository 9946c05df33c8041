/**
 * kill -9 of the node process while it is storing a bundle: after a restart on the same data
 * directory the bundle is either wholly stored and charged once, or not stored and not charged;
 * posting it again then stores it all, charged once in total.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleAndSignData, createData, EthereumSigner } from '@irys/bundles';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStorageNode } from './index';
import { freePort, startTestAnvil, type TestAnvil } from './testing';

type Signer = Parameters<typeof createData>[1];

const BUNDLE_TAGS = [
  { name: 'Bundle-Format', value: 'binary' },
  { name: 'Bundle-Version', value: '2.0.0' },
];

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const sub of await readdir(dir).catch(() => [] as string[])) n += (await readdir(join(dir, sub)).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).length;
  return n;
}

/** The node in a child process (the same startStorageNode, loaded with tsx). */
async function spawnNode(dataDir: string, rpcUrl: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const entry = resolve(__dirname, 'index.ts');
  const code = `const m = await import(${JSON.stringify(entry)}); const n = await m.startStorageNode({ dataDir: ${JSON.stringify(dataDir)}, rpcUrl: ${JSON.stringify(rpcUrl)}, port: ${port}, identityKeyBits: 2048 }); console.log('READY ' + n.url);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1] !== undefined) res(m[1]);
    });
    child.once('exit', (c) => {
      rej(new Error(`node child exited (${String(c)}) before it was ready`));
    });
  });
  return { child, url };
}

describe('kill -9 mid-bundle', () => {
  let anvil: TestAnvil;
  let dataDir: string;

  beforeAll(async () => {
    anvil = await startTestAnvil();
    dataDir = await mkdtemp(join(tmpdir(), 'ativo-storage-bundle-crash-'));
  });
  afterAll(async () => {
    await anvil.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('leaves nothing half-stored and never charges twice', { timeout: 180_000 }, async () => {
    const key = anvil.privateKey(3);
    // EthereumSigner implements the Signer interface structurally (it does not extend a Signer class).
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    const signer: Signer = new EthereumSigner(key.slice(2));
    const address = new Wallet(key).address.toLowerCase();
    const items = Array.from({ length: 400 }, (_, i) => createData(`crash file ${i}`, signer, { tags: [{ name: 'Test-Label', value: 'crash' }] }));
    const bundle = await bundleAndSignData(items, signer);
    const outer = createData(bundle.getRaw(), signer, { tags: BUNDLE_TAGS });
    await outer.sign(signer);
    const raw = Buffer.from(outer.getRaw());

    const port = await freePort();
    const first = await spawnNode(dataDir, anvil.rpcUrl, port);
    const nodeAddress = ((await (await fetch(`${first.url}/info`)).json()) as { addresses: { ethereum: string } }).addresses.ethereum;
    const tx = await anvil.wallet(3).sendTransaction({ to: nodeAddress, value: 10n ** 16n });
    await tx.wait();
    const funded = await fetch(`${first.url}/account/balance/ethereum`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx_id: tx.hash }) });
    expect(funded.status).toBe(200);

    // post the bundle and kill -9 the node as soon as inner items start landing on disk
    const posting = fetch(`${first.url}/tx/ethereum`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: raw }).catch(() => undefined);
    const itemsDir = join(dataDir, 'items');
    const deadline = Date.now() + 60_000;
    while ((await countFiles(itemsDir)) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const landed = await countFiles(itemsDir);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await posting;
    expect(landed).toBeGreaterThan(0);

    const node = await startStorageNode({ dataDir, rpcUrl: anvil.rpcUrl });
    try {
      const balance = async () => BigInt(((await (await fetch(`${node.url}/account/balance/ethereum?address=${address}`)).json()) as { balance: string }).balance);
      const held = items.map((i) => i.id);
      const statuses = await Promise.all(held.map(async (id) => (await fetch(`${node.url}/${id}`)).status));
      const bundleStored = (await fetch(`${node.url}/tx/${outer.id}`)).status === 200;
      const price = node.price(raw.length);
      if (bundleStored) {
        expect(statuses.every((s) => s === 200)).toBe(true);
        expect(await balance()).toBe(10n ** 16n - price);
      } else {
        expect(statuses.every((s) => s === 404)).toBe(true);
        expect(await balance()).toBe(10n ** 16n);
      }
      // posting again completes it, charged once in total
      const again = await fetch(`${node.url}/tx/ethereum`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: raw });
      expect([200, 201]).toContain(again.status);
      for (const id of held) expect((await fetch(`${node.url}/${id}`)).status).toBe(200);
      expect(await balance()).toBe(10n ** 16n - price);
    } finally {
      await node.stop();
    }
  });
});
