/**
 * Governance on the command line (issue 17), with the real CLI, keychain, sandbox chain and
 * storage node, two wallets (owner 70%, partner 30%) in one data dir: the owner sets the rule
 * "all payees" and proposes a price change; submitting it before the partner signed is refused
 * in a sentence; the partner finds it (storage, GraphQL) and signs; the owner submits; the price
 * read from the chain changes and the audit log records the proposal, the signature and the
 * submission. The submission is killed once after its transaction was saved: asked again, it is
 * sent once. A stranger's wallet lists none of these proposals. Then a new split and access period
 * (bad splits refused in sentences first): refused without the partner, submitted after the
 * partner signs; the chain's split and access period are the proposal's, and so is the re-issued
 * certificate's split (two TermsConsented on chain: one per proposal).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegistryClient, registryInterface } from '../chain/client';
import { startAnvil } from '../sandbox/anvil';
import { useCliSandbox } from '../test-support/cli-sandbox';

describe('ativo consent / terms --propose / proposals', () => {
  const { run, dir, dataDir } = useCliSandbox('proposals');

  it('a price change, then a split and access period change, need the partner’s signature under the rule "all payees"; with it, the owner submits (once, across a crash) and the chain changes', { timeout: 400_000 }, async () => {
    const ok = (args: string[]): string => {
      const r = run(args);
      expect(r.status, `ativo ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names what the --json output is
    const json = <T>(args: string[]): T => JSON.parse(ok([...args, '--json'])) as T;
    const folder = join(dir(), 'Field notes');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'notes.txt'), 'Day 1: rain.\n');

    const partner = json<{ address: string }>(['wallet', 'create', '--label', 'partner']).address;
    ok(['storage', 'fund', '--ether', '0.01']);
    const owner = json<{ address: string }>(['wallet', 'create', '--label', 'owner']).address;
    ok(['wallet', 'use', owner]);
    ok(['storage', 'fund', '--ether', '0.01']);
    ok(['publish', folder, '--price', '0.01', '--split', `${owner}:70,${partner}:30`, '--wait']);

    expect(run(['consent', '1']).stderr).toMatch(/say the rule: ativo consent 1 --rule owner\|all\|N%/);
    expect(ok(['consent', '1', '--rule', 'all'])).toMatch(/Every payee must agree to changes of terms \(asset #1, token #\d+\)\./);
    const looser = run(['consent', '1', '--rule', '50%']);
    expect(looser.status).toBe(1);
    expect(looser.stderr).toMatch(/can only be made stricter/);

    // Under the rule, the terms change only through a proposal.
    const direct = run(['terms', '1', '--price', '0.03']);
    expect(direct.status).toBe(1);
    expect(direct.stderr).toMatch(/payees of this asset must agree to changes of its terms: propose it with ativo terms 1 --price ETH --propose/);

    const proposed = json<{ id: string; changes: string[] }>(['terms', '1', '--price', '0.02', '--propose']);
    expect(proposed.changes).toEqual(['Price 0.01 ETH → 0.02 ETH']);
    const id = proposed.id.slice(0, 12);

    // Without the partner's signature: refused in plain words, nothing sent.
    const early = run(['proposals', 'submit', id]);
    expect(early.status).toBe(1);
    expect(early.stderr).toMatch(new RegExp(`Not yet: payees holding 70% of the split agreed, and this asset's rule needs 100%\\. Waiting for ${partner} to sign\\.`));

    // The partner finds it on the storage node and signs.
    ok(['wallet', 'use', partner]);
    const listed = ok(['proposals', 'list']);
    expect(listed).toMatch(/Price 0\.01 ETH → 0\.02 ETH/);
    expect(listed).toMatch(/Agreed: 70% of the split \(the rule needs 100%\)/);
    expect(run(['proposals', 'submit', id]).stderr).toMatch(/Only the owner of this asset/);
    expect(ok(['proposals', 'sign', id])).toMatch(/Signed; your answer is stored/);

    ok(['wallet', 'use', owner]);
    // Killed after the transaction was saved (before it was sent); asked again, the same job sends it once.
    expect(run(['proposals', 'submit', id, '--wait'], { ATIVO_FAULT: 'proposal:after-tx-saved' }).signal).toBe('SIGKILL');
    expect(ok(['proposals', 'submit', id, '--wait'])).toMatch(/is on chain: its new terms apply now/);
    // The certificate is re-issued with the new price, and verifying it reads the registry: the chain says 0.02 ETH too.
    expect(json<{ license: { price: string } }>(['certificate', '1']).license.price).toBe('20000000000000000');
    const certText = ok(['certificate', '1']);
    const cert = JSON.parse(certText) as { chain: { registry: string; tokenId: string } };
    writeFileSync(join(dir(), 'certificate.json'), certText);
    expect(ok(['verify', join(dir(), 'certificate.json')])).toMatch(/PASS {2}registration/);
    const audit = json<{ intact: boolean; entries: { action: string; actor: string }[] }>(['audit']);
    expect(audit.intact).toBe(true);
    const actions = audit.entries.map((e) => `${e.action} ${e.actor.toLowerCase()}`);
    expect(actions).toEqual(expect.arrayContaining([`proposal.made ${owner.toLowerCase()}`, `proposal.signed ${partner.toLowerCase()}`, `proposal.submitted ${owner.toLowerCase()}`]));

    // Used once: the nonce moved, the proposal is no longer open, and a new submission is not sent.
    const listedAfter = json<{ items: { id: string; state: string }[] }>(['proposals', 'list']);
    expect(listedAfter.items.find((p) => p.id === proposed.id)?.state).toBe('submitted');

    // A wallet that is neither owner nor payee sees none of them (the cache is per network, the list is per wallet).
    const stranger = json<{ address: string }>(['wallet', 'create', '--label', 'stranger']).address;
    ok(['wallet', 'use', stranger]);
    expect(json<{ items: unknown[] }>(['proposals', 'list']).items).toEqual([]);
    ok(['wallet', 'use', owner]);

    // A new split and access period, under the same rule. Bad splits are refused in a sentence first.
    const bad = (split: string): string => run(['terms', '1', '--split', split, '--propose']).stderr;
    expect(bad(`${owner}:60,${partner}:30`)).toMatch(/The shares must be positive and add up to 100% \(they add up to 90%\)\./);
    expect(bad(`${owner}:60,${owner.toLowerCase()}:40`)).toMatch(/appears twice in the split: give each payee once, with its whole share\./);
    expect(bad(`${owner}:60,0x12:40`)).toMatch(/--split takes address:percent pairs separated by commas \(got "0x12:40"\)/);
    // The partner's address with one letter's case flipped: its checksum no longer holds.
    const at = partner.slice(2).search(/[a-fA-F]/) + 2;
    const c = partner.charAt(at);
    const broken = partner.slice(0, at) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + partner.slice(at + 1);
    expect(bad(`${owner}:60,${broken}:40`)).toMatch(/is not a wallet address \(a mistyped letter breaks its checksum\): copy it again from the payee\./);
    expect(run(['terms', '1', '--access-days', 'soon', '--propose']).stderr).toMatch(/--access-days takes a whole number of days/);

    const split = json<{ id: string; changes: string[] }>(['terms', '1', '--split', `${owner}:60,${partner}:40`, '--access-days', '30', '--propose']);
    expect(split.changes).toEqual([
      'Access perpetual → 30 day(s)',
      `Split ${owner.toLowerCase().slice(0, 8)}… 70%, ${partner.toLowerCase().slice(0, 8)}… 30% → ${owner.toLowerCase().slice(0, 8)}… 60%, ${partner.toLowerCase().slice(0, 8)}… 40%`,
    ]);
    const splitId = split.id.slice(0, 12);
    expect(run(['proposals', 'submit', splitId]).stderr).toMatch(new RegExp(`Not yet: payees holding 70% of the split agreed, and this asset's rule needs 100%\\. Waiting for ${partner} to sign\\.`));
    ok(['wallet', 'use', partner]);
    expect(ok(['proposals', 'sign', splitId])).toMatch(/Signed; your answer is stored/);
    ok(['wallet', 'use', owner]);
    expect(ok(['proposals', 'submit', splitId, '--wait'])).toMatch(/is on chain: its new terms apply now/);
    // The re-issued certificate names the new payees.
    expect(json<{ split: { address: string; bps: number }[] }>(['certificate', '1']).split.map((s) => [s.address.toLowerCase(), s.bps])).toEqual([
      [owner.toLowerCase(), 6000],
      [partner.toLowerCase(), 4000],
    ]);

    const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
    try {
      const registry = await RegistryClient.open(sb.conn, cert.chain.registry);
      const consented = (await sb.conn.provider.getLogs({ address: registry.address, fromBlock: 0, topics: [registryInterface.getEvent('TermsConsented')?.topicHash ?? ''] })).length;
      expect(consented).toBe(2); // one per proposal: the price change was sent once across the crash
      const onChain = await registry.asset(BigInt(cert.chain.tokenId));
      expect(onChain?.price).toBe(2n * 10n ** 16n);
      // The chain's split and access period are the proposal's.
      expect(onChain?.split.map((s) => [s.payee.toLowerCase(), s.bps])).toEqual([
        [owner.toLowerCase(), 6000],
        [partner.toLowerCase(), 4000],
      ]);
      expect(onChain?.accessPeriod).toBe(30 * 86_400);
    } finally {
      await sb.stop();
    }
  });
});
