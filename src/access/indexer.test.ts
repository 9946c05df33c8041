import type { Wallet } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { AGE_RECIPIENT, hex32, increaseTime, revertTo, snapshot, startTestChain, type TestChain } from '../chain/test-utils';
import type { EventName, EventPayload } from '../api/contract';
import { tempDir } from '../test-support/fs';
import { AccessIndexer } from './indexer';

const PRICE = 10n ** 15n;
/** Every asset here is registered under these terms, and requested under them. */
const TERMS = { termsHash: hex32('t'), price: PRICE };
const TIMEOUT = 3600;

let chain: TestChain;
let owner: Wallet;
let other: Wallet;
let buyers: Wallet[];
let dir: { path: string; cleanup: () => void };
let catalog: Catalog;
let events: { event: EventName; payload: unknown }[];
let roots = 0;
let snap: string;

beforeAll(async () => {
  chain = await startTestChain({ accessTimeoutSeconds: TIMEOUT });
  const s = chain.signers;
  owner = s[1] as Wallet;
  other = s[2] as Wallet;
  buyers = s.slice(3);
});
afterAll(async () => {
  await chain.close();
});
beforeEach(async () => {
  snap = await snapshot(chain.conn); // each test starts from the same chain
  dir = tempDir('ativo-access-ix-');
  catalog = Catalog.open(`${dir.path}/catalog.sqlite`);
  events = [];
});
afterEach(async () => {
  catalog.close();
  dir.cleanup();
  await revertTo(chain.conn, snap);
});

async function register(by: Wallet, price = PRICE): Promise<bigint> {
  const sent = await chain.registry.register(by, { contentRoot: hex32(`ix-root-${roots++}-${Date.now()}`), manifestId: 'm', termsHash: TERMS.termsHash, price, split: [{ payee: by.address, bps: 10_000 }] });
  return (await sent.wait()).result.tokenId;
}

function indexer(opts: { batchSize?: number; owners?: string[] } = {}): AccessIndexer {
  return new AccessIndexer({
    catalog,
    network: 'test',
    source: () => Promise.resolve({ conn: chain.conn, address: chain.registry.address, registry: chain.registry }),
    owners: () => Promise.resolve(opts.owners ?? [owner.address.toLowerCase()]),
    emit: <E extends EventName>(event: E, payload: EventPayload<E>) => {
      events.push({ event, payload });
    },
    notifyLimit: 100_000,
    ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
  });
}

const newIds = (): number[] => events.filter((e) => e.event === 'access.new').map((e) => (e.payload as { id: number }).id);
const requestIdsInCatalog = (): string[] =>
  catalog.access.list({ network: 'test', owner: owner.address, offset: 0, limit: 1000 }).items.map((r) => r.requestId);

