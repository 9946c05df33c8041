/**
 * Issue 12, the publishing side of "signed by the wallet that owns the job": a publication
 * prepared by one wallet, interrupted, then resumed while another wallet is in use, must sign
 * what it still has to sign (its file list) with its own wallet, not the one in use. Before, the
 * pipeline asked for the current wallet's storage client, so the file list was signed by the
 * other wallet while the registration and certificate named the first.
 *
 * Real parts: the `ativo` CLI (killed by the pipeline's fault point, SIGKILL), the keychain, the
 * sandbox anvil and storage node over HTTP; each item's signer is derived from the public key the
 * node verified its signature with (its owner field), not from the node's own address field.
 * Run under `bash .ci/with-keyring.sh npx vitest run src/publish/publish-wallet-switch.test.ts`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeAddress, hexlify } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { Certificate } from '../chain/certificate';
import { startAnvil } from '../sandbox/anvil';
import { startStorageNode } from '../sandbox/storage-node';
import { allStoredItems } from '../test-support/backend-sandbox';
import { useCliSandbox } from '../test-support/cli-sandbox';

describe('a publication resumed while another wallet is in use', () => {
  const { run, dir, dataDir } = useCliSandbox('publish-switch');
  const ok = (args: string[]): string => {
    const r = run(args);
    expect(r.stderr, args.join(' ')).toBe('');
    expect(r.status, args.join(' ')).toBe(0);
    return r.stdout;
  };

  it('signs its file list and items with its own wallet; the certificate names it', { timeout: 300_000 }, async () => {
    const folder = join(dir(), 'Kestrel counts');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'counts.csv'), `site,count\n${randomBytes(8).toString('hex')},3\n`);
    writeFileSync(join(folder, 'notes.txt'), randomBytes(2000).toString('hex'));
    const owner = (JSON.parse(ok(['wallet', 'create', '--label', 'owner', '--json'])) as { address: string }).address;
    const asset = JSON.parse(ok(['add', folder, '--json'])) as { id: number };
    ok(['storage', 'fund', '--ether', '0.01']);

    // Prepared (every file's item signed by the owner), then killed.
    const killed = run(['publish', String(asset.id), '--public', '--wait'], { ATIVO_FAULT: 'publish:after-prepare' });
    expect(killed.signal).toBe('SIGKILL');

    // Another wallet is now the one in use, with storage funds of its own.
    const other = (JSON.parse(ok(['wallet', 'create', '--label', 'other', '--json'])) as { address: string }).address;
    ok(['wallet', 'use', other]);
    ok(['sandbox', 'fund', other, '--ether', '1']);
    ok(['storage', 'fund', '--ether', '0.01']);

    // The same publication carries on (the CLI follows or runs the queued job) and finishes.
    const resumed = run(['publish', String(asset.id), '--wait', '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const cert = JSON.parse(resumed.stdout) as Certificate;
    expect(cert.owner.toLowerCase()).toBe(owner.toLowerCase());

    const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
    const n = await startStorageNode({ dataDir: join(dataDir(), 'sandbox', 'storage'), rpcUrl: sb.rpcUrl });
    try {
      const items = await allStoredItems(n.url);
      expect(items.map((i) => i.id)).toContain(cert.storage.manifestId);
      const signers = new Map<string, string>();
      for (const it of items) {
        const tx = (await (await fetch(`${n.url}/tx/${it.id}`)).json()) as { owner: string };
        signers.set(it.id, computeAddress(hexlify(Buffer.from(tx.owner, 'base64url'))).toLowerCase());
      }
      expect(signers.get(cert.storage.manifestId)).toBe(owner.toLowerCase());
      expect([...signers.values()].every((s) => s === owner.toLowerCase())).toBe(true);
    } finally {
      await n.stop();
      await sb.stop();
    }
  });
});
