/**
 * StorageClient against a real anvil, the real local storage node and the real Irys client.
 * The one stand-in is the tampering proxy of the "bad receipt" tests (testing.ts): an HTTP proxy
 * in front of the real node that alters the receipt of a finished upload (a real node never
 * sends a bad one), used ONLY for those tests.
 */
import { constants, createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deepHash, stringToBuffer } from '@irys/bundles';
import { parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageClient, type ResumeState } from './client';
import { isStorageError } from './errors';
import { computeItemId, fileTags, newAnchor } from './item';
import { devPrivateKey, startStorageTestEnv, tamperingProxy, writeTestFile, type StorageTestEnv } from './testing';

const MiB = 1024 * 1024;

async function download(url: string): Promise<{ status: number; sha256: string; bytes: number }> {
  const r = await fetch(url);
  const hash = createHash('sha256');
  let bytes = 0;
  if (r.body) {
    for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(c);
      bytes += c.byteLength;
    }
  }
  return { status: r.status, sha256: hash.digest('hex'), bytes };
}

describe('StorageClient (real anvil, node and Irys client)', () => {
  let env: StorageTestEnv;
  let client: StorageClient;

  beforeAll(async () => {
    env = await startStorageTestEnv();
    client = await env.client(1, { chunkSize: MiB, batchSize: 3 });
  });
  afterAll(async () => {
    await env.stop();
  });

  it('quotes the node’s price for the whole item, funds through the fast path, reads the balance', async () => {
    const q = await client.quote(1_000_000);
    expect(q.itemBytes).toBeGreaterThan(1_000_000);
    expect(q.price.atomic).toBe(env.node.price(q.itemBytes).toString());
    expect(q.price.formatted).toMatch(/^0\.\d+ ETH$/);
    expect((await client.balance()).atomic).toBe('0');
    const funded = await client.fund(parseEther('0.5'), env.conn);
    expect(funded.status).toBe('credited');
    expect(funded.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await client.balance()).toEqual({ atomic: parseEther('0.5').toString(), formatted: '0.5 ETH' });
    await expect(client.fund(0n, env.conn)).rejects.toMatchObject({ code: 'FUNDING_FAILED' });
  });

  it('signs deterministically: the same key, data, tags and anchor give the same item id', async () => {
    const path = join(env.dir, 'det.bin');
    const sha = await writeTestFile(path, 3 * MiB + 17, 7);
    const tags = fileTags(sha);
    const anchor = newAnchor();
    const a = await computeItemId(path, devPrivateKey(1), tags, anchor);
    const b = await computeItemId(path, devPrivateKey(1), tags, anchor);
    expect(a.id).toBe(b.id);
    expect((await computeItemId(path, devPrivateKey(1), tags, newAnchor())).id).not.toBe(a.id);
    expect((await computeItemId(path, devPrivateKey(2), tags, anchor)).id).not.toBe(a.id);
    // …and the real client's chunked upload of that file with that anchor produces exactly that id.
    const resume: ResumeState = { sha256: sha, size: 3 * MiB + 17, tags, anchor, chunkSize: MiB, uploadId: null, itemId: null };
    let last = resume;
    const r = await client.uploadFile(path, { resume, dedupe: false, onResumeState: (s) => { last = s; } });
    expect(r.id).toBe(a.id);
    expect(r.itemBytes).toBe(a.headerLength + 3 * MiB + 17);
    expect(last.itemId).toBe(a.id);

    // Run again with that resume state, as after a crash between the node storing the item and
    // the catalog recording it: recognised as this upload's own item, not paid again.
    const balance = await client.balance();
    const again = await client.uploadFile(path, { resume: last });
    expect(again).toMatchObject({ id: a.id, reused: false, resumed: true, sentBytes: 0, charged: null });
    expect(again.warning).toMatch(/stored by an earlier run of this upload/);
    // Even without the look-up, the node's 201 ("already received") says the same.
    const dup = await client.uploadFile(path, { resume: { ...last, uploadId: null }, dedupe: false });
    expect(dup).toMatchObject({ id: a.id, reused: false, resumed: true, charged: null });
    expect(await client.balance()).toEqual(balance);
  });

  it('prepareFile fixes an item id with nothing sent; the upload sends exactly that item, and refuses another', async () => {
    const path = join(env.dir, 'prepared.bin');
    const sha = await writeTestFile(path, 2 * MiB + 3, 11);
    const before = env.node.stats();
    const prepared = await client.prepareFile(path, { expectedSha256: sha, tags: [{ name: 'Type', value: 'grant' }] });
    expect(prepared.id.length).toBeGreaterThan(20);
    // Nothing reached the node: the id is known, the item is not stored.
    expect(env.node.stats()).toEqual(before);
    expect(await client.findById(prepared.id)).toBeUndefined();
    // Same bytes already stored under another id do not stand in for it (no dedupe).
    await client.uploadFile(path, {});
    const r = await client.uploadFile(path, { resume: prepared.resume, expectedId: prepared.id });
    expect(r).toMatchObject({ id: prepared.id, reused: false });
    expect(await client.findById(prepared.id)).toMatchObject({ id: prepared.id });

    // Another client (another key) cannot send the item under that id: refused at the signed header, never stored.
    const other = await env.client(2, { chunkSize: MiB });
    await other.fund(parseEther('0.1'), env.conn);
    const again = await client.prepareFile(path, {});
    const sent = env.node.stats();
    await expect(other.uploadFile(path, { resume: again.resume, expectedId: again.id })).rejects.toMatchObject({ code: 'ITEM_MISMATCH' });
    expect(await client.findById(again.id)).toBeUndefined();
    expect(env.node.stats().itemsStored).toBe(sent.itemsStored);
    // The file changed since it was prepared: refused, nothing sent.
    await writeTestFile(path, 2 * MiB + 3, 12);
    await expect(client.uploadFile(path, { resume: again.resume, expectedId: again.id })).rejects.toMatchObject({ code: 'ITEM_MISMATCH' });
  });

  it('uploads in chunks, verifies the receipt, records quote and charge, serves the bytes back', async () => {
    const path = join(env.dir, 'twenty.bin');
    const size = 20 * MiB + 5;
    const sha = await writeTestFile(path, size, 1);
    const before = env.node.stats();
    const states: ResumeState[] = [];
    const seen: number[] = [];
    const r = await client.uploadFile(path, {
      expectedSha256: sha,
      expectedSize: size,
      onResumeState: (s) => states.push(s),
      onProgress: (p) => { if (p.phase === 'uploading') seen.push(p.bytes); },
    });
    const after = env.node.stats();
    expect(r.reused).toBe(false);
    expect(r.sha256).toBe(sha);
    expect(await client.findById(r.id)).toMatchObject({ id: r.id });
    expect(r.receipt.id).toBe(r.id);
    expect(await client.irys.verifyReceipt(r.receipt as never)).toBe(true);
    // quote vs charge: the node charges exactly its price for the raw item
    expect(r.quoted?.atomic).toBe(env.node.price(r.itemBytes).toString());
    expect(r.charged?.atomic).toBe(r.quoted?.atomic);
    expect(r.chargeObserved).toBe(true);
    expect(BigInt(r.balanceBefore?.atomic ?? 0) - BigInt(r.balanceAfter?.atomic ?? 0)).toBe(env.node.price(r.itemBytes));
    expect(r.chargeMismatch).toBe(false);
    expect(r.warning).toBeNull();
    // chunks: 21 chunks of 1 MiB for 20 MiB + header + 5 bytes, each sent once
    expect(after.chunkPosts - before.chunkPosts).toBe(Math.ceil(r.itemBytes / MiB));
    expect(after.chunkBytes - before.chunkBytes).toBe(r.itemBytes);
    expect(r.sentBytes).toBe(r.itemBytes);
    // the resume state was persisted before chunks went out, with the id before the header chunk
    expect(states[0]?.uploadId).toBeNull();
    expect(states.some((s) => s.uploadId !== null)).toBe(true);
    expect(states.at(-1)?.itemId).toBe(r.id);
    expect(seen.at(-1)).toBe(size);
    const got = await download(`${env.node.url}/${r.id}`);
    expect(got).toEqual({ status: 200, sha256: sha, bytes: size });
  });

  it('never pays twice: the same content is found on the node (GraphQL by owner + Content-Sha256) and reused', async () => {
    const path = join(env.dir, 'twenty.bin');
    const sha = createHash('sha256').update(await readFile(path));
    const balance = await client.balance();
    const before = env.node.stats();
    const r = await client.uploadFile(path, { expectedSha256: sha.digest('hex') });
    const after = env.node.stats();
    expect(r.reused).toBe(true);
    expect(r.sentBytes).toBe(0);
    expect(after.uploadsCreated).toBe(before.uploadsCreated);
    expect(after.chunkPosts).toBe(before.chunkPosts);
    expect(after.itemsStored).toBe(before.itemsStored);
    expect(await client.balance()).toEqual(balance);
    expect(await client.irys.verifyReceipt(r.receipt as never)).toBe(true);
    // Another wallet's items are not ours to reuse.
    const other = await env.client(3);
    expect(await other.findExisting(r.sha256)).toBeUndefined();
  });

  it('flags a charge that differs from the quote (the balance moved during the upload)', async () => {
    const path = join(env.dir, 'moved.bin');
    await writeTestFile(path, MiB, 8);
    let quoted = 0n;
    const r = await client.uploadFile(path, {
      onQuote: async (q) => {
        quoted = BigInt(q.quoted.atomic);
        await client.fund(1n, env.conn); // 1 wei credited between the quote and the charge
      },
    });
    expect(r.quoted?.atomic).toBe(quoted.toString());
    expect(r.charged?.atomic).toBe((quoted - 1n).toString());
    expect(r.chargeMismatch).toBe(true);
    expect(r.warning).toMatch(/^Storing 1\.0 MB was quoted 0\.\d+ ETH but the balance went down by 0\.\d+ ETH \(difference -0\.000000000000000001 ETH\)/);
  });

  it('refuses a file that does not match the manifest, sending nothing', async () => {
    const path = join(env.dir, 'changed.bin');
    await writeTestFile(path, 2 * MiB, 2);
    const before = env.node.stats();
    const err = await client.uploadFile(path, { expectedSha256: 'ab'.repeat(32) }).catch((e: unknown) => e);
    expect(isStorageError(err, 'FILE_CHANGED')).toBe(true);
    expect((err as Error).message).toContain(path);
    const err2 = await client.uploadFile(path, { expectedSize: 2 * MiB + 1 }).catch((e: unknown) => e);
    expect(isStorageError(err2, 'FILE_CHANGED')).toBe(true);
    expect(env.node.stats().uploadsCreated).toBe(before.uploadsCreated);
    expect(env.node.stats().chunkPosts).toBe(before.chunkPosts);
  });

  it('stops on abort (letting the chunks in flight land) and resumes without re-sending any chunk, same id', async () => {
    const path = join(env.dir, 'pause.bin');
    const size = 24 * MiB;
    const sha = await writeTestFile(path, size, 3);
    const before = env.node.stats();
    let state: ResumeState | undefined;
    const ctl = new AbortController();
    const err = await client
      .uploadFile(path, {
        expectedSha256: sha,
        signal: ctl.signal,
        onResumeState: (s) => { state = s; },
        onProgress: (p) => { if (p.phase === 'uploading' && p.bytes >= 4 * MiB) ctl.abort(new Error('paused by the test')); },
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('paused by the test');
    expect(state?.uploadId).toBeTruthy();
    expect(state?.itemId).toBeNull(); // the header chunk is only sent at the very end
    const mid = env.node.stats();
    const stored = mid.chunkBytes - before.chunkBytes;
    expect(stored).toBeGreaterThanOrEqual(4 * MiB);
    expect(stored).toBeLessThan(size);
    const r = await client.uploadFile(path, { expectedSha256: sha, resume: state ?? null });
    const after = env.node.stats();
    expect(r.resumed).toBe(true);
    expect(r.sentBytes).toBe(r.itemBytes - stored);
    // Exactly the item's bytes reached the node over both runs: nothing was sent twice.
    expect(after.chunkBytes - before.chunkBytes).toBe(r.itemBytes);
    expect(after.chunkPosts - before.chunkPosts).toBe(Math.ceil(r.itemBytes / MiB));
    expect(r.id).toBe((await computeItemId(path, devPrivateKey(1), state?.tags ?? [], state?.anchor ?? '')).id);
    expect(await download(`${env.node.url}/${r.id}`)).toEqual({ status: 200, sha256: sha, bytes: size });
  });

  it('uploads at the same time: each is stored and paid once; overlapping uploads do not claim a charge, one alone does', async () => {
    const paths = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const path = join(env.dir, `together-${i}.bin`);
        return { path, sha: await writeTestFile(path, 3 * MiB + i, 30 + i) };
      }),
    );
    const balance0 = BigInt((await client.balance()).atomic);
    const rs = await Promise.all(paths.map((p) => client.uploadFile(p.path, { expectedSha256: p.sha })));
    const balance1 = BigInt((await client.balance()).atomic);
    for (const [i, r] of rs.entries()) {
      expect(r.reused).toBe(false);
      expect(await download(`${env.node.url}/${r.id}`)).toEqual({ status: 200, sha256: paths[i]?.sha, bytes: 3 * MiB + i });
      expect(r.quoted?.atomic).toBe(env.node.price(r.itemBytes).toString());
      // The balance moved for all three at once: no upload may call that its own charge.
      expect(r).toMatchObject({ charged: null, chargeObserved: false, chargeMismatch: false, warning: null, balanceAfter: null });
    }
    // Together they cost exactly the sum of their quotes: nothing was paid twice.
    expect(balance0 - balance1).toBe(rs.reduce((sum, r) => sum + BigInt(r.quoted?.atomic ?? 0), 0n));
    // Alone again: the charge is observed.
    const alone = join(env.dir, 'alone.bin');
    const r = await client.uploadFile(alone, { expectedSha256: await writeTestFile(alone, MiB, 40) });
    expect(r).toMatchObject({ chargeObserved: true, chargeMismatch: false, warning: null });
    expect(r.charged?.atomic).toBe(r.quoted?.atomic);
  });

  it('uploads an empty file, a tiny one, and one whose item is an exact multiple of the chunk size', async () => {
    for (const [name, size] of [['empty', 0], ['tiny', 5], ['exact', 2 * MiB - client.itemBytes(0)]] as const) {
      const path = join(env.dir, `${name}.bin`);
      const sha = await writeTestFile(path, size, 20);
      const r = await client.uploadFile(path, { expectedSha256: sha });
      expect(r.itemBytes).toBe(client.itemBytes(size));
      expect(await download(`${env.node.url}/${r.id}`)).toEqual({ status: 200, sha256: sha, bytes: size });
    }
  });

  it('reports a short balance before sending anything', async () => {
    const poor = await env.client(4, { chunkSize: MiB });
    const path = join(env.dir, 'poor.bin');
    await writeTestFile(path, MiB, 4);
    const before = env.node.stats();
    const err = await poor.uploadFile(path).catch((e: unknown) => e);
    expect(isStorageError(err, 'INSUFFICIENT_BALANCE')).toBe(true);
    const q = await poor.quote(MiB);
    expect((err as { shortfall?: { shortBy: { atomic: string } } }).shortfall?.shortBy.atomic).toBe(q.price.atomic);
    expect((err as Error).message).toMatch(/^Your storage balance is short by 0\.\d+ ETH/);
    expect(env.node.stats().uploadsCreated).toBe(before.uploadsCreated);
  });

  it('says the node is unreachable when nothing listens', async () => {
    const dead = await StorageClient.create({ network: 'sandbox', nodeUrl: 'http://127.0.0.1:9', rpcUrl: env.anvil.rpcUrl, privateKey: devPrivateKey(1) });
    const err = await dead.balance().catch((e: unknown) => e);
    expect(isStorageError(err, 'NODE_UNREACHABLE')).toBe(true);
    expect((err as Error).message).toMatch(/^Storage node at http:\/\/127\.0\.0\.1:9 is not reachable \(ECONNREFUSED\); retrying\.$/);
  });

  describe('bad receipts (through a tampering proxy in front of the real node)', () => {
    it('rejects a receipt whose signature was altered', async () => {
      const proxy = await tamperingProxy(env.node.url, (r) => ({ ...r, timestamp: Number(r.timestamp) + 1 }));
      try {
        const c = await StorageClient.create({ network: 'sandbox', nodeUrl: proxy.url, rpcUrl: env.anvil.rpcUrl, privateKey: devPrivateKey(1), chunkSize: MiB });
        const path = join(env.dir, 'tampered.bin');
        await writeTestFile(path, MiB, 5);
        const err = await c.uploadFile(path).catch((e: unknown) => e);
        expect(isStorageError(err, 'BAD_RECEIPT')).toBe(true);
        expect((err as Error).message).toMatch(/signature does not verify/);
      } finally {
        await proxy.close();
      }
    });

    it('rejects a receipt that verifies but is signed by a key other than the node’s', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const n = (publicKey.export({ format: 'jwk' }) as { n: string }).n;
      const forge = async (r: Record<string, unknown>): Promise<Record<string, unknown>> => {
        const h = await deepHash([stringToBuffer('Bundlr'), stringToBuffer(String(r.version)), stringToBuffer(String(r.id)), stringToBuffer(String(r.deadlineHeight)), stringToBuffer(String(r.timestamp))]);
        const signature = sign('sha256', h, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }).toString('base64url');
        return { ...r, public: n, signature };
      };
      // The forged receipt is self-consistent: irys.verifyReceipt alone accepts it.
      expect(await client.irys.verifyReceipt((await forge({ id: 'x', version: '1.0.0', deadlineHeight: 1, timestamp: 1 })) as never)).toBe(true);
      const proxy = await tamperingProxy(env.node.url, forge);
      try {
        const c = await StorageClient.create({ network: 'sandbox', nodeUrl: proxy.url, rpcUrl: env.anvil.rpcUrl, privateKey: devPrivateKey(1), chunkSize: MiB });
        const path = join(env.dir, 'forged.bin');
        await writeTestFile(path, MiB, 6);
        const err = await c.uploadFile(path).catch((e: unknown) => e);
        expect(isStorageError(err, 'BAD_RECEIPT')).toBe(true);
        expect((err as Error).message).toMatch(/not the node’s/);
      } finally {
        await proxy.close();
      }
    });
  });
});
