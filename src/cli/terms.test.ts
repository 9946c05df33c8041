/**
 * `ativo terms` and `ativo sale` (issue 14) through the real CLI, keychain, sandbox chain and
 * storage node: the owner changes the price and the listing; a buyer (another wallet) asking
 * at the old price, or while the asset is off sale, is refused with a sentence and pays nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../test-support/cli-sandbox';

describe('ativo terms / ativo sale', () => {
  const { run, dir } = useCliSandbox('terms');

  it('changes the price (certificate re-issued, the old one superseded) and the listing; buyers at the old price or off sale are refused', { timeout: 300_000 }, () => {
    const ok = (args: string[]) => {
      const r = run(args);
      expect(r.status, `ativo ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const folder = join(dir(), 'Field notes');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'notes.txt'), 'Day 1: rain.\n');
    const owner = (JSON.parse(ok(['wallet', 'create', '--label', 'owner', '--json'])) as { address: string }).address;
    ok(['storage', 'fund', '--ether', '0.01']);
    const v1 = ok(['publish', folder, '--price', '0.01', '--access-days', '3', '--wait', '--json']);
    const oldCert = join(dir(), 'old-certificate.json');
    writeFileSync(oldCert, v1);
    const tokenId = (JSON.parse(v1) as { chain: { tokenId: string } }).chain.tokenId;

    // Usage mistakes: one line, exit 2.
    const nothing = run(['terms', '1']);
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toMatch(/say what changes: ativo terms 1 --price ETH and\/or --license L/);
    const split = run(['terms', '1', '--split', `${owner}:100`]);
    expect(split.status).toBe(2);
    expect(split.stderr).toMatch(/the split cannot change on a published version .* publish a new version with the new split/);
    expect(run(['sale', '1', 'maybe']).stderr).toMatch(/say on or off: ativo sale 1 on\|off/);

    expect(ok(['terms', '1', '--price', '0.02', '--wait'])).toMatch(
      new RegExp(`Asset #1 \\(token #${tokenId}\\) is now offered at 0\\.02 ETH under CC-BY-4\\.0, access for 3 day\\(s\\)\\.\\nIts certificate was re-issued with the new terms`),
    );
    const again = run(['terms', '1', '--price', '0.02']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already offered at 0\.02 ETH under CC-BY-4\.0: there is nothing to change/);
    const newCert = join(dir(), 'certificate.json');
    writeFileSync(newCert, ok(['certificate', '1']));
    expect(JSON.parse(ok(['certificate', '1'])) as unknown).toMatchObject({ license: { price: '20000000000000000' }, chain: { tokenId } });
    // The old certificate still verifies, and says it was superseded.
    expect(ok(['verify', oldCert])).toMatch(/PASS {2}registration .*superseded by the terms of \d{4}-.* \(now 0\.02 ETH\)/);

    expect(ok(['sale', '1', 'off', '--wait'])).toMatch(/Asset #1 \(token #\d+\) is off sale: new requests are refused and nothing is paid\. Pending requests can still be approved or denied/);
    const offAgain = run(['sale', '1', 'off']);
    expect(offAgain.status).toBe(1);
    expect(offAgain.stderr).toMatch(/already off sale/);

    // A buyer: another wallet with test ETH.
    const buyer = (JSON.parse(ok(['wallet', 'create', '--label', 'buyer', '--json'])) as { address: string }).address;
    ok(['wallet', 'use', buyer]);
    ok(['sandbox', 'fund', buyer, '--ether', '1']);
    const off = run(['access', 'request', newCert]);
    expect(off.status).toBe(1);
    expect(off.stderr).toMatch(/The owner has taken asset #\d+ off sale, so nothing was sent or paid\. Ask the owner, or request again when it is for sale\./);

    ok(['wallet', 'use', owner]);
    expect(ok(['sale', '1', 'on', '--wait'])).toMatch(/is for sale: buyers can request access again/);
    ok(['wallet', 'use', buyer]);
    const stale = run(['access', 'request', oldCert]);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/has changed its price from 0\.01 ETH to 0\.02 ETH since you read it, so nothing was sent or paid/);
    expect(ok(['access', 'request', newCert])).toMatch(/Requested access to asset #\d+: request #1\.\nPaid 0\.02 ETH into escrow/);
    ok(['wallet', 'use', owner]);
  });
});
