/**
 * `ativo publish <folder>` (issue 14): a folder is catalogued (or rescanned, when it is already
 * an asset) and published, through the real CLI, keychain, sandbox chain and storage node.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../test-support/cli-sandbox';
import { coreutilsRoot } from '../test-support/fs';

describe('ativo publish <folder>', () => {
  const { run, dir } = useCliSandbox('publish-folder');

  it('adds the folder and publishes it; the same folder again is the same asset, already certified; a missing one is a clear refusal', { timeout: 300_000 }, () => {
    const folder = join(dir(), 'Field notes');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'notes.txt'), 'Day 1: rain.\n');
    expect(run(['wallet', 'create']).status).toBe(0);
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);

    const first = run(['publish', folder, '--wait', '--json']);
    expect(first.status, first.stderr).toBe(0);
    const cert = JSON.parse(first.stdout) as { asset: { name: string; contentRoot: string } };
    expect(cert.asset).toMatchObject({ name: 'Field notes', contentRoot: coreutilsRoot(folder) });
    const list = JSON.parse(run(['list', '--json']).stdout) as { id: number; name: string }[] | { items: { id: number; name: string }[] };
    const items = Array.isArray(list) ? list : list.items;
    expect(items.map((a) => a.name)).toEqual(['Field notes']);

    const again = run(['publish', folder]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain(`Publishing Field notes (asset #${items[0]?.id ?? 0}) from ${folder}.`);
    expect(again.stdout).toMatch(/Already certified: .*unchanged since version 1/);

    const missing = run(['publish', join(dir(), 'nowhere')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/is neither an asset id nor a folder that exists: give an asset id \(see ativo list\) or a folder to publish/);
  });
});
