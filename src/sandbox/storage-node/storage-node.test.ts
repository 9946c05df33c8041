/**
 * The local storage node against the REAL Irys client (@irys/upload + @irys/upload-ethereum)
 * and a real anvil: no mocks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Uploader } from '@irys/upload';
import { Ethereum } from '@irys/upload-ethereum';
import { Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStorageNode, verifyReceipt, type StorageNode } from './index';
import { startTestAnvil, type TestAnvil } from './testing';

type Irys = Awaited<ReturnType<typeof makeClient>>;

async function makeClient(node: StorageNode, anvil: TestAnvil, account: number) {
  return Uploader(Ethereum).withWallet(anvil.privateKey(account)).withRpc(anvil.rpcUrl).bundlerUrl(node.url).build();
}

/**
 * `irys.fund()` waits for 5 confirmations (the client's minConfirm for Ethereum), polling once a
 * second: keep the automining chain moving meanwhile, as a live chain would.
 */
async function withMiner<T>(anvil: TestAnvil, f: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    void anvil.mine(1).catch(() => undefined);
  }, 100);
  try {
    return await f();
  } finally {
    clearInterval(timer);
  }
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function get(url: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const r = await fetch(url);
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()), headers: r.headers };
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

async function postBytes(url: string, body: Uint8Array): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
  return { status: r.status, text: await r.text() };
}

