/**
 * The access indexer and approvers (issue 17), against a real anvil and a real SQLite catalog:
 * an approver's inbox holds the requests of a token it does not own, is told of new ones, and
 * every request records who decided it (Decided); a transfer clears the token's approvers.
 */
import type { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { setApprover } from '../chain/approvers';
import { registryInterface, sendTx, waitForTx } from '../chain/client';
import { AGE_RECIPIENT, hex32, startTestChain, type TestChain } from '../chain/test-utils';
import type { EventName } from '../api/contract';
import { decisionWords } from '../api/approvers-view';
import { tempDir } from '../test-support/fs';
import { AccessIndexer } from './indexer';

const PRICE = 10n ** 15n;
let chain: TestChain;
let owner: Wallet, approver: Wallet, buyer: Wallet, heir: Wallet;
let dir: { path: string; cleanup: () => void };
let catalog: Catalog;

beforeAll(async () => {
  chain = await startTestChain();
  [, owner, approver, buyer, heir] = chain.signers as [Wallet, Wallet, Wallet, Wallet, Wallet];
  dir = tempDir('ativo-approvers-ix-');
  catalog = Catalog.open(`${dir.path}/catalog.sqlite`);
});
afterAll(async () => {
  catalog.close();
  dir.cleanup();
  await chain.close();
});

describe('approvers in the access indexer', () => {
  it("an approver's inbox holds the token's requests; each request says who decided; a transfer clears the approvers", async () => {
    const events: { event: EventName; payload: unknown }[] = [];
    const ix = (me: Wallet): AccessIndexer =>
      new AccessIndexer({
        catalog,
        network: 'test',
        source: () => Promise.resolve({ conn: chain.conn, address: chain.registry.address, registry: chain.registry }),
        owners: () => Promise.resolve([me.address.toLowerCase()]),
        emit: (event, payload) => {
          events.push({ event, payload });
        },
      });
    const token = (await (await chain.registry.register(owner, { contentRoot: hex32('apx'), manifestId: 'm', termsHash: hex32('t'), price: PRICE, split: [{ payee: owner.address, bps: 10_000 }] })).wait()).result.tokenId;
    await (await setApprover(chain.registry, owner, token, approver.address, true)).wait();
    const ask = async (): Promise<bigint> => (await (await chain.registry.requestAccess(buyer, token, AGE_RECIPIENT, { termsHash: hex32('t'), price: PRICE })).wait()).result.requestId;
    const r1 = await ask();
    const r2 = await ask();

    const asApprover = ix(approver);
    await asApprover.syncOnce();
    expect(catalog.approvers.list('test', token.toString())).toEqual([approver.address.toLowerCase()]);
    const inbox = (who: Wallet) => catalog.access.list({ network: 'test', owner: who.address, offset: 0, limit: 100 }).items;
    expect(inbox(approver).map((r) => r.requestId).sort()).toEqual([r1.toString(), r2.toString()]);
    expect(catalog.access.unread('test', approver.address)).toBe(2);
    // The approver is told of requests to a token it approves for.
    expect(events.filter((e) => e.event === 'access.new')).toHaveLength(2);
    expect(inbox(buyer)).toEqual([]);

    await (await chain.registry.approve(approver, r1, '')).wait();
    await (await chain.registry.deny(owner, r2, 'not now')).wait();
    await asApprover.syncOnce();
    const byId = new Map(inbox(owner).map((r) => [r.requestId, r]));
    const one = byId.get(r1.toString())!;
    const two = byId.get(r2.toString())!;
    expect([one.state, one.decidedBy]).toEqual(['approved', approver.address.toLowerCase()]);
    expect([two.state, two.decidedBy]).toEqual(['denied', owner.address.toLowerCase()]);
    const short = `${approver.address.slice(0, 6)}…${approver.address.slice(-4)}`;
    expect(decisionWords(one, approver.address)).toBe('Approved by you');
    expect(decisionWords(one, owner.address)).toBe(`Approved by ${short} (approver)`);
    expect(decisionWords(two, approver.address)).toBe('Denied by the owner');
    expect(decisionWords(two, owner.address)).toBe('Denied by you');
    expect(catalog.access.markRead('test', approver.address, 'all', new Date().toISOString())).toHaveLength(2);

    // A transfer clears the approvers: the old approver's inbox no longer holds the token.
    const data = registryInterface.encodeFunctionData('transferFrom', [owner.address, heir.address, token]);
    await waitForTx(chain.conn, (await sendTx(chain.conn, owner, { to: chain.registry.address, data, value: 0n, action: 'transfer' })).hash);
    await asApprover.syncOnce();
    expect(catalog.approvers.list('test', token.toString())).toEqual([]);
    expect(inbox(approver)).toEqual([]);
    expect(inbox(heir)).toHaveLength(2);
    await asApprover.stop();
  });
});
