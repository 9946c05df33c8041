/**
 * The access indexer keeps the listing in the catalog (issue 14): SaleChanged events set
 * whether a token is for sale (a token never changed is); a reorg forgets the changes of the
 * orphaned blocks and reading again brings back what the chain still holds.
 */
import type { Wallet } from 'ethers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { hex32, revertTo, snapshot, startTestChain, type TestChain } from '../chain/test-utils';
import { AccessIndexer } from '../access/indexer';
import { tempDir } from '../test-support/fs';

let chain: TestChain;
let owner: Wallet;
let dir: { path: string; cleanup: () => void };
let catalog: Catalog;
let snap: string;

beforeAll(async () => {
  chain = await startTestChain();
  owner = chain.signers[1] as Wallet;
});
afterAll(async () => {
  await chain.close();
});
beforeEach(async () => {
  snap = await snapshot(chain.conn);
  dir = tempDir('ativo-listing-ix-');
  catalog = Catalog.open(`${dir.path}/catalog.sqlite`);
});
afterEach(async () => {
  catalog.close();
  dir.cleanup();
  await revertTo(chain.conn, snap);
});

const indexer = (): AccessIndexer =>
  new AccessIndexer({
    catalog,
    network: 'test',
    source: () => Promise.resolve({ conn: chain.conn, address: chain.registry.address, registry: chain.registry }),
    owners: () => Promise.resolve([owner.address.toLowerCase()]),
    emit: () => undefined,
  });

async function register(label: string): Promise<string> {
  const sent = await chain.registry.register(owner, { contentRoot: hex32(label), manifestId: 'm', termsHash: hex32('t'), price: 1n, split: [{ payee: owner.address, bps: 10_000 }] });
  return (await sent.wait()).result.tokenId.toString();
}
const setForSale = async (tokenId: string, on: boolean): Promise<void> => {
  await (await chain.registry.setForSale(owner, BigInt(tokenId), on)).wait();
};

describe('listing in the catalog', () => {
  it('follows SaleChanged: off, on, off again; other tokens stay for sale', async () => {
    const a = await register('listed-a');
    const b = await register('listed-b');
    const ix = indexer();
    await ix.syncOnce();
    expect([catalog.listings.forSale('test', a), catalog.listings.forSale('test', b)]).toEqual([true, true]);
    await setForSale(a, false);
    await ix.syncOnce();
    expect([catalog.listings.forSale('test', a), catalog.listings.forSale('test', b)]).toEqual([false, true]);
    await setForSale(a, true);
    await setForSale(a, false);
    await ix.syncOnce();
    expect(catalog.listings.forSale('test', a)).toBe(false);
    await ix.stop();
  });

  it('a reorg that drops a SaleChanged brings the token back to what the chain holds', async () => {
    const a = await register('reorged');
    const ix = indexer();
    await ix.syncOnce();
    const before = await snapshot(chain.conn);
    await setForSale(a, false);
    await ix.syncOnce();
    expect(catalog.listings.forSale('test', a)).toBe(false);
    // The block with the change is orphaned; the chain grows past it without it.
    await revertTo(chain.conn, before);
    await chain.conn.provider.send('anvil_mine', ['0x3']);
    await ix.syncOnce();
    expect(catalog.listings.forSale('test', a)).toBe(true);
    expect((await chain.registry.asset(BigInt(a)))?.forSale).toBe(true);
    await ix.stop();
  });
});
