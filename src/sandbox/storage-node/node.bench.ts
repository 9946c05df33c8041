/**
 * `node-bundle` bench: items/s through the sandbox storage node for 2,000 small items posted one
 * by one (POST /tx each, 8 in flight) vs the same number of items in one nested bundle.
 * Signing happens before the clock starts: only the node's work is timed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAndSignData, createData, EthereumSigner, type DataItem } from '@irys/bundles';
import { startStorageNode } from './index';
import { startTestAnvil } from './testing';

type Signer = Parameters<typeof createData>[1];
const N = 2000;

export async function benchNodeBundle(): Promise<string[]> {
  const anvil = await startTestAnvil();
  const dataDir = await mkdtemp(join(tmpdir(), 'ativo-bench-node-bundle-'));
  const node = await startStorageNode({ dataDir, rpcUrl: anvil.rpcUrl });
  try {
    const key = anvil.privateKey(4);
    // EthereumSigner implements the Signer interface structurally (it does not extend a Signer class).
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    const signer: Signer = new EthereumSigner(key.slice(2));
    const tx = await anvil.wallet(4).sendTransaction({ to: node.address, value: 10n ** 18n });
    await tx.wait();
    await fetch(`${node.url}/account/balance/ethereum`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tx_id: tx.hash }) });

    const make = async (label: string): Promise<DataItem[]> => {
      const items = Array.from({ length: N }, (_, i) => createData(Buffer.alloc(2048, `${label}${i}`), signer, { tags: [{ name: 'Bench', value: label }] }));
      for (const it of items) await it.sign(signer);
      return items;
    };
    const post = async (raw: Uint8Array): Promise<void> => {
      const r = await fetch(`${node.url}/tx/ethereum`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: raw });
      if (r.status !== 200) throw new Error(`node answered ${r.status}: ${await r.text()}`);
    };

    const singles = await make('single');
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < singles.length) await post(singles[next++]!.getRaw());
      }),
    );
    const singleS = (performance.now() - t0) / 1000;

    const bundle = await bundleAndSignData(await make('bundled'), signer);
    const outer = createData(bundle.getRaw(), signer, { tags: [{ name: 'Bundle-Format', value: 'binary' }, { name: 'Bundle-Version', value: '2.0.0' }] });
    await outer.sign(signer);
    const t1 = performance.now();
    await post(outer.getRaw());
    const bundleS = (performance.now() - t1) / 1000;

    return [
      `${N} items of 2 KiB posted one by one: ${singleS.toFixed(2)} s (${(N / singleS).toFixed(0)} items/s)`,
      `${N} items of 2 KiB in one bundle: ${bundleS.toFixed(2)} s (${(N / bundleS).toFixed(0)} items/s)`,
      `bundle speed-up: ${(singleS / bundleS).toFixed(1)}x (items/s in one bundle / items/s posted one by one)`,
    ];
  } finally {
    await node.stop();
    await anvil.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
