/**
 * VersionKeys on a real temp catalog and the real keychain (run under .ci/with-keyring.sh).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { generateIdentity, recipientOf } from '../crypto/age';
import { tempDir } from '../test-support/fs';
import { Keychain } from '../vault/keychain';
import { requireKeychain, uniquePrefix } from '../vault/test-support';
import { Vault } from '../vault/vault';
import { VersionKeys, assetKeyName, versionKeyName } from './keys';

const ROOT_A = 'a'.repeat(64);
const ROOT_B = 'b'.repeat(64);
const ROOT_C = 'c'.repeat(64);

describe('one age key per version of a private asset', () => {
  const dir = tempDir('ativo-keys-');
  let catalog: Catalog;
  let vault: Vault;
  const prefix = uniquePrefix('keys');
  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    catalog = Catalog.open(join(dir.path, 'catalog.sqlite'));
    vault = new Vault({ servicePrefix: prefix, keystoreScryptN: 1024 });
  });
  afterAll(async () => {
    for (const a of catalog.assets.list({ limit: 100, offset: 0 }).items) {
      await vault.removeAssetIdentity(assetKeyName(a)).catch(() => false);
      for (const root of [ROOT_A, ROOT_B, ROOT_C]) await vault.removeAssetIdentity(versionKeyName(a, root)).catch(() => false);
    }
    catalog.close();
    dir.cleanup();
  });

  it('a new version gets its own key (one, even when asked at once); a version published before keeps the asset key; a key that is not the recorded one opens nothing', async () => {
    const id = catalog.assets.insert({ kind: 'dataset', name: 'Owls', rootPath: join(dir.path, 'owls') }, new Date().toISOString());
    const asset = catalog.assets.get(id);
    if (!asset) throw new Error('no asset');
    const keys = new VersionKeys(catalog, vault);
    // Version A was published before per-version keys: encrypted to the asset's own key.
    const legacy = await generateIdentity();
    await vault.putAssetIdentity(assetKeyName(asset), legacy.identity);
    expect(await keys.identity(id, ROOT_A)).toBe(legacy.identity);

    const [r1, r2, r3] = await Promise.all([keys.recipient(asset, ROOT_B), keys.recipient(asset, ROOT_B), keys.recipient(asset, ROOT_B)]);
    expect(r2).toBe(r1);
    expect(r3).toBe(r1);
    const b = await keys.identity(id, ROOT_B);
    expect(b).not.toBeNull();
    expect(await recipientOf(b ?? '')).toBe(r1);
    expect(b).not.toBe(legacy.identity);
    expect(catalog.versionKeys.get(id, ROOT_B)?.recipient).toBe(r1);
    expect(await keys.recipient(asset, ROOT_B)).toBe(r1); // asked again: the same key

    const c = await keys.recipient(asset, ROOT_C);
    expect(c).not.toBe(r1);
    expect((await keys.known(id)).map((k) => [k.contentRoot, k.recipient])).toEqual([
      [null, legacy.recipient],
      [ROOT_B, r1],
      [ROOT_C, c],
    ]);

    // The keychain holds another key than the one version C was encrypted to: no key, not the asset's.
    await vault.putAssetIdentity(versionKeyName(asset, ROOT_C), (await generateIdentity()).identity);
    expect(await keys.identity(id, ROOT_C)).toBeNull();
    await expect(keys.recipient(asset, ROOT_C)).rejects.toThrow(/is not the one its files were encrypted to/);
    expect(await keys.identity(id + 1, ROOT_A)).toBeNull(); // no such asset
  });
});
