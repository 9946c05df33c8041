import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../test-support/cli-sandbox';

// The whole loop through the real CLI: keychain wallet, sandbox chain + storage node, job queue.
describe('ativo upload (sandbox, real keychain)', () => {
  const { run, dir } = useCliSandbox('upload');

  it('waits for funding with a clear message, then uploads every file once and never pays twice', () => {
    const folder = join(dir(), 'set');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.bin'), randomBytes(300_000));
    writeFileSync(join(folder, 'b.txt'), 'hello storage');
    expect(run(['wallet', 'create']).status).toBe(0);
    const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };

    const quote = JSON.parse(run(['storage', 'quote', '300000', '--json']).stdout) as { itemBytes: number; price: { atomic: string } };
    expect(BigInt(quote.price.atomic)).toBeGreaterThan(0n);
    expect(quote.itemBytes).toBeGreaterThan(300_000);

    const unfunded = run(['upload', String(asset.id), '--wait']);
    expect(unfunded.status).toBe(1);
    expect(unfunded.stderr).toMatch(/^ativo: Uploads are waiting: Your storage balance is short by/);

    const fund = run(['storage', 'fund', '--ether', '0.01', '--json']);
    expect(fund.status, fund.stderr).toBe(0);
    expect(JSON.parse(fund.stdout)).toMatchObject({ status: 'credited' });

    const up = run(['upload', String(asset.id), '--wait', '--json']);
    expect(up.stderr).toBe('');
    const stored = JSON.parse(up.stdout) as { items: { relPath: string; storageId: string; source: string }[] };
    expect(stored.items.map((i) => i.relPath).sort()).toEqual(['a.bin', 'b.txt']);
    for (const i of stored.items) expect(i).toMatchObject({ source: 'uploaded', storageId: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/) as unknown });

    const balance = (JSON.parse(run(['storage', 'status', '--json']).stdout) as { balance: { atomic: string } }).balance.atomic;
    const again = run(['upload', String(asset.id), '--wait', '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(run(['storage', 'status', '--json']).stdout) as { balance: { atomic: string } }).balance.atomic).toBe(balance);
  });
});
