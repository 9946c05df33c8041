/**
 * Issue 12, a hole in "nothing private in the clear": a private publication that failed before
 * its certificate (here: killed just after its registration was mined, then cancelled) left no
 * certificate, so the asset had no "previous terms" and publishing it again without terms made
 * it public: its files were uploaded in plaintext, under the encrypted file list it had
 * registered. Now the terms of the last attempt stand, and what it prepared is adopted only when
 * its encryption matches.
 *
 * And a file list registered on chain whose staged copy is lost before it is stored: a public
 * one is written again (the same item id), a private one (encrypted, it cannot be made again)
 * fails with a sentence saying what to do; neither is silently replaced by another id.
 *
 * Real parts: the `ativo` CLI (killed by the pipeline's fault point, SIGKILL), the backend on the
 * same data dir, the keychain, the sandbox anvil and storage node over HTTP.
 * Run under `bash .ci/with-keyring.sh npx vitest run src/publish/retry-private.test.ts`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../api/backend';
import type { Certificate } from '../chain/certificate';
import { RegistryClient } from '../chain/client';
import { startAnvil } from '../sandbox/anvil';
import { startStorageNode } from '../sandbox/storage-node';
import { allStoredItems, rawItem } from '../test-support/backend-sandbox';
import { useCliSandbox } from '../test-support/cli-sandbox';
import { coreutilsRoot } from '../test-support/fs';
import { isEncryptedManifest } from './manifest';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A version's public metadata items (issue 16): public by design, checked apart in inTheClear. */
const isMetadata = (n: { tags: { name: string }[] }): boolean => n.tags.some((t) => t.name === 'Ativo-Metadata-Root');
/** The node's items but the public metadata: the files and file lists. */
const storedFiles = async (url: string): Promise<Awaited<ReturnType<typeof allStoredItems>>> => (await allStoredItems(url)).filter((n) => !isMetadata(n));

/** What of a private asset is readable on the node: its content root, names, hashes or first bytes in any item's tags or bytes, or an item without the encryption marker. */
async function inTheClear(url: string, folder: string, files: Record<string, Buffer>): Promise<string[]> {
  const secrets = new Map<string, string>([[coreutilsRoot(folder), 'the content root']]);
  for (const [rel, bytes] of Object.entries(files)) {
    secrets.set(sha256(bytes), `the sha256 of ${rel}`);
    secrets.set(rel, `the name ${rel}`);
    secrets.set(bytes.subarray(0, 24).toString('latin1'), `the first bytes of ${rel}`);
  }
  const found: string[] = [];
  // The public metadata names the content root (public on chain already), never a file.
  for (const n of (await allStoredItems(url)).filter(isMetadata)) {
    const raw = await rawItem(url, n.id);
    for (const [secret, what] of secrets) if (what !== 'the content root' && raw.includes(Buffer.from(secret, 'latin1'))) found.push(`${what} in the public metadata ${n.id}`);
  }
  for (const n of await storedFiles(url)) {
    const raw = await rawItem(url, n.id);
    const tags = n.tags.map((t) => `${t.name}=${t.value}`).join('\n');
    if (!n.tags.some((t) => t.name === 'Ativo-Encryption')) found.push(`item ${n.id} is not encrypted`);
    for (const [secret, what] of secrets) {
      if (tags.includes(secret)) found.push(`${what} in the tags of ${n.id}`);
      if (raw.includes(Buffer.from(secret, 'latin1'))) found.push(`${what} in the bytes of ${n.id}`);
    }
  }
  return found;
}

