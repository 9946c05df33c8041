/**
 * `ativo discover` (issue 16) through the real CLI: a folder published with a README and a
 * CITATION.cff is listed with its name, license (SPDX), price in wei, token, owner, chain and
 * registry; found by a word of its description; its page writes a CITATION.cff with its authors.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCitation } from '../metadata/cff';
import { useCliSandbox } from '../test-support/cli-sandbox';

describe('ativo discover (sandbox, real keychain)', () => {
  const { run, dir } = useCliSandbox('discover');

  it('lists, searches and shows a published asset; writes its CITATION.cff', { timeout: 300_000 }, () => {
    const folder = join(dir(), 'Heron calls');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'README.md'), '# Heron calls\n\nNight recordings of grey herons on the estuary.\n');
    writeFileSync(join(folder, 'CITATION.cff'), 'cff-version: 1.2.0\nmessage: cite\ntitle: Heron calls\nauthors:\n  - given-names: Grace\n    family-names: Hopper\n    orcid: https://orcid.org/0000-0002-1825-0097\n');
    writeFileSync(join(folder, 'calls.csv'), 'id,call\n1,croak\n');
    const wallet = JSON.parse(run(['wallet', 'create', '--json']).stdout) as { address: string };
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);
    const pub = run(['publish', folder, '--price', '0.02', '--license', 'CC-BY-4.0', '--wait', '--json']);
    expect(pub.stderr).toBe('');
    const cert = JSON.parse(pub.stdout) as { chain: { tokenId: string; chainId: number; registry: string } };

    const listed = run(['discover', '--json']);
    expect(listed.stderr).toBe('');
    const out = JSON.parse(listed.stdout) as { items: Record<string, unknown>[]; total: number };
    expect(out.total).toBe(1);
    expect(out.items[0]).toMatchObject({
      name: 'Heron calls',
      license: 'CC-BY-4.0',
      priceWei: '20000000000000000',
      tokenId: cert.chain.tokenId,
      owner: wallet.address.toLowerCase(),
      chainId: cert.chain.chainId,
      registry: cert.chain.registry.toLowerCase(),
      mine: true,
    });
    expect((JSON.parse(run(['discover', '--query', 'estuary', '--json']).stdout) as { total: number }).total).toBe(1);
    expect((JSON.parse(run(['discover', '--query', 'estuary', '--kind', 'model', '--json']).stdout) as { total: number }).total).toBe(0);
    const human = run(['discover', '--query', 'herons']);
    expect(human.stdout).toMatch(/\*1 +Heron calls +dataset +CC-BY-4\.0 +0\.02 ETH/);
    const bad = run(['discover', '--sort', 'random']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--sort takes newest, price or approved/);

    const cff = join(dir(), 'CITATION.cff');
    const shown = run(['discover', 'show', cert.chain.tokenId, '--citation', cff]);
    expect(shown.stderr).toBe('');
    expect(shown.stdout).toMatch(/You may use, share and adapt it for any purpose/);
    expect(shown.stdout).toMatch(/Public record: 0 request\(s\), no decision yet/);
    const authors = parseCitation(readFileSync(cff, 'utf8')).authors;
    expect(authors.map((a) => [a.name, a.orcid])).toEqual([['Grace Hopper', '0000-0002-1825-0097']]);
  });
});
