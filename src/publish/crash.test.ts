import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliSandbox } from '../test-support/cli-sandbox';
import { RegistryClient } from '../chain/client';
import type { Certificate } from '../chain/certificate';
import { startAnvil } from '../sandbox/anvil';
import { startStorageNode } from '../sandbox/storage-node';

// The backend is killed (SIGKILL, via the pipeline's fault points) at each stage of a
// publication; the next run finishes it with exactly one registration and one upload per file.
describe('publish survives a crash at every stage', () => {
  const { run, dir, dataDir } = useCliSandbox('crash');

  for (const point of ['publish:after-prepare', 'publish:after-tx-saved', 'publish:after-broadcast', 'publish:after-register', 'publish:after-uploads', 'publish:after-metadata', 'publish:before-certificate']) {
    it(`killed at ${point}`, async () => {
      const folder = join(dir(), 'set');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'a.bin'), randomBytes(40_000));
      writeFileSync(join(folder, 'b.txt'), `file b ${point}`);
      expect(run(['wallet', 'create']).status).toBe(0);
      const asset = JSON.parse(run(['add', folder, '--json']).stdout) as { id: number };
      expect(run(['storage', 'fund', '--ether', '0.01']).status).toBe(0);

      const killed = run(['publish', String(asset.id), '--wait'], { ATIVO_FAULT: point });
      expect(killed.signal).toBe('SIGKILL');

      const done = run(['publish', String(asset.id), '--wait', '--json']);
      expect(done.stderr).toBe('');
      const cert = JSON.parse(done.stdout) as Certificate;

      const uploads = JSON.parse(run(['uploads', String(asset.id), '--json']).stdout) as { items: { relPath: string | null; source: string }[] };
      expect(uploads.items.map((u) => u.relPath).sort()).toEqual(['a.bin', 'b.txt']); // one upload per file
      const sb = await startAnvil({ dataDir: join(dataDir(), 'sandbox') });
      const node = await startStorageNode({ dataDir: join(dataDir(), 'sandbox', 'storage'), rpcUrl: sb.rpcUrl });
      try {
        const registry = await RegistryClient.open(sb.conn, cert.chain.registry);
        expect(await registry.tokenCount()).toBe(1n); // exactly one registration
        const registered = (await registry.events(0)).filter((e) => e.name === 'Registered');
        expect(registered).toHaveLength(1);
        expect(registered[0]?.transactionHash).toBe(cert.chain.txHash);
        expect((await registry.asset(1n))?.manifestId).toBe(cert.storage.manifestId);
        // Exactly the items the registration names were stored, once: two files and the manifest.
        const query = 'query { transactions(tags: [{ name: "App-Name", values: ["Ativo"] }], limit: 100) { edges { node { id tags { name value } } } } }';
        const res = (await (await fetch(`${node.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json()) as { data: { transactions: { edges: { node: { id: string; tags: { name: string }[] } }[] } } };
        // The public metadata (issue 16): stored once, never paid twice, named in the certificate.
        const isMetadata = (n: { tags: { name: string }[] }): boolean => n.tags.some((t) => t.name === 'Ativo-Metadata-Root');
        const meta = res.data.transactions.edges.filter((e) => isMetadata(e.node)).map((e) => e.node.id);
        const m = (cert.storage as { metadata?: { id: string; croissantId?: string } }).metadata;
        expect(new Set(meta)).toEqual(new Set([m?.id, m?.croissantId]));
        expect(meta).toHaveLength(2);
        const ids = res.data.transactions.edges.filter((e) => !isMetadata(e.node)).map((e) => e.node.id);
        expect(ids).toHaveLength(3);
        expect(ids).toContain(cert.storage.manifestId);
        expect(new Set((cert.storage.receipts as { id: string }[]).map((r) => r.id))).toEqual(new Set(ids));
      } finally {
        await node.stop();
        await sb.stop();
      }
    });
  }
});
