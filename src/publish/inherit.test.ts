/**
 * Versions inherit their terms (issue 14), through the real CLI, keychain, sandbox chain and
 * storage node: a changed folder published again keeps the previous version's visibility,
 * license, price and split unless an option changes them; a private asset becomes public only
 * with --public (the API refuses it without confirmPublic).
 */
import { HDNodeWallet, Wallet } from 'ethers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../api/backend';
import type { Certificate } from '../chain/certificate';
import { SANDBOX_MNEMONIC } from '../sandbox/anvil';
import { useCliSandbox } from '../test-support/cli-sandbox';
import { LICENSES } from './licenses';

const partner = new Wallet(HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, "m/44'/60'/0'/0/8").privateKey).address;

describe('a new version keeps its terms', () => {
  const { run, dir, dataDir, keychainPrefix } = useCliSandbox('inherit');

  it('private, 0.01 ETH, CC-BY-NC-4.0, 70/30: version 2 keeps every term; public only when asked', { timeout: 400_000 }, async () => {
    const folder = join(dir(), 'Soils');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.csv'), 'site,ph\n1,6.5\n');
    const me = (JSON.parse(run(['wallet', 'create', '--json']).stdout) as { address: string }).address;
    // The payees' names come from the folder's CONTRIBUTORS file.
    writeFileSync(join(folder, 'CONTRIBUTORS'), `Ada Soil ${me}\nBo Field ${partner}\n`);
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);
    const id = String((JSON.parse(run(['add', folder, '--json']).stdout) as { id: number }).id);

    const first = run(['publish', id, '--private', '--license', 'CC-BY-NC-4.0', '--price', '0.01', '--split', `${me}:70,${partner}:30`, '--wait', '--json']);
    expect(first.status, first.stderr).toBe(0);
    const cert1 = JSON.parse(first.stdout) as Certificate;
    expect(cert1.license.terms).toBe(LICENSES['CC-BY-NC-4.0']);
    // The lifecycle status (issue 14): live at its price, in `list` and `show`, with owner, terms and named payees.
    expect(run(['list']).stdout).toMatch(/Soils .* ready +Live · 0\.01 ETH · manual approval +0 +0 ETH/);
    const shown1 = run(['show', id]).stdout;
    expect(shown1).toContain('status        Live · 0.01 ETH · manual approval');
    expect(shown1).toContain(`owner         ${me}`);
    expect(shown1).toContain('terms         0.01 ETH, CC-BY-NC-4.0, manual approval, private');
    expect(shown1).toContain(`payees        70%  ${me}  Ada Soil`);
    expect(shown1).toContain(`              30%  ${partner}  Bo Field`);
    expect(shown1).toContain('requests      0 pending');

    // A file added; published again with no options: version 2, same terms.
    writeFileSync(join(folder, 'b.csv'), 'site,ph\n2,7.1\n');
    expect(run(['rescan', id]).status).toBe(0);
    const changed = JSON.parse(run(['list', '--json']).stdout) as { status: { state: string; label: string } }[];
    expect(changed[0]?.status).toMatchObject({ state: 'changed', label: 'Changed since version 1' });
    expect(run(['show', id]).stdout).toContain('status        Changed since version 1');
    const second = run(['publish', id, '--wait', '--json']);
    expect(second.status, second.stderr).toBe(0);
    const cert2 = JSON.parse(second.stdout) as Certificate;
    expect(cert2.chain.tokenId).not.toBe(cert1.chain.tokenId);
    expect(cert2.license).toMatchObject({ price: '10000000000000000', termsHash: cert1.license.termsHash, terms: cert1.license.terms });
    expect(cert2.split).toEqual(cert1.split);
    const v2 = run(['show', id]).stdout;
    expect(v2).toContain('status        Live · 0.01 ETH · manual approval');
    expect(v2).toMatch(/v2 .*token #\d+ on sandbox[^\n]*\n +0\.01 ETH, CC-BY-NC-4\.0, split 0x[0-9a-fA-F]{40} 70%, 0x[0-9a-fA-F]{40} 30%/);
    const shown = JSON.parse(run(['show', id, '--json']).stdout) as { visibility: string };
    expect(shown.visibility).toBe('private');

    // Changing the price alone keeps the rest (still private, same split).
    writeFileSync(join(folder, 'c.csv'), 'site,ph\n3,5.9\n');
    const third = run(['publish', id, '--price', '0.02', '--wait', '--json']);
    expect(third.status, third.stderr).toBe(0);
    const cert3 = JSON.parse(third.stdout) as Certificate;
    expect(cert3.license.price).toBe('20000000000000000');
    expect(cert3.license.termsHash).toBe(cert1.license.termsHash);
    expect(cert3.split).toEqual(cert1.split);
    expect((JSON.parse(run(['show', id, '--json']).stdout) as { visibility: string }).visibility).toBe('private');

    // Public only when asked for, by name: the API refuses it without the confirmation (the
    // Publish dialog asks for it), and publishes nothing.
    writeFileSync(join(folder, 'd.csv'), 'site,ph\n4,6.0\n');
    const b = await createBackend({ dataDir: dataDir(), keychainPrefix: keychainPrefix(), runJobs: false });
    try {
      const r = await b.invoke('assets.publish', { id: Number(id), visibility: 'public' });
      expect(r).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: 'Soils was published as private: publishing it as public makes every file readable by anyone, for good. Confirm that you want it public to go on.' } });
      expect((await b.call('jobs.list', { kind: 'publish', state: 'queued', limit: 10 })).total).toBe(0);
    } finally {
      await b.close();
    }
    const fourth = run(['publish', id, '--public', '--wait', '--json']);
    expect(fourth.status, fourth.stderr).toBe(0);
    expect((JSON.parse(run(['show', id, '--json']).stdout) as { visibility: string }).visibility).toBe('public');
  });
});
