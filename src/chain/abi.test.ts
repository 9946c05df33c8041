/**
 * abi.ts decodes raw eth_getLogs output, slicing the fixed-layout events for speed: every event
 * the registry emits, from real transactions on anvil, must decode exactly as the ABI decoder
 * (parseRegistryLogs over ethers' formatted logs) decodes it.
 */
import type { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRawRegistryLogs, parseRegistryLogs, registryInterface, type RawRpcLog } from './abi';
import { sendTx, waitForTx } from './client';
import { AGE_RECIPIENT, hex32, increaseTime, startTestChain, type TestChain } from './test-utils';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain({ accessTimeoutSeconds: 60 });
});
afterAll(async () => {
  await chain.close();
});

describe('raw log decoding', () => {
  it('decodes every registry event exactly as the ABI decoder does', async () => {
    const { registry, conn } = chain;
    const [, owner, buyer, partner, other] = chain.signers as [Wallet, Wallet, Wallet, Wallet, Wallet];
    const price = 10n ** 16n + 7n;
    const tokenId = (await (await registry.register(owner, { contentRoot: hex32('abi'), manifestId: 'm-abi', termsHash: hex32('t'), price, split: [{ payee: owner.address, bps: 6_000 }, { payee: partner.address, bps: 4_000 }] })).wait()).result.tokenId;
    const terms = { termsHash: hex32('t'), price };
    const r1 = (await (await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, terms, { message: 'ünïcode ✓' })).wait()).result.requestId;
    const r2 = (await (await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, terms)).wait()).result.requestId;
    const r3 = (await (await registry.requestAccess(buyer, tokenId, AGE_RECIPIENT, terms)).wait()).result.requestId;
    await (await registry.approve(owner, r1, 'grant-item-id')).wait(); // AccessGranted + 2 × Credited
    await (await registry.deny(owner, r2, 'not for this use')).wait(); // AccessDenied + Refunded
    await increaseTime(conn, 61);
    await (await registry.cancel(buyer, r3)).wait(); // AccessCancelled + Refunded
    await (await registry.withdraw(partner)).wait(); // Withdrawn
    await (await registry.updateTerms(owner, tokenId, hex32('t2'), price * 2n)).wait(); // TermsUpdated
    // Governance events: ApproverSet, ConsentRuleSet, TermsConsented (owner's own 60% meets the rule), VersionRegistered.
    const gov = async (fn: string, args: unknown[]) => waitForTx(conn, (await sendTx(conn, owner, { to: registry.address, data: registryInterface.encodeFunctionData(fn, args), action: 'setApprover' })).hash);
    const split = { payees: [owner.address, partner.address], bps: [6_000, 4_000] };
    const noConsent = { nonce: 0n, deadline: 2n ** 40n, signers: [], signatures: [] };
    await gov('setApprover', [tokenId, other.address, true]);
    await gov('setConsentRule', [tokenId, 6_000]);
    await gov('changeTerms', [tokenId, { termsHash: hex32('t3'), price, accessPeriod: 3600, ...split }, noConsent]);
    await gov('registerVersion', [tokenId, hex32('abi-v2'), 'm-abi-v2', { termsHash: hex32('t3'), price, accessPeriod: 0, ...split }, noConsent]);
    const data = registryInterface.encodeFunctionData('transferFrom', [owner.address, other.address, tokenId]);
    await waitForTx(conn, (await sendTx(conn, owner, { to: registry.address, data, action: 'transfer' })).hash); // Transfer

    const raw = (await conn.provider.send('eth_getLogs', [{ address: registry.address, fromBlock: '0x0', toBlock: 'latest' }])) as RawRpcLog[];
    const formatted = await conn.provider.getLogs({ address: registry.address, fromBlock: 0, toBlock: 'latest' });
    const fast = parseRawRegistryLogs(raw, registry.address).map(({ blockHash: _h, ...e }) => e);
    const reference = parseRegistryLogs(formatted, registry.address);
    expect(fast).toEqual(reference);
    const names = new Set(reference.map((e) => e.name));
    for (const n of ['Registered', 'AccessRequested', 'AccessGranted', 'Credited', 'AccessDenied', 'Refunded', 'AccessCancelled', 'Withdrawn', 'TermsUpdated', 'Transfer', 'Decided', 'ApproverSet', 'ConsentRuleSet', 'TermsConsented', 'VersionRegistered']) expect(names, n).toContain(n);
  });

  it('skips logs of other contracts, removed logs, and a same-topic log of another shape', () => {
    const credited = registryInterface.getEvent('Credited')?.topicHash ?? '';
    const base: RawRpcLog = { address: '0x00000000000000000000000000000000000000aa', topics: [credited, `0x${'0'.repeat(24)}${'1'.repeat(40)}`, `0x${'0'.repeat(63)}1`, `0x${'0'.repeat(63)}2`], data: `0x${'0'.repeat(63)}5`, blockNumber: '0x1', blockHash: `0x${'b'.repeat(64)}`, transactionHash: `0x${'c'.repeat(64)}`, logIndex: '0x0' };
    expect(parseRawRegistryLogs([base], base.address)).toHaveLength(1);
    expect(parseRawRegistryLogs([base], '0x00000000000000000000000000000000000000bb')).toEqual([]);
    expect(parseRawRegistryLogs([{ ...base, removed: true }])).toEqual([]);
    expect(parseRawRegistryLogs([{ ...base, topics: base.topics.slice(0, 3) }])).toEqual([]);
  });

  it('strings are sliced only when well formed; anything unusual gets the answer of the ABI decoder', () => {
    const ev = registryInterface.getEvent('AccessGranted');
    if (!ev) throw new Error('no AccessGranted');
    const topics = [ev.topicHash, `0x${'0'.repeat(63)}7`, `0x${'0'.repeat(63)}9`];
    const base = { address: '0x00000000000000000000000000000000000000aa', blockNumber: '0x1', blockHash: `0x${'b'.repeat(64)}`, transactionHash: `0x${'c'.repeat(64)}`, logIndex: '0x0' };
    const word = (n: number | bigint): string => BigInt(n).toString(16).padStart(64, '0');
    const str = (bytes: string): string => word(bytes.length / 2) + bytes.padEnd(Math.ceil(bytes.length / 64) * 64 || 64, '0');
    const cases: [string, string][] = [
      ['well formed, multi-byte UTF-8', `0x${word(64)}${word(5)}${str(Buffer.from('grünt ✓', 'utf8').toString('hex'))}`],
      ['empty string', `0x${word(64)}${word(5)}${word(0)}`],
      ['invalid UTF-8', `0x${word(64)}${word(5)}${str('ff fe'.replace(' ', ''))}`],
      ['offset past the end', `0x${word(4096)}${word(5)}${str('41')}`],
      ['offset not on a word', `0x${word(65)}${word(5)}00${str('41')}`],
      ['length past the end', `0x${word(64)}${word(5)}${word(1000)}${'41'.padEnd(64, '0')}`],
    ];
    for (const [label, data] of cases) {
      const fast = parseRawRegistryLogs([{ ...base, topics, data }]);
      let reference: unknown[];
      try {
        const d = registryInterface.parseLog({ topics, data });
        reference = d === null ? [] : [{ grantId: d.args.getValue('grantId') as string, amount: d.args.getValue('amount') as bigint }];
      } catch {
        reference = [];
      }
      expect(fast.map((e) => ({ grantId: (e as { grantId: string }).grantId, amount: (e as { amount: bigint }).amount })), label).toEqual(reference);
    }
  });
});
