/**
 * A new version of a token under a consent rule (issue 17), with the real CLI, keychain, sandbox
 * chain and storage node: the owner (70%) and a partner (30%) agree that changes need every
 * payee ("all", chosen at publish); the next version with the same split is registered as a version of the token
 * (VersionRegistered, the rule inherited); a version with another split is refused before
 * anything is sent, in a sentence that says what to do, and nothing more is registered.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegistryClient, registryInterface } from '../chain/client';
import { startAnvil } from '../sandbox/anvil';
import { useCliSandbox } from '../test-support/cli-sandbox';

describe('a new version under a consent rule', () => {
  const { run, dir, dataDir } = useCliSandbox('version-consent');

  it('keeps the split through registerVersion (the rule inherited), and refuses another split without consent', { timeout: 400_000 }, async () => {
    const ok = (args: string[]): string => {
      const r = run(args);
      expect(r.status, `ativo ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names what the --json output is
    const json = <T>(args: string[]): T => JSON.parse(ok([...args, '--json'])) as T;
    const folder = join(dir(), 'Soil cores');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'cores.csv'), 'id,depth\n1,10\n');

    const partner = json<{ address: string }>(['wallet', 'create', '--label', 'partner']).address;
    const owner = json<{ address: string }>(['wallet', 'create', '--label', 'owner']).address;
    ok(['wallet', 'use', owner]);
    ok(['storage', 'fund', '--ether', '0.01']);
    // The rule chosen at publish: set on chain right after the registration.
    expect(run(['publish', folder, '--consent', 'maybe']).stderr).toMatch(/say the rule: --consent owner \(the owner alone\), --consent all \(every payee\) or --consent N%/);
    ok(['publish', folder, '--split', `${owner}:70,${partner}:30`, '--consent', 'all', '--wait']);
    expect(ok(['consent', '1', '--rule', 'all'])).toMatch(/it already was\./);

    // Version 2, same split: a version of token 1 on chain.
    appendFileSync(join(folder, 'cores.csv'), '2,20\n');
    ok(['publish', '1', '--wait']);
    const v2 = JSON.parse(ok(['certificate', '1'])) as { chain: { registry: string; tokenId: string } };

    // Version 3 with another split: refused before anything is sent.
    appendFileSync(join(folder, 'cores.csv'), '3,30\n');
    const refused = run(['publish', '1', '--split', `${owner}:90,${partner}:10`, '--wait']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/The split of Soil cores can change only with the agreement of every payee, as its contributors agreed\. Nothing was registered: publish this version with the current split, or propose the new split on the asset page/);

    const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
    try {
      const registry = await RegistryClient.open(sb.conn, v2.chain.registry);
      const logs = await sb.conn.provider.getLogs({ address: registry.address, fromBlock: 0, topics: [registryInterface.getEvent('VersionRegistered')?.topicHash ?? ''] });
      expect(logs).toHaveLength(1);
      const ev = registryInterface.parseLog(logs[0] ?? { topics: [], data: '0x' });
      expect(ev?.args.getValue('tokenId')).toBe(BigInt(v2.chain.tokenId));
      expect(ev?.args.getValue('previousTokenId')).toBe(1n);
      // The rule came with it: every payee must agree to changes of version 2 too.
      const g = registryInterface.decodeFunctionResult('governanceOf', await sb.conn.provider.call({ to: registry.address, data: registryInterface.encodeFunctionData('governanceOf', [BigInt(v2.chain.tokenId)]) }));
      expect(Number(g[0])).toBe(10_000);
      // Nothing was registered for version 3.
      expect(await registry.tokenCount()).toBe(2n);
    } finally {
      await sb.stop();
    }
  });
});
