/**
 * `ativo approvers list|add|remove` (issue 17) through the real CLI, keychain, sandbox chain and
 * storage node: usage mistakes, naming and removing an approver, and the sentences for a wrong
 * address, a repeat, and a wallet that does not own the asset.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../test-support/cli-sandbox';

describe('ativo approvers', () => {
  const { run, dir } = useCliSandbox('approvers');

  it('lists, adds and removes approvers; wrong input gets a sentence', { timeout: 300_000 }, () => {
    const ok = (args: string[]) => {
      const r = run(args);
      expect(r.status, `ativo ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const folder = join(dir(), 'Bird counts');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'counts.csv'), 'site,count\nA,3\n');
    const owner = (JSON.parse(ok(['wallet', 'create', '--label', 'owner', '--json'])) as { address: string }).address;
    const member = (JSON.parse(ok(['wallet', 'create', '--label', 'member', '--json'])) as { address: string }).address;
    ok(['wallet', 'use', owner]);
    ok(['storage', 'fund', '--ether', '0.01']);
    ok(['publish', folder, '--price', '0.01', '--wait', '--json']);

    expect(run(['approvers']).stderr).toMatch(/say what to do with the approvers \(ativo approvers list <asset>/);
    expect(run(['approvers', 'add', '1']).status).toBe(2);
    expect(ok(['approvers', 'list', '1'])).toMatch(/No approvers: only the owner answers its requests\./);
    const bad = run(['approvers', 'add', '1', '0x1234']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/address/i);
    expect(bad.stderr).not.toMatch(/approvers\.add|assetId/);

    expect(ok(['approvers', 'add', '1', member])).toMatch(new RegExp(`${member} may now approve or deny this asset's requests\\.[\\s\\S]*Approvers .*:\\n  ${member}`));
    expect(run(['approvers', 'add', '1', member]).stderr).toMatch(/is already an approver of Bird counts/);
    expect((JSON.parse(ok(['approvers', 'list', '1', '--json'])) as { approvers: { address: string }[] }).approvers).toEqual([{ address: member, short: `${member.slice(0, 6)}…${member.slice(-4)}` }]);

    ok(['wallet', 'use', member]);
    expect(run(['approvers', 'remove', '1', member]).stderr).toMatch(/switch to the owner's wallet to name its approvers/);
    ok(['wallet', 'use', owner]);
    expect(ok(['approvers', 'remove', '1', member])).toMatch(/is no longer an approver of this asset\.[\s\S]*No approvers/);
  });
});