describe('access indexer', () => {
  it('keeps 1,000 requests across indexer restarts: none lost, none duplicated, each announced once', async () => {
    const token = await register(owner);
    const foreign = await register(other);
    const N = 1000;
    let sent = 0;
    // Buyers request concurrently while indexers come and go.
    const senders = buyers.map(async (b, i) => {
      for (let k = i; k < N; k += buyers.length) {
        await chain.registry.requestAccess(b, k % 10 === 0 ? foreign : token, AGE_RECIPIENT, TERMS, { message: `request ${k}` });
        sent++;
      }
    });
    let restarts = 0;
    const all = Promise.all(senders);
    const progress = { finished: false };
    void all.then(() => {
      progress.finished = true;
    });
    const finished = (): boolean => progress.finished;
    while (!finished()) {
      const ix = indexer({ batchSize: 7 + (restarts % 5) * 11 });
      await ix.syncOnce();
      await ix.syncOnce();
      await ix.stop();
      restarts++;
    }
    await all;
    expect(sent).toBe(N);
    // Sent is not mined yet: wait for the last ones (anvil mines them a moment later).
    const deadline = Date.now() + 60_000;
    while ((await chain.registry.requestCount()) < BigInt(N) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await indexer().syncOnce();
    expect(restarts).toBeGreaterThan(1);

    const onChain = (await chain.registry.events(0)).filter((e) => e.name === 'AccessRequested');
    const mine = onChain.filter((e) => e.tokenId === token).map((e) => e.requestId.toString());
    expect(onChain).toHaveLength(N);
    expect(catalog.access.count('test')).toBe(N);
    const listed = requestIdsInCatalog();
    expect(listed).toHaveLength(900); // 10% went to another owner's token
    expect(new Set(listed)).toEqual(new Set(mine));
    // access.new once per request to our token, never for the other owner's
    const ids = newIds();
    expect(ids).toHaveLength(900);
    expect(new Set(ids).size).toBe(900);
    expect(catalog.access.unread('test', owner.address)).toBe(900);
    expect(catalog.access.unread('test', other.address)).toBe(100);
    const first = catalog.access.byRequestId('test', mine[0] ?? '');
    expect(first).toMatchObject({ state: 'pending', tokenId: token.toString(), amountWei: PRICE.toString(), owner: owner.address.toLowerCase(), recipient: AGE_RECIPIENT });
    expect(first?.message).toMatch(/^request \d+$/);
  });

  it('follows approvals, denials, cancellations, expiry and transfers', async () => {
    const token = await register(owner);
    const ix = indexer();
    const req = async (b: Wallet) => (await (await chain.registry.requestAccess(b, token, AGE_RECIPIENT, TERMS, { message: 'hi' })).wait()).result.requestId;
    const [b1, b2, b3, b4] = buyers as [Wallet, Wallet, Wallet, Wallet];
    const r1 = await req(b1);
    const r2 = await req(b2);
    const r3 = await req(b3);
    const r4 = await req(b4);
    expect((await ix.syncOnce()).added).toBe(4);
    const changed = events.filter((e) => e.event === 'access.changed').at(-1)?.payload as { ids: number[]; unread: number };
    expect(changed.unread).toBe(4);

    await (await chain.registry.approve(owner, r1, 'grant-1')).wait();
    await (await chain.registry.deny(owner, r2, 'not now')).wait();
    await ix.syncOnce();
    expect(catalog.access.byRequestId('test', r1.toString())).toMatchObject({ state: 'approved', grantId: 'grant-1' });
    expect(catalog.access.byRequestId('test', r2.toString())).toMatchObject({ state: 'denied', reason: 'not now' });

    // Past the access timeout: pending requests show as expired (the requester may cancel now).
    await increaseTime(chain.conn, TIMEOUT + 1);
    await ix.syncOnce();
    expect(catalog.access.byRequestId('test', r3.toString())?.state).toBe('expired');
    await (await chain.registry.cancel(b3, r3)).wait();
    await ix.syncOnce();
    expect(catalog.access.byRequestId('test', r3.toString())?.state).toBe('cancelled');
    expect(catalog.access.byRequestId('test', r4.toString())?.state).toBe('expired');

    // The token changes hands: its requests follow the new owner.
    const erc721 = new (await import('ethers')).Contract(chain.registry.address, ['function transferFrom(address,address,uint256)'], owner.connect(chain.conn.provider));
    await ((await erc721.getFunction('transferFrom')(owner.address, other.address, token)) as { wait(): Promise<unknown> }).wait();
    await ix.syncOnce();
    expect(catalog.access.byRequestId('test', r4.toString())?.owner).toBe(other.address.toLowerCase());
    expect(requestIdsInCatalog()).toHaveLength(0);
  });

  it('a reorg removes requests of orphaned blocks and brings back what they changed', async () => {
    const token = await register(owner);
    const ix = indexer();
    const [b1, b2] = buyers as [Wallet, Wallet];
    const r1 = (await (await chain.registry.requestAccess(b1, token, AGE_RECIPIENT, TERMS)).wait()).result.requestId;
    await ix.syncOnce();
    await (await chain.registry.approve(owner, r1, 'g')).wait();
    await (await chain.registry.requestAccess(b2, token, AGE_RECIPIENT, TERMS)).wait();
    await ix.syncOnce();
    expect(catalog.access.byRequestId('test', r1.toString())?.state).toBe('approved');
    expect(requestIdsInCatalog()).toHaveLength(2);
    // Both last blocks (the approval and the second request) are replaced by empty ones.
    await chain.conn.provider.send('anvil_reorg', [2, []]);
    await ix.syncOnce();
    expect(ix.status().reorgs).toBe(1);
    expect(catalog.access.byRequestId('test', r1.toString())?.state).toBe('pending');
    expect(requestIdsInCatalog()).toEqual([r1.toString()]);
    expect((await chain.registry.request(r1))?.status).toBe('pending');
  });
});
