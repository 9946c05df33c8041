/**
 * The native signer (./signer.ts) against @irys/bundles' own EthereumSigner: the same item,
 * tags, anchor and key give byte-identical signatures and ids, and the library's verifier (the
 * one the storage node uses) accepts them. Random keys and messages, not one fixed pair.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataItem, EthereumSigner, createData } from '@irys/bundles';
import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { signFileItem } from './item';
import { NativeEthereumSigner } from './signer';

const keys = Array.from({ length: 8 }, () => Wallet.createRandom().privateKey);

describe('NativeEthereumSigner', () => {
  it('signs exactly as the library signer does, and its signatures verify', async () => {
    for (const key of keys) {
      const msg = randomBytes(48);
      const lib = Buffer.from(await new EthereumSigner(key.slice(2)).sign(msg));
      const native = Buffer.from(await new NativeEthereumSigner(key).sign(msg));
      expect(native.toString('hex')).toBe(lib.toString('hex'));
      const pub = new EthereumSigner(key.slice(2)).publicKey;
      expect(await EthereumSigner.verify(pub, msg, native)).toBe(true);
      // A signature over other bytes does not verify.
      expect(await EthereumSigner.verify(pub, randomBytes(48), native)).toBe(false);
    }
  });

  it('gives a file item the same id and header as the library signer, and the item verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ativo-signer-'));
    const path = join(dir, 'data.bin');
    writeFileSync(path, randomBytes(70_000));
    const tags = [
      { name: 'App-Name', value: 'Ativo' },
      { name: 'Content-Sha256', value: 'ab'.repeat(32) },
    ];
    const anchor = 'A'.repeat(32);
    for (const key of keys.slice(0, 3)) {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
      const lib = await signFileItem(path, new EthereumSigner(key.slice(2)), tags, anchor);
      const native = await signFileItem(path, key.slice(2), tags, anchor);
      expect(native.id).toBe(lib.id);
      expect(native.header.equals(lib.header)).toBe(true);
      // Signed from the bytes already read (a small file), the same item.
      const fromBytes = await signFileItem(readFileSync(path), key.slice(2), tags, anchor);
      expect(fromBytes.id).toBe(lib.id);
      expect(fromBytes.header.equals(lib.header)).toBe(true);
    }
    // An in-memory item signed natively passes the library's full verification.
    const signer = new NativeEthereumSigner(keys[0] ?? '');
    // EthereumSigner implements the Signer interface structurally (it does not extend a Signer class).
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    const item = createData(randomBytes(1000), signer, { tags, anchor });
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    await item.sign(signer);
    expect(await DataItem.verify(item.getRaw())).toBe(true);
  });
});
