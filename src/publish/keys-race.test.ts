/**
 * Issue 12: two Ativo processes (the app and a CLI command, say) asking for the same new version
 * key at once must end up with ONE key: the one the catalog records is the one the keychain keeps,
 * and both are told that one. Real catalog file, real keychain, two child processes.
 * Run under `bash .ci/with-keyring.sh npx vitest run src/publish/keys-race.test.ts`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/db';
import { recipientOf } from '../crypto/age';
import { tempDir } from '../test-support/fs';
import { Keychain } from '../vault/keychain';
import { requireKeychain, uniquePrefix } from '../vault/test-support';
import { Vault } from '../vault/vault';
import { VersionKeys, versionKeyName } from './keys';

const WORKER = fileURLToPath(new URL('./fixtures/version-key-worker.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ROOTS = Array.from({ length: 8 }, (_, i) => createHash('sha256').update(`race ${i}`).digest('hex'));

function worker(catalogPath: string, prefix: string, assetId: number, startAt: number): Promise<{ recipients?: Record<string, string>; error?: string; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, catalogPath, prefix, String(assetId), String(startAt), ...ROOTS], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => {
    child.on('exit', () => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      resolve({ ...(line ? (JSON.parse(line) as { recipients?: Record<string, string>; error?: string }) : {}), out });
    });
  });
}

describe('version keys created by two processes at once', () => {
  const dir = tempDir('ativo-keys-race-');
  const catalogPath = join(dir.path, 'catalog.sqlite');
  const prefix = uniquePrefix('keysrace');
  let vault: Vault;
  let assetId: number;
  beforeAll(async () => {
    await requireKeychain(new Keychain({ prefix: 'ativo-probe' }));
    vault = new Vault({ servicePrefix: prefix, keystoreScryptN: 1024 });
    const c = Catalog.open(catalogPath);
    assetId = c.assets.insert({ kind: 'dataset', name: 'Raced', rootPath: join(dir.path, 'raced') }, new Date().toISOString());
    c.close();
  });
  afterAll(async () => {
    const c = Catalog.open(catalogPath);
    const asset = c.assets.get(assetId);
    c.close();
    if (asset) {
      const kc = new Keychain({ prefix });
      for (const { account } of await kc.list('asset-identity').catch(() => [])) await kc.delete('asset-identity', account).catch(() => false);
      for (const root of ROOTS) await vault.removeAssetIdentity(versionKeyName(asset, root)).catch(() => false);
    }
    dir.cleanup();
  });

  it('both processes get the same recipient for each version, and the keychain keeps exactly that key', async () => {
    // Both start at the same moment, after their (slow) imports are done.
    const startAt = Date.now() + 4000;
    const [a, b] = await Promise.all([worker(catalogPath, prefix, assetId, startAt), worker(catalogPath, prefix, assetId, startAt)]);
    expect(a.error, a.out).toBeUndefined();
    expect(b.error, b.out).toBeUndefined();
    expect(b.recipients).toEqual(a.recipients);
    const c = Catalog.open(catalogPath);
    try {
      const keys = new VersionKeys(c, vault);
      for (const root of ROOTS) {
        const recorded = c.versionKeys.get(assetId, root)?.recipient;
        expect(recorded).toBe(a.recipients?.[root]);
        // What encrypts the version's files is what opens them: the keychain keeps that key.
        const identity = await keys.identity(assetId, root);
        expect(identity).not.toBeNull();
        expect(await recipientOf(identity ?? '')).toBe(recorded);
      }
      // Nothing left behind but one key per version (the losers' proposals are removed).
      const kc = new Keychain({ prefix });
      const names = (await kc.list('asset-identity')).map((e) => e.account);
      expect(names.filter((n) => n.includes('~'))).toEqual([]);
    } finally {
      c.close();
    }
  }, 90_000);
});
