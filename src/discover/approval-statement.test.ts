/**
 * The approval mode on the public page (issue 16), all real parts (sandbox chain and storage
 * node, keychain wallet): published with automatic approval, the public page says so once the
 * owner's statement is stored; the owner turns it off and the page says the owner decides. The
 * attack: a stranger stores a newer statement for the same token, signed by their own wallet,
 * saying "automatic": it is ignored (only the token's current owner's statements count).
 * The same page says who must agree to changes of terms, read from the registry (issue 17).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HDNodeWallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { PublicAsset } from '../api/discover-contract';
import { connectChain } from '../chain/provider';
import { SANDBOX_MNEMONIC } from '../sandbox/anvil';
import { StorageClient } from '../storage/client';
import { until, useBackendSandbox } from '../test-support/backend-sandbox';
import { readApproval, storeStatement } from './approval-statement';

describe('approval statements (sandbox, real keychain)', () => {
  const sb = useBackendSandbox('approval-rule');

  it('shows the mode the owner stated, latest first, and ignores a stranger’s', { timeout: 300_000 }, async () => {
    const b = sb.backend();
    await b.call('wallet.create', { label: 'owner' });
    await b.call('storage.fund', { ether: '0.01' });
    const folder = join(sb.dir(), 'River flow');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'flow.csv'), 'day,m3s\n1,12\n');
    const assetId = await sb.add(folder);
    await b.call('assets.publish', { id: assetId, visibility: 'public', priceEth: '0.01', approval: 'auto' });
    const st = await b.call('chain.status', {});
    const page = async () => {
      const pub = (await b.call('assets.get', { id: assetId })).publication;
      if (pub?.tokenId == null) return undefined;
      return b.call('discover.asset', { chainId: st.chainId, registry: st.registry ?? '', tokenId: pub.tokenId });
    };
    const statements = async (n: number) =>
      until(`${n} approval statement(s) stored`, async () => {
        const jobs = (await b.call('jobs.list', { kind: 'approval.statement', limit: 100 })).items;
        const bad = jobs.find((j) => j.state === 'failed');
        if (bad) throw new Error(`statement failed: ${bad.error ?? ''}`);
        return jobs.filter((j) => j.state === 'done').length >= n;
      }, 120_000);

    await statements(1);
    const auto = await until('the public page', page, 120_000);
    expect(auto.approval).toBe('auto');

    await b.call('access.setAutoApprove', { assetId, autoApprove: false });
    await statements(2);
    expect((await page())?.approval).toBe('manual');

    // A stranger's wallet, funded on the sandbox node, states "automatic" for this token, later.
    const stranger = HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, "m/44'/60'/0'/0/7");
    const client = await StorageClient.create({ network: 'sandbox', nodeUrl: st.storageUrl ?? '', rpcUrl: st.rpcUrl, privateKey: stranger.privateKey });
    const conn = await connectChain(st.rpcUrl);
    try {
      await client.fund(10n ** 16n, conn);
    } finally {
      conn.close();
    }
    const tokenId = auto.tokenId;
    const registry = (st.registry ?? '').toLowerCase();
    await storeStatement(client, join(sb.dir(), 'staging'), stranger.address, { type: 'ativo-approval-rule', v: 1, chainId: st.chainId, registry, tokenId, approval: 'auto', at: new Date(Date.now() + 60_000).toISOString() });
    expect(await readApproval(st.storageUrl ?? '', stranger.address, st.chainId, registry, tokenId)).toBe('auto');
    expect((await page())?.approval).toBe('manual');
    expect(await readApproval(st.storageUrl ?? '', auto.owner, st.chainId, registry, '999')).toBeNull();

    // Who must agree to changes of terms (issue 17), read from the registry for this token.
    expect(auto.consentRule).toBe('Changes of terms: the owner alone decides them.');
    await b.call('governance.setRule', { assetId, rule: 60 });
    const sixty = await page();
    expect([sixty?.consentBps, sixty?.consentRule]).toEqual([6000, 'Changes of terms need the agreement of payees holding at least 60% of the split.']);
    await b.call('governance.setRule', { assetId, rule: 'all' });
    expect((await page())?.consentRule).toBe('Changes of terms need every payee’s agreement.');
    // A page from before consent rules (no such fields) still parses: the rule is "not known".
    const { consentBps: _b, consentRule: _r, ...old } = auto;
    expect(PublicAsset.parse(old)).toMatchObject({ consentBps: null, consentRule: null });
  });
});
