/**
 * README's publish example on a fresh sandbox wallet (issue 15): `ativo publish --wait` funds the
 * storage the publication needs (saying so), through the real CLI, keychain, sandbox chain and
 * storage node, and the certificate follows; a fresh storage balance of 0 is no longer a stop.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../test-support/cli-sandbox';

describe('ativo publish on a fresh sandbox wallet', () => {
  const { run, dir } = useCliSandbox('publish-fund');

  it('funds the storage it needs, says so, and certifies', { timeout: 300_000 }, () => {
    const folder = join(dir(), 'birds');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'calls.csv'), 'species,count\nrobin,3\n');
    const wallet = run(['wallet', 'create', '--json']);
    expect(wallet.status, wallet.stderr).toBe(0);
    const you = (JSON.parse(wallet.stdout) as { address: string }).address;
    expect(run(['add', folder, '--kind', 'dataset', '--name', 'Birds 2026']).status).toBe(0);
    expect(JSON.parse(run(['storage', 'status', '--json']).stdout)).toMatchObject({ balance: { atomic: '0' } });

    // As README writes it (0xYou and 0xPartner made real).
    const partner = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
    const r = run(['publish', '1', '--license', 'CC-BY-4.0', '--price', '0.01', '--split', `${you}:70,${partner}:30`, '--wait']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Added [\d.]+ test ETH to your storage balance to store the new files\.$/m);
    expect(r.stdout).toMatch(/^Certified version 1: asset token #\d+/);
    const cert = run(['certificate', '1']);
    expect(cert.status, cert.stderr).toBe(0);
    expect((JSON.parse(cert.stdout) as { split: { bps: number }[] }).split.map((s) => s.bps)).toEqual([7000, 3000]);
  });
});
