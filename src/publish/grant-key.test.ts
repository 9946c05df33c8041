/**
 * VersionKeys.grantKey (issue 12): what a grant for one token's version carries is decided by
 * what that version was published with, never by the asset's visibility today, and the asset's
 * own key is handed out only for a version positively published with it. Real temp catalog and
 * the real keychain (run under .ci/with-keyring.sh).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { generateIdentity, recipientOf } from '../crypto/age';
import { tempDir } from '../test-support/fs';
import { Keychain } from '../vault/keychain';
import { requireKeychain, uniquePrefix } from '../vault/test-support';
import { Vault } from '../vault/vault';
import { GrantKeyError, VersionKeys, assetKeyName, versionKeyName, type GrantCertificate } from './keys';

const root = (c: string): string => c.repeat(64);
const BEFORE = '2020-01-01T00:00:00.000Z'; // before per-version keys came to any catalog

describe('the key a grant carries, per published version', () => {
  const dir = tempDir('ativo-grantkey-');
  const prefix = uniquePrefix('grantkey');
  let catalog: Catalog;
  let vault: Vault;
  let keys: VersionKeys;
  let assetId: number;
  let legacy: { identity: string; recipient: string };
  let n = 0;

  /** A version certified on the sandbox whose files were stored with these encryptions (null: plaintext). */
  const certified = (contentRoot: string, encryptions: (string | null)[], createdAt: string): GrantCertificate => {
    const receipts = encryptions.map((encryption) => {
      const id = `item-${++n}`;
      catalog.uploads.record(
        { assetId, relPath: `f${n}.bin`, sha256: n.toString(16).padStart(64, '0'), network: 'sandbox', storageId: id, receipt: null, quotedAtomic: null, chargedAtomic: null, bytes: 1, itemBytes: 1, dataSha256: null, encryption, source: 'uploaded', chargeWarning: null },
        createdAt,
      );
      return { id };
    });
    return { network: 'sandbox', createdAt, document: { asset: { contentRoot }, storage: { receipts: [...receipts, { id: 'manifest-not-counted' }] } } };
  };

  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    catalog = Catalog.open(join(dir.path, 'catalog.sqlite'));
    vault = new Vault({ servicePrefix: prefix, keystoreScryptN: 1024 });
    keys = new VersionKeys(catalog, vault);
    assetId = catalog.assets.insert({ kind: 'dataset', name: 'Herons', rootPath: join(dir.path, 'herons') }, new Date().toISOString());
    const asset = catalog.assets.get(assetId);
    if (!asset) throw new Error('no asset');
    legacy = await generateIdentity();
    await vault.putAssetIdentity(assetKeyName(asset), legacy.identity);
  });
  afterAll(async () => {
    const asset = catalog.assets.get(assetId);
    if (asset) {
      await vault.removeAssetIdentity(assetKeyName(asset)).catch(() => false);
      for (const c of 'abcdef') await vault.removeAssetIdentity(versionKeyName(asset, root(c))).catch(() => false);
    }
    catalog.close();
    dir.cleanup();
  });

  it('a version with its own key: exactly that key (never the asset key), whatever the asset is now', async () => {
    const asset = catalog.assets.get(assetId);
    if (!asset) throw new Error('no asset');
    const r = await keys.recipient(asset, root('a'));
    const got = await keys.grantKey(assetId, root('a'), certified(root('a'), [`age:${r}`], new Date().toISOString()));
    expect(got.kind).toBe('private');
    expect(await recipientOf(got.kind === 'private' ? got.identity : '')).toBe(r);
    expect(got).not.toEqual({ kind: 'private', identity: legacy.identity });
    // Its key gone from the keychain: refused, not the asset's key instead.
    await vault.removeAssetIdentity(versionKeyName(asset, root('a')));
    await expect(keys.grantKey(assetId, root('a'), certified(root('a'), [`age:${r}`], new Date().toISOString()))).rejects.toThrow(/is not in this computer's keychain.*Deny the request/);
  });

  it('a version certified since per-version keys without a key of its own was public: no key at all', async () => {
    expect(await keys.grantKey(assetId, root('b'), certified(root('b'), [null], new Date().toISOString()))).toEqual({ kind: 'public' });
  });

  it('a version published before per-version keys: the asset key only when its files were encrypted to it; public only when they were all plaintext', async () => {
    expect(await keys.grantKey(assetId, root('c'), certified(root('c'), [`age:${legacy.recipient}`, `age:${legacy.recipient}`], BEFORE))).toEqual({ kind: 'private', identity: legacy.identity });
    expect(await keys.grantKey(assetId, root('d'), certified(root('d'), [null, null], BEFORE))).toEqual({ kind: 'public' });
    // Mixed, or encrypted to some other key, or nothing known: refused.
    const other = (await generateIdentity()).recipient;
    await expect(keys.grantKey(assetId, root('e'), certified(root('e'), [`age:${legacy.recipient}`, null], BEFORE))).rejects.toBeInstanceOf(GrantKeyError);
    await expect(keys.grantKey(assetId, root('e'), certified(root('e'), [`age:${other}`], BEFORE))).rejects.toThrow(/cannot tell which key opens/);
    await expect(keys.grantKey(assetId, root('f'), certified(root('f'), [], BEFORE))).rejects.toThrow(/cannot tell which key opens/);
  });

  it('no certificate of that version here, or one of another version: refused', async () => {
    await expect(keys.grantKey(assetId, root('c'), undefined)).rejects.toThrow(/has no certificate of version cccccccccccc… of Herons/);
    await expect(keys.grantKey(assetId, root('c'), certified(root('d'), [`age:${legacy.recipient}`], BEFORE))).rejects.toThrow(/has no certificate/);
    await expect(keys.grantKey(assetId + 99, root('c'), undefined)).rejects.toThrow(/no longer in this catalog/);
  });
});