describe('a private publication that failed before its certificate stays private when published again', () => {
  const { run, dir, dataDir, keychainPrefix } = useCliSandbox('retry-private');

  /** A publication that dies right after its registration is mined, then is cancelled by the person (it never gets its certificate). */
  const attemptDiesRegistered = async (assetId: number, visibility: 'private' | 'public' = 'private'): Promise<void> => {
    const killed = run(['publish', String(assetId), `--${visibility}`, '--wait'], { ATIVO_FAULT: 'publish:after-register' });
    expect(killed.signal).toBe('SIGKILL');
    // (the queue paused first, so the restarted runner does not resume it).
    const idle = await createBackend({ dataDir: dataDir(), keychainPrefix: keychainPrefix(), keystoreScryptN: 1024, runJobs: false });
    await idle.call('jobs.pauseAll', {});
    await idle.close();
    const b = await createBackend({ dataDir: dataDir(), keychainPrefix: keychainPrefix(), keystoreScryptN: 1024 });
    try {
      const job = (await b.call('jobs.list', { kind: 'publish', limit: 10 })).items[0];
      expect(job?.state).toMatch(/queued|waiting|paused/);
      await b.call('jobs.cancel', { id: job?.id ?? 0 });
      await b.call('jobs.resumeAll', {});
    } finally {
      await b.close();
    }
  };
  const publishDefaults = async (assetId: number) => {
    const b = await createBackend({ dataDir: dataDir(), keychainPrefix: keychainPrefix(), keystoreScryptN: 1024, runJobs: false });
    try {
      return await b.call('assets.publishDefaults', { id: assetId });
    } finally {
      await b.close();
    }
  };
  const node = async <T>(fn: (url: string) => Promise<T>): Promise<T> => {
    const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
    const n = await startStorageNode({ dataDir: join(dataDir(), 'sandbox', 'storage'), rpcUrl: sb.rpcUrl });
    try {
      return await fn(n.url);
    } finally {
      await n.stop();
      await sb.stop();
    }
  };

  it('killed after its registration and cancelled, then published again without terms: private, nothing plaintext on the node', { timeout: 300_000 }, async () => {
    const folder = join(dir(), 'Heron survey');
    mkdirSync(join(folder, 'nests'), { recursive: true });
    const files: Record<string, Buffer> = { 'nests/heron-colony-gps.csv': Buffer.from(`lat,lon\n${randomBytes(8).toString('hex')}\n`), 'heron-photos.bin': randomBytes(50_000) };
    for (const [rel, bytes] of Object.entries(files)) writeFileSync(join(folder, rel), bytes);
    expect(run(['wallet', 'create']).status).toBe(0);
    const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);

    await attemptDiesRegistered(asset.id);
    expect((await publishDefaults(asset.id)).previous?.visibility).toBe('private');

    // Published again, no terms given: the last attempt's terms (private) stand.
    const again = run(['publish', String(asset.id), '--wait', '--json']);
    expect(again.stderr).toBe('');
    const cert = JSON.parse(again.stdout) as Certificate;

    await node(async (url) => {
      const items = await storedFiles(url);
      expect(items).toHaveLength(3); // two files and the file list, each once
      expect(isEncryptedManifest(await rawItem(url, cert.storage.manifestId))).toBe(true);
      expect(await inTheClear(url, folder, files)).toEqual([]);
    });
  });

  it('made public explicitly after that: refused at the registration, with a sentence; nothing is uploaded; private again works', { timeout: 300_000 }, async () => {
    const folder = join(dir(), 'Otter survey');
    mkdirSync(folder, { recursive: true });
    const files: Record<string, Buffer> = { 'otter-holts.csv': Buffer.from(`holt,lat,lon\n${randomBytes(8).toString('hex')}\n`) };
    for (const [rel, bytes] of Object.entries(files)) writeFileSync(join(folder, rel), bytes);
    expect(run(['wallet', 'create']).status).toBe(0);
    const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);
    await attemptDiesRegistered(asset.id);

    const pub = run(['publish', String(asset.id), '--public', '--wait']);
    expect(pub.status).not.toBe(0);
    expect(pub.stderr).toMatch(/is registered already \(asset #1\) by an earlier publication made as private, whose file list is encrypted, so this exact content cannot be published as public: publish it as private, or change the folder and publish it again as a new version\./);
    await node(async (url) => {
      expect(await allStoredItems(url)).toEqual([]);
    });

    const priv = run(['publish', String(asset.id), '--private', '--wait', '--json']);
    expect(priv.stderr).toBe('');
    const cert = JSON.parse(priv.stdout) as Certificate;
    expect(cert.chain.tokenId).toBe('1');
    await node(async (url) => {
      expect(await storedFiles(url)).toHaveLength(2);
      expect(await inTheClear(url, folder, files)).toEqual([]);
    });
  });

  /** The staged copies of prepared file lists (the bytes kept until they are stored), removed. */
  const loseStagedManifests = (): string[] => {
    const gone: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.startsWith('manifest-')) {
          rmSync(join(d, e.name));
          gone.push(e.name);
        }
      }
    };
    walk(dataDir());
    return gone;
  };

  it('a public file list registered, its staged copy then lost: written again, the same item, the same registered id', { timeout: 300_000 }, async () => {
    const folder = join(dir(), 'Bird calls');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'calls.csv'), `species,call\nwren,${randomBytes(6).toString('hex')}\n`);
    expect(run(['wallet', 'create']).status).toBe(0);
    const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);
    await attemptDiesRegistered(asset.id, 'public');
    expect(loseStagedManifests()).toHaveLength(1);

    const again = run(['publish', String(asset.id), '--wait', '--json']);
    expect(again.stderr).toBe('');
    const cert = JSON.parse(again.stdout) as Certificate;
    await node(async (url) => {
      expect(JSON.parse((await rawItem(url, cert.storage.manifestId)).toString('utf8'))).toMatchObject({ manifest: 'arweave/paths', paths: { 'calls.csv': {} } });
      expect(await storedFiles(url)).toHaveLength(2);
    });
    const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
    try {
      const registry = await RegistryClient.open(sb.conn, cert.chain.registry);
      expect((await registry.asset(1n))?.manifestId).toBe(cert.storage.manifestId);
      expect(await registry.tokenCount()).toBe(1n);
    } finally {
      await sb.stop();
    }
  });

  it('a private file list registered, its encrypted copy then lost: a sentence saying what to do, no other file list made', { timeout: 300_000 }, async () => {
    const folder = join(dir(), 'Bat roosts');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'roosts.csv'), `roost,count\n${randomBytes(6).toString('hex')},12\n`);
    expect(run(['wallet', 'create']).status).toBe(0);
    const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };
    expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);
    await attemptDiesRegistered(asset.id);
    expect(loseStagedManifests()).toHaveLength(1);

    const again = run(['publish', String(asset.id), '--wait']);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(
      /The file list of this publication \(item \S+\) is registered on chain, but its encrypted copy kept on this computer is gone, and it cannot be made again: encryption differs each time\. Change the folder \(add, edit or remove a file\) and publish it again as a new version\./,
    );
    expect(loseStagedManifests()).toEqual([]); // no other file list was prepared
    await node(async (url) => {
      expect(await allStoredItems(url)).toEqual([]);
    });
  });
});

