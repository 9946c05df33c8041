import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Uploader } from '@irys/upload';
import { Ethereum } from '@irys/upload-ethereum';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBase58 } from 'ethers';
import { idToHex } from './store-records';
import { InvalidItemError, readAndVerifyItemFile } from './items';
import { loadOrCreateIdentity, signReceipt, verifyReceipt } from './receipts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ativo-storage-items-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A client for a random key; building it makes no request. */
async function offlineClient() {
  const wallet = Wallet.createRandom();
  const irys = await Uploader(Ethereum).withWallet(wallet.privateKey).withRpc('http://127.0.0.1:9').bundlerUrl('http://127.0.0.1:9').build();
  return { wallet, irys };
}

/** An item created and signed by the real client (@irys/bundles createData + EthereumSigner). */
async function signedItem(data: Uint8Array | string, tags = [{ name: 'App-Name', value: 'Ativo' }]) {
  const { wallet, irys } = await offlineClient();
  const item = irys.createTransaction(typeof data === 'string' ? data : Buffer.from(data), { tags });
  await item.sign();
  return { wallet, item, raw: Buffer.from(item.getRaw()) };
}

let n = 0;
async function toFile(raw: Uint8Array): Promise<string> {
  const p = join(dir, `item-${n++}`);
  await writeFile(p, raw);
  return p;
}

describe('data items', () => {
  it('parses and verifies a signed item like @irys/bundles does', async () => {
    const { wallet, item, raw } = await signedItem('hello', [
      { name: 'App-Name', value: 'Ativo' },
      { name: 'Content-Type', value: 'text/plain' },
    ]);
    const h = await readAndVerifyItemFile(await toFile(raw));
    expect(h).toMatchObject({
      id: item.id,
      signatureType: 3,
      signature: item.signature,
      owner: item.owner,
      address: wallet.address.toLowerCase(),
      anchor: item.anchor,
      target: '',
      tags: item.tags,
      dataStart: item.getStartOfData(),
      size: raw.length,
    });
  });

  it('refuses tampered data, tags, owner and truncated or junk bytes, from memory and streamed', async () => {
    const { raw, item } = await signedItem(randomBytes(5000));
    const variants: Buffer[] = [];
    const flip = (at: number) => {
      const b = Buffer.from(raw);
      b[at] = (b[at] ?? 0) ^ 1;
      variants.push(b);
    };
    flip(raw.length - 1); // data
    flip(item.getStartOfData() - 2); // tag bytes
    flip(2 + 65 + 10); // owner
    flip(2 + 5); // signature
    variants.push(raw.subarray(0, raw.length - 1)); // truncated data
    variants.push(raw.subarray(0, 70)); // too short
    variants.push(randomBytes(3000)); // junk
    for (const inMemoryMax of [Infinity, 0]) {
      expect((await readAndVerifyItemFile(await toFile(raw), inMemoryMax)).id).toBe(item.id);
      for (const v of variants) await expect(readAndVerifyItemFile(await toFile(v), inMemoryMax)).rejects.toThrow(InvalidItemError);
    }
  });

  it('base58 ids (ethers) round-trip to their 32 bytes, leading zero bytes included; other texts name no item', () => {
    for (const bytes of [Buffer.alloc(32), Buffer.concat([Buffer.alloc(3), randomBytes(29)]), randomBytes(32)]) {
      expect(idToHex(encodeBase58(bytes))).toBe(bytes.toString('hex'));
    }
    expect(encodeBase58(Buffer.from([0, 0, 1]))).toBe('112');
    const id = encodeBase58(Buffer.concat([Buffer.alloc(1), randomBytes(31)]));
    for (const bad of ['0OIl', '', `1${id}`, id.slice(1), encodeBase58(randomBytes(33))]) expect(idToHex(bad)).toBeUndefined();
  });
});

describe('receipts and the node identity', () => {
  it('signs receipts that the Irys client verifies, and keeps its identity', async () => {
    const keyPath = join(dir, 'node-key.json');
    const id1 = await loadOrCreateIdentity(keyPath, 1024);
    const id2 = await loadOrCreateIdentity(keyPath, 1024);
    expect(id1.created).toBe(true);
    expect(id2).toMatchObject({ created: false, publicKey: id1.publicKey, address: id1.address });

    const receipt = await signReceipt(id1, { id: 'someItemId', timestamp: 1_700_000_000_123, deadlineHeight: 1234 });
    const { irys } = await offlineClient();
    expect(await irys.verifyReceipt(receipt)).toBe(true);
    expect(await verifyReceipt(receipt)).toBe(true);
    for (const forged of [{ ...receipt, id: 'other' }, { ...receipt, deadlineHeight: 1235 }, { ...receipt, public: (await loadOrCreateIdentity(join(dir, 'other-key.json'), 1024)).publicKey }]) {
      expect(await irys.verifyReceipt(forged)).toBe(false);
      expect(await verifyReceipt(forged)).toBe(false);
    }
  });

  it('says what to do with a damaged key file', async () => {
    const keyPath = join(dir, 'damaged-key.json');
    await writeFile(keyPath, '{"version":1');
    await expect(loadOrCreateIdentity(keyPath, 1024)).rejects.toThrow(/damaged; move it aside/);
  });
});
