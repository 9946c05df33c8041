/**
 * The recovery path for a damaged catalog, through the real CLI (sandbox chain, storage node,
 * keychain): the error names the way out, `ativo catalog rebuild` keeps the old file and adds
 * the folders again, finds the certified asset on chain, and publishing it again restores the
 * certificate without a second registration or upload.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../test-support/cli-sandbox';
import { coreutilsRoot } from '../test-support/fs';

interface Certificate {
  asset: { contentRoot: string };
  chain: { tokenId: string; txHash: string };
}

describe('ativo catalog check | rebuild', () => {
  const { run, dir, dataDir } = useCliSandbox('catalog');

  it('rebuilds a damaged catalog from the folder and the chain, paying nothing twice', () => {
    const folder = join(dir(), 'Field notes');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a.bin'), randomBytes(30_000));
    writeFileSync(join(folder, 'b.txt'), 'second file\n');
    expect(run(['wallet', 'create']).status).toBe(0);
    const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);
    const published = run(['publish', String(asset.id), '--wait', '--json']);
    expect(published.stderr).toBe('');
    const cert = JSON.parse(published.stdout) as Certificate;

    // The catalog file is destroyed (not even a database any more).
    const catalogPath = join(dataDir(), 'catalog.sqlite');
    writeFileSync(catalogPath, randomBytes(64 * 1024));
    const list = run(['list']);
    expect(list.status).toBe(1);
    expect(list.stderr).toMatch(/is damaged.*ativo catalog rebuild/);
    const check = run(['catalog', 'check', '--json']);
    expect(check.status).toBe(1);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: false });

    const rebuilt = run(['catalog', 'rebuild', '--folder', folder, '--json']);
    expect(rebuilt.stderr).toBe('');
    expect(rebuilt.status).toBe(0);
    const report = JSON.parse(rebuilt.stdout) as { movedTo: string; added: { path: string; assetId: number; certifiedAs: string | null }[] };
    expect(existsSync(report.movedTo)).toBe(true);
    expect(report.added).toEqual([{ path: folder, assetId: 1, error: null, certifiedAs: cert.chain.tokenId }]);
    expect(run(['catalog', 'check']).status).toBe(0);
    const shown = JSON.parse(run(['show', '1', '--json']).stdout) as { contentRoot: string };
    expect(shown.contentRoot).toBe(coreutilsRoot(folder));

    // The human report says what to do next.
    const again = run(['catalog', 'rebuild', '--folder', folder]);
    expect(again.stdout).toContain(`certified on chain as token ${cert.chain.tokenId}; run \`ativo publish 1\` to restore its certificate`);

    // Publishing again restores the certificate: same registration, files reused from storage.
    const restored = run(['publish', '1', '--wait', '--json']);
    expect(restored.stderr).toBe('');
    const cert2 = JSON.parse(restored.stdout) as Certificate;
    expect(cert2.chain.tokenId).toBe(cert.chain.tokenId);
    expect(cert2.asset.contentRoot).toBe(cert.asset.contentRoot);
    const uploads = JSON.parse(run(['uploads', '1', '--json']).stdout) as { items: { relPath: string | null; source: string }[] };
    expect(uploads.items.filter((u) => u.relPath !== null).map((u) => u.source)).toEqual(['reused', 'reused']);
  });
});
