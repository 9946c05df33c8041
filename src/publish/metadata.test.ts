/**
 * Issue 16: every version stores its public metadata beside the manifest once registered,
 * found on the node by its content root's tag, named in the certificate; datasets also store a
 * Croissant JSON-LD that validates (context and required fields); authors round-trip through a
 * CITATION.cff export. A private asset's metadata is public but names none of its files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCitation, writeCitation } from '../metadata/cff';
import { decodeMetadata } from '../metadata/document';
import { checkCroissant } from '../metadata/croissant-check';
import { rawItem, until, useBackendSandbox } from '../test-support/backend-sandbox';
import { coreutilsRoot } from '../test-support/fs';
import { CROISSANT_TYPE, METADATA_ROOT_TAG, METADATA_TYPE } from './metadata';

interface Node {
  id: string;
  address: string;
  tags: { name: string; value: string }[];
}

async function byRoot(url: string, root: string): Promise<Node[]> {
  const query = `query { transactions(tags: [{ name: "${METADATA_ROOT_TAG}", values: ["${root}"] }], limit: 100) { edges { node { id address tags { name value } } } } }`;
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return ((await res.json()) as { data: { transactions: { edges: { node: Node }[] } } }).data.transactions.edges.map((e) => e.node);
}

/** The item's data: /raw serves the whole signed item; the data is its tail (the node's /<id> serves the data alone). */
async function data(url: string, id: string): Promise<Buffer> {
  const res = await fetch(`${url}/${id}`);
  if (!res.ok) throw new Error(`GET /${id}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

const CFF = `cff-version: 1.2.0
message: Cite it
title: Meadow birds
authors:
  - given-names: Ada
    family-names: Lovelace
    orcid: https://orcid.org/0000-0002-1825-0097
  - name: The Meadow Collective
`;

describe('public metadata published with every version (sandbox backend, real keychain)', () => {
  const sb = useBackendSandbox('metadata');

  it('a public dataset: metadata and Croissant on the node by tag, named in the certificate; authors round-trip', { timeout: 300_000 }, async () => {
    const b = sb.backend();
    const folder = join(sb.dir(), 'Meadow birds');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'README.md'), '# Meadow birds\n\nSong recordings of **meadow birds** at dawn, one file per bird.\n\nMore below.\n');
    writeFileSync(join(folder, 'CITATION.cff'), CFF);
    writeFileSync(join(folder, 'calls.csv'), 'file,bird\n1.wav,lark\n');
    const wallet = await b.call('wallet.create', { label: 'owner' });
    const assetId = await sb.add(folder);
    await b.call('storage.fund', { ether: '0.01' });
    await sb.publish(assetId, 'public');
    const url = (await b.call('chain.status', {})).storageUrl ?? '';
    const root = coreutilsRoot(folder);

    const items = await byRoot(url, root);
    const meta = items.filter((n) => n.tags.some((t) => t.name === 'Type' && t.value === METADATA_TYPE));
    const croissant = items.filter((n) => n.tags.some((t) => t.name === 'Type' && t.value === CROISSANT_TYPE));
    expect(meta).toHaveLength(1);
    expect(croissant).toHaveLength(1);
    expect(meta[0]?.address).toBe(wallet.address.toLowerCase()); // signed by the registrant

    const m = decodeMetadata(await data(url, meta[0]?.id ?? ''));
    expect(m).toMatchObject({
      name: 'Meadow birds',
      kind: 'dataset',
      description: 'Song recordings of meadow birds at dawn, one file per bird.',
      license: { spdx: 'CC-BY-4.0' },
      contentRoot: root,
      version: 1,
      fileCount: 3,
    });
    expect(m.contributors).toEqual([
      { name: 'Ada Lovelace', role: 'author', orcid: '0000-0002-1825-0097' },
      { name: 'The Meadow Collective', role: 'author' },
    ]);

    const cert = (await b.call('assets.certificate', { id: assetId })).certificate as { storage: { metadata?: { id: string; croissantId?: string } }; chain: { tokenId: string } };
    expect(cert.storage.metadata).toEqual({ id: meta[0]?.id, croissantId: croissant[0]?.id });

    const ld = JSON.parse((await data(url, croissant[0]?.id ?? '')).toString('utf8')) as Record<string, unknown>;
    expect(checkCroissant(ld)).toEqual([]);
    expect(ld.distribution).toMatchObject([{ sha256: root }]);
    expect(String(ld.url)).toMatch(new RegExp(`/${cert.chain.tokenId}$`));

    // The CITATION.cff export of the published metadata gives the same authors back.
    const cff = writeCitation({ title: m.name, version: String(m.version), license: m.license.spdx, authors: m.contributors, contentRoot: m.contentRoot, kind: m.kind });
    expect(parseCitation(cff).authors.map((a) => ({ name: a.name, orcid: a.orcid }))).toEqual([
      { name: 'Ada Lovelace', orcid: '0000-0002-1825-0097' },
      { name: 'The Meadow Collective', orcid: undefined },
    ]);
    // The raw item holds the owner's signature over it (what the node verified).
    expect((await rawItem(url, meta[0]?.id ?? '')).length).toBeGreaterThan(m.name.length);
  });

  it('a private asset: its metadata is public (with the creator’s description) and names none of its files', { timeout: 300_000 }, async () => {
    const b = sb.backend();
    const folder = join(sb.dir(), 'Hidden falcon');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'README.md'), '# Falcon\n\nInternal notes about falcon-secret-wing.\n');
    writeFileSync(join(folder, 'falcon-secret-wing.step'), 'solid wing\n');
    const assetId = await sb.add(folder);
    const { jobId } = await b.call('assets.publish', { id: assetId, visibility: 'private', priceEth: '0.01', description: 'Wing drawings of a falcon, for wind tunnels.' });
    await until('the private publication', async () => {
      const job = (await b.call('jobs.list', { kind: 'publish', limit: 100 })).items.find((j) => j.id === jobId);
      if (job?.state === 'failed') throw new Error(job.error ?? 'failed');
      return job?.state === 'done';
    });
    const url = (await b.call('chain.status', {})).storageUrl ?? '';
    const items = await byRoot(url, coreutilsRoot(folder));
    expect(items.map((n) => n.tags.find((t) => t.name === 'Type')?.value).sort()).toEqual(['croissant', 'metadata']);
    for (const n of items) {
      const bytes = (await data(url, n.id)).toString('utf8');
      expect(bytes).not.toContain('falcon-secret-wing');
      expect(n.tags.some((t) => t.value.includes('falcon-secret-wing'))).toBe(false);
    }
    const m = decodeMetadata(await data(url, items.find((n) => n.tags.some((t) => t.value === METADATA_TYPE))?.id ?? ''));
    expect(m.description).toBe('Wing drawings of a falcon, for wind tunnels.');
  });
});