describe('storage node with the real Irys client', () => {
  let anvil: TestAnvil;
  let node: StorageNode;
  let dataDir: string;
  let irys: Irys;
  let fundTxId = '';
  const FUND = parseEther('0.01');
  let smallId = '';
  let smallData: Buffer;

  beforeAll(async () => {
    anvil = await startTestAnvil();
    dataDir = await mkdtemp(join(tmpdir(), 'ativo-storage-node-'));
    node = await startStorageNode({ dataDir, rpcUrl: anvil.rpcUrl });
    irys = await makeClient(node, anvil, 1);
  });

  afterAll(async () => {
    await node.stop();
    await anvil.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reports its funding address and a deterministic price', async () => {
    expect(await irys.utils.getBundlerAddress('ethereum')).toBe(node.address);
    expect((await irys.getPrice(1000)).toString()).toBe(node.price(1000).toString());
    expect(node.price(1000)).toBe(1_000_000_000_000n + 1000n * 1_000_000n);
    const r = await get(`${node.url}/price/ethereum/0`);
    expect(r.body.toString()).toBe('1000000000000');
    expect((await get(`${node.url}/price/solana/10`)).status).toBe(400);
    expect((await get(`${node.url}/public`)).body.toString()).toBe(node.publicKey);
  });

  it('is funded by a real chain transaction to its address, credited once', async () => {
    expect((await irys.getBalance()).toString()).toBe('0');
    const before = await anvil.provider.getBalance(node.address);
    const res = await withMiner(anvil, () => irys.fund(FUND.toString()));
    fundTxId = res.id;
    expect(res.target).toBe(node.address);
    expect((await irys.getBalance()).toString()).toBe(FUND.toString());
    expect(await anvil.provider.getBalance(node.address)).toBe(before + FUND);

    // the same tx id again: refused, balance unchanged
    const replay = await postJson(`${node.url}/account/balance/ethereum`, { tx_id: fundTxId });
    expect(replay.status).toBe(400);
    expect(replay.json).toMatchObject({ error: 'ALREADY_CREDITED' });
    await expect(irys.funder.submitFundTransaction(fundTxId)).rejects.toThrow(/already credited/);
    expect((await irys.getBalance()).toString()).toBe(FUND.toString());

    // the fast way on a local chain: send the tx yourself, then hand its id to the client
    const extra = await anvil.wallet(1).sendTransaction({ to: await irys.utils.getBundlerAddress('ethereum'), value: 12345n });
    await extra.wait();
    await irys.funder.submitFundTransaction(extra.hash);
    expect((await irys.getBalance()).toString()).toBe((FUND + 12345n).toString());
  });

  it('refuses a funding tx sent to another address, and unknown or malformed tx ids', async () => {
    const other = Wallet.createRandom().address;
    const sent = await anvil.wallet(3).sendTransaction({ to: other, value: parseEther('1') });
    await sent.wait();
    const r = await postJson(`${node.url}/account/balance/ethereum`, { tx_id: sent.hash });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'WRONG_RECIPIENT' });
    const unknown = await postJson(`${node.url}/account/balance/ethereum`, { tx_id: `0x${'ab'.repeat(32)}` });
    expect(unknown.status).toBe(404);
    expect((await postJson(`${node.url}/account/balance/ethereum`, { tx_id: 'nope' })).status).toBe(400);
    const sender = (await anvil.wallet(3).getAddress()).toLowerCase();
    expect((await get(`${node.url}/account/balance/ethereum?address=${sender}`)).body.toString()).toBe('{"balance":"0"}');
    expect(node.stats().fundingRefused).toBeGreaterThanOrEqual(3);
  });

  it('stores a small tagged item, charges its price and serves it back byte-equal with a verifiable receipt', async () => {
    smallData = Buffer.from(`hello from Ativo ${randomBytes(8).toString('hex')}\n`);
    const tags = [
      { name: 'App-Name', value: 'Ativo' },
      { name: 'Content-Type', value: 'text/plain' },
      { name: 'Content-Sha256', value: sha256(smallData) },
    ];
    const balanceBefore = BigInt((await irys.getBalance()).toFixed());
    const receipt = await irys.upload(smallData, { tags });
    smallId = receipt.id;
    expect(receipt).toMatchObject({ version: '1.0.0', public: node.publicKey });
    expect(typeof receipt.signature).toBe('string');
    expect(typeof receipt.deadlineHeight).toBe('number');
    expect(await irys.verifyReceipt(receipt)).toBe(true);
    expect(await receipt.verify()).toBe(true);
    expect(await verifyReceipt(receipt)).toBe(true);
    expect(await irys.verifyReceipt({ ...receipt, timestamp: receipt.timestamp + 1 })).toBe(false);

    const dl = await get(`${node.url}/${smallId}`);
    expect(dl.status).toBe(200);
    expect(dl.body.equals(smallData)).toBe(true);
    expect(dl.headers.get('content-type')).toBe('text/plain');
    const ranged = await fetch(`${node.url}/${smallId}`, { headers: { range: 'bytes=0-4' } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('hello');

    const meta = (await (await fetch(`${node.url}/tx/${smallId}`)).json()) as { size: number; address: string; tags: unknown[]; price: string };
    expect(meta.address).toBe(irys.address.toLowerCase());
    expect(meta.tags).toEqual(tags);
    expect(meta.price).toBe(node.price(meta.size).toString());
    expect(BigInt((await irys.getBalance()).toFixed())).toBe(balanceBefore - node.price(meta.size));
  });

  it('answers 201 "already received" for an item it has, without charging again', async () => {
    const tx = irys.createTransaction('twice', { tags: [{ name: 'App-Name', value: 'Ativo' }] });
    await tx.sign();
    const first = await tx.upload();
    expect(first.id).toBe(tx.id);
    const balance = (await irys.getBalance()).toFixed();
    const again = await postBytes(`${node.url}/tx/ethereum`, tx.getRaw());
    expect(again).toEqual({ status: 201, text: `Transaction ${tx.id} already received` });
    await expect(tx.upload()).rejects.toThrow(/already received/);
    expect((await irys.getBalance()).toFixed()).toBe(balance);
  });

  it('finds items through GraphQL by tag, owner and id, the way the client queries', async () => {
    const hash = sha256(smallData);
    const byTag = await irys.transactions.getByTag('Content-Sha256', hash);
    expect(byTag.id).toBe(smallId);
    expect(byTag.address).toBe(irys.address.toLowerCase());
    expect(byTag.tags).toContainEqual({ name: 'Content-Sha256', value: hash });
    expect((await irys.transactions.getById(smallId)).receipt.version).toBe('1.0.0');
    const owned = await irys.transactions.query({ owners: [irys.address], tags: [{ name: 'App-Name', values: ['Ativo'] }] });
    expect(owned.map((n) => n.id)).toContain(smallId);
    expect(await irys.transactions.query({ tags: [{ name: 'Content-Sha256', values: ['0'.repeat(64)] }] })).toEqual([]);
    expect(await irys.transactions.query({ owners: [Wallet.createRandom().address] })).toEqual([]);

    // @irys/query's builder (irys.search)
    const found = await irys.search('irys:transactions').tags([{ name: 'Content-Sha256', values: [hash] }]).from([irys.address]);
    expect(found.map((n) => n.id)).toEqual([smallId]);

    // the receipt as the client rebuilds it from GraphQL + GET /public
    const rebuilt = await irys.utils.getReceipt(smallId);
    expect(rebuilt.public).toBe(node.publicKey);
    expect(await rebuilt.verify()).toBe(true);
  });

  it('pages GraphQL results with first/after cursors', async () => {
    const batch = randomBytes(6).toString('hex');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await irys.upload(`page ${i}`, { tags: [{ name: 'Batch', value: batch }] })).id);
    const query = 'query ($after: String) { page: transactions(tags: [{ name: "Batch", values: ["' + batch + '"] }], first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }';
    type Page = { data: { page: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } };
    const p1 = (await postJson(`${node.url}/graphql`, { query })).json as Page;
    expect(p1.data.page.edges.map((e) => e.node.id)).toEqual(ids.slice(0, 2));
    expect(p1.data.page.pageInfo.hasNextPage).toBe(true);
    const p2 = (await postJson(`${node.url}/graphql`, { query, variables: { after: p1.data.page.pageInfo.endCursor } })).json as Page;
    expect(p2.data.page.edges.map((e) => e.node.id)).toEqual(ids.slice(2));
    expect(p2.data.page.pageInfo.hasNextPage).toBe(false);
    const bad = await postJson(`${node.url}/graphql`, { query: '{ transactions { edges { node { nope } } } }' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ errors: [{ message: expect.stringContaining('nope') as string }] });
  });

  it('takes a ~20 MB chunked upload and resumes it without re-sending finished chunks', async () => {
    const data = randomBytes(20 * 1024 * 1024);
    const tags = [
      { name: 'App-Name', value: 'Ativo' },
      { name: 'Content-Sha256', value: sha256(data) },
    ];
    const CHUNK = 1024 * 1024;
    const s0 = node.stats();
    const sent = () => node.stats().chunkPosts - node.stats().emptyChunkPosts;
    const sentBefore = sent();

    // first attempt: pause (and abandon) it after a few chunks, as if the app had quit
    const first = irys.uploader.chunkedUploader.setChunkSize(CHUNK).setBatchSize(3);
    let acked = 0;
    first.on('chunkUpload', () => {
      if (++acked === 6) first.pause();
    });
    void first.uploadData(data, { tags }).catch(() => undefined);
    // paused, and every chunk that reached the node answered (none in flight), for a while
    for (let stable = 0; stable < 3; ) {
      await new Promise((r) => setTimeout(r, 100));
      stable = acked >= 6 && acked === sent() - sentBefore ? stable + 1 : 0;
    }
    const uploadId = first.getResumeData() ?? '';
    const firstRun = sent() - sentBefore;
    expect(firstRun).toBeGreaterThanOrEqual(6);

    // what the node tells a resuming client
    const info = (await (await fetch(`${node.url}/chunks/ethereum/${uploadId}/-1`)).json()) as { size: number; chunks: [string, number][] };
    expect(info.size).toBe(CHUNK);
    expect(info.chunks.length).toBe(firstRun);
    expect(info.chunks.map(([o]) => Number(o))).toEqual(Array.from({ length: firstRun }, (_, i) => (firstRun - i) * CHUNK));

    // second attempt: a new uploader given the upload id
    const second = irys.uploader.chunkedUploader.setChunkSize(CHUNK).setResumeData(uploadId);
    const res = await second.uploadData(data, { tags });
    const receipt = res.data;
    expect(await irys.verifyReceipt(receipt)).toBe(true);
    const meta = (await (await fetch(`${node.url}/tx/${receipt.id}`)).json()) as { size: number };
    const totalChunks = Math.ceil(meta.size / CHUNK);
    // every chunk crossed the wire exactly once over both attempts
    expect(sent() - sentBefore).toBe(totalChunks);
    expect(node.stats().uploadsResumed).toBe(s0.uploadsResumed + 2);
    expect(node.stats().uploadsFinished).toBe(s0.uploadsFinished + 1);

    const dl = await get(`${node.url}/${receipt.id}`);
    expect(dl.body.length).toBe(data.length);
    expect(sha256(dl.body)).toBe(sha256(data));
    expect((await irys.transactions.getByTag('Content-Sha256', sha256(data))).id).toBe(receipt.id);
    expect((await get(`${node.url}/chunks/ethereum/${uploadId}/-1`)).status).toBe(404);
  });

  it('uploads a stream through the client (always chunked)', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const parts = Array.from({ length: 7 }, (_, i) => data.subarray(i * 500_000, (i + 1) * 500_000));
    const receipt = await irys.upload(Readable.from(parts), { tags: [{ name: 'App-Name', value: 'Ativo' }] });
    expect(await irys.verifyReceipt(receipt)).toBe(true);
    expect(sha256((await get(`${node.url}/${receipt.id}`)).body)).toBe(sha256(data));
  });

  it('answers 402 when the owner cannot pay, for single and chunked uploads', async () => {
    const poor = await makeClient(node, anvil, 2);
    const s0 = node.stats();
    await expect(poor.upload('no money')).rejects.toThrow(/402 error: Not enough balance/);
    const up = poor.uploader.chunkedUploader.setChunkSize(64 * 1024);
    await expect(up.uploadData(randomBytes(200_000), {})).rejects.toThrow(/402 error/);
    expect(node.stats().insufficientBalance).toBe(s0.insufficientBalance + 2);
    expect(node.stats().itemsStored).toBe(s0.itemsStored);
    expect(await poor.transactions.query({ owners: [poor.address] })).toEqual([]);
  });

  it('rejects a corrupted item and a forged one with 400, charging nothing', async () => {
    const balance = (await irys.getBalance()).toFixed();
    const tx = irys.createTransaction('original bytes', { tags: [{ name: 'App-Name', value: 'Ativo' }] });
    await tx.sign();
    const raw = Buffer.from(tx.getRaw());

    const corrupt = Buffer.from(raw);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 0xff;
    await expect(irys.transaction.fromRaw(corrupt).upload()).rejects.toThrow(/400 .*does not match its bytes/);
    const direct = await postBytes(`${node.url}/tx/ethereum`, corrupt);
    expect(direct.status).toBe(400);
    expect(JSON.parse(direct.text)).toMatchObject({ error: 'INVALID_ITEM' });

    // an item signed by an unfunded key, its owner field swapped for the funded key: pays with someone else's balance
    const poor = await makeClient(node, anvil, 2);
    const ptx = poor.createTransaction('forged', {});
    await ptx.sign();
    const forged = Buffer.from(ptx.getRaw());
    forged.set(irys.tokenConfig.getPublicKey() as Buffer, 2 + 65);
    expect((await postBytes(`${node.url}/tx/ethereum`, forged)).status).toBe(400);

    expect((await postBytes(`${node.url}/tx/ethereum`, raw.subarray(0, 60))).status).toBe(400);
    expect((await postBytes(`${node.url}/tx/ethereum`, randomBytes(5000))).status).toBe(400);
    expect((await get(`${node.url}/${tx.id}`)).status).toBe(404);
    expect((await irys.getBalance()).toFixed()).toBe(balance);
  });

  it('resolves /{manifestId}/{path} through a path manifest', async () => {
    const index = await irys.upload('<h1>index</h1>', { tags: [{ name: 'Content-Type', value: 'text/html' }] });
    const json = await irys.upload('{"b":1}', { tags: [{ name: 'Content-Type', value: 'application/json' }] });
    const spaced = await irys.upload('spaced', { tags: [{ name: 'Content-Type', value: 'text/plain' }] });
    const manifest = await irys.uploader.generateFolder({
      items: new Map([
        ['index.html', index.id],
        ['data/b.json', json.id],
        ['my file.txt', spaced.id],
      ]),
      indexFile: 'index.html',
    });
    const m = await irys.upload(JSON.stringify(manifest), {
      tags: [
        { name: 'Type', value: 'manifest' },
        { name: 'Content-Type', value: 'application/x.irys-manifest+json' },
      ],
    });
    const b = await get(`${node.url}/${m.id}/data/b.json`);
    expect(b.status).toBe(200);
    expect(b.body.toString()).toBe('{"b":1}');
    expect(b.headers.get('content-type')).toBe('application/json');
    expect((await get(`${node.url}/${m.id}/${encodeURIComponent('my file.txt')}`)).body.toString()).toBe('spaced');
    expect((await get(`${node.url}/${m.id}`)).body.toString()).toBe('<h1>index</h1>');
    expect((await get(`${node.url}/${m.id}/index.html`)).body.toString()).toBe('<h1>index</h1>');
    expect((await get(`${node.url}/${m.id}/missing.txt`)).status).toBe(404);
    expect(JSON.parse((await get(`${node.url}/raw/${m.id}`)).body.toString())).toEqual(manifest);
    expect((await get(`${node.url}/${index.id}/anything`)).status).toBe(404);
  });

  it('credits a funding tx only once it has the configured confirmations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ativo-storage-node-conf-'));
    const strict = await startStorageNode({ dataDir: dir, rpcUrl: anvil.rpcUrl, confirmations: 3 });
    try {
      const payer = anvil.wallet(5);
      const sent = await payer.sendTransaction({ to: strict.address, value: parseEther('0.001') });
      await sent.wait();
      const first = await postJson(`${strict.url}/account/balance/ethereum`, { tx_id: sent.hash });
      expect(first.status).toBe(202);
      expect(first.json).toMatchObject({ status: 'pending', confirmations: 1, required: 3 });
      const balanceUrl = `${strict.url}/account/balance/ethereum?address=${(await payer.getAddress()).toLowerCase()}`;
      expect((await get(balanceUrl)).body.toString()).toBe('{"balance":"0"}');
      await anvil.mine(2);
      expect((await get(balanceUrl)).body.toString()).toBe(`{"balance":"${parseEther('0.001').toString()}"}`);
      expect((await postJson(`${strict.url}/account/balance/ethereum`, { tx_id: sent.hash })).status).toBe(400);
    } finally {
      await strict.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps its identity, items and balances across a restart, and refuses a second node on the same dir', async () => {
    await expect(startStorageNode({ dataDir, rpcUrl: anvil.rpcUrl })).rejects.toMatchObject({ code: 'ALREADY_RUNNING' });
    const balance = (await irys.getBalance()).toFixed();
    const { address, publicKey } = node;
    const items = node.stats().itemsStored;
    await node.stop();
    node = await startStorageNode({ dataDir, rpcUrl: anvil.rpcUrl });
    expect(node.address).toBe(address);
    expect(node.publicKey).toBe(publicKey);
    irys = await makeClient(node, anvil, 1);
    expect((await irys.getBalance()).toFixed()).toBe(balance);
    expect((await get(`${node.url}/${smallId}`)).body.equals(smallData)).toBe(true);
    expect((await irys.transactions.getByTag('Content-Sha256', sha256(smallData))).id).toBe(smallId);
    const info = (await (await fetch(`${node.url}/info`)).json()) as { items: number };
    expect(info.items).toBeGreaterThanOrEqual(items);
    expect((await postJson(`${node.url}/account/balance/ethereum`, { tx_id: fundTxId })).status).toBe(400);
    expect((await readdir(join(dataDir, 'tmp'))).length).toBe(0);
  });
});
