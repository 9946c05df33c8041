/**
 * The public metadata document, the Croissant JSON-LD, the model-card fields and the CITATION.cff
 * export, built from real fixture folders.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCitation, writeCitation } from './cff';
import { CROISSANT_CONFORMS_TO, CROISSANT_CONTEXT, toCroissant } from './croissant';
import { buildMetadata, decodeMetadata, encodeMetadata, type MetadataInput } from './document';
import { readFolderMetadata } from './folder';
import { modelCardFrontMatter } from './model-card';
import { parseReadme } from './readme';

const ROOT = 'ab'.repeat(32);
const PREV = 'cd'.repeat(32);
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ativo-meta-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CFF = `cff-version: 1.2.0
message: Cite me
title: Bird calls
license: CC-BY-4.0
authors:
  - given-names: Ada
    family-names: Lovelace
    orcid: https://orcid.org/0000-0002-1825-0097
    affiliation: Analytical Engines Ltd
  - given-names: Ludwig
    name-particle: van der
    family-names: Waals
  - name: The Birdsong Collective
`;

async function datasetInput(): Promise<MetadataInput> {
  await writeFile(join(dir, 'README.md'), '# Bird calls\n\nRecordings of bird calls from the Atlantic forest.\n');
  await writeFile(join(dir, 'CITATION.cff'), CFF);
  const folder = await readFolderMetadata(dir);
  return { name: 'Bird calls', kind: 'dataset', size: 123456, fileCount: 42, version: 2, contentRoot: ROOT, previous: { tokenId: '7', contentRoot: PREV }, folder };
}

describe('public metadata document', () => {
  it('is built from the folder, validated, and encoded as canonical JSON that decodes back', async () => {
    const m = buildMetadata({ ...(await datasetInput()), contact: 'ada@example.org' });
    expect(m).toMatchObject({
      schema: 'ativo.metadata/1',
      name: 'Bird calls',
      kind: 'dataset',
      description: 'Recordings of bird calls from the Atlantic forest.',
      license: { spdx: 'CC-BY-4.0', url: 'https://spdx.org/licenses/CC-BY-4.0.html' },
      size: 123456,
      fileCount: 42,
      version: 2,
      previous: { tokenId: '7', contentRoot: PREV },
      contact: 'ada@example.org',
      contentRoot: ROOT,
    });
    expect(m.contributors[0]).toEqual({ name: 'Ada Lovelace', role: 'author', orcid: '0000-0002-1825-0097' });
    const bytes = encodeMetadata(m);
    const text = new TextDecoder().decode(bytes);
    expect(text.startsWith('{"contact":"ada@example.org","contentRoot":')).toBe(true); // keys sorted (RFC 8785)
    expect(decodeMetadata(bytes)).toEqual(m);
    // Deterministic: the same inputs give the same bytes.
    expect(encodeMetadata(buildMetadata({ ...(await datasetInput()), contact: 'ada@example.org' }))).toEqual(bytes);
  });

  it("the creator's edits win over the folder, and custom license text becomes LicenseRef-", async () => {
    const m = buildMetadata({ ...(await datasetInput()), overrides: { description: 'Edited.', license: 'other', licenseName: 'Birdsong Research v1', licenseUrl: 'https://example.org/l' } });
    expect(m.description).toBe('Edited.');
    expect(m.license).toEqual({ spdx: 'LicenseRef-Birdsong-Research-v1', url: 'https://example.org/l' });
    const noLicense = buildMetadata({ name: 'x', kind: 'other', size: 0, fileCount: 0, version: 1, contentRoot: ROOT });
    expect(noLicense.license.spdx).toBe('LicenseRef-all-rights-reserved');
    const hf = buildMetadata({ name: 'x', kind: 'model', size: 0, fileCount: 0, version: 1, contentRoot: ROOT, overrides: { license: 'gpl-3.0' } });
    expect(hf.license.spdx).toBe('GPL-3.0-only');
  });

  it('refuses hostile values with a plain sentence', () => {
    const base = { name: 'x', kind: 'dataset' as const, size: 1, fileCount: 1, version: 1, contentRoot: ROOT };
    expect(() => buildMetadata({ ...base, contact: 'javascript:alert(1)' })).toThrow(
      'The public description of this asset is not valid (the contact must be an email address or an https link). Edit it and try again.',
    );
    expect(() => buildMetadata({ ...base, contentRoot: 'zz' })).toThrow(/content fingerprint is malformed/);
    expect(() => buildMetadata({ ...base, name: ' ' })).toThrow(/name must be 1 to 200 characters/);
    // A license link that is not http(s) is dropped, never published.
    expect(buildMetadata({ ...base, overrides: { license: 'other', licenseName: 'mine', licenseUrl: 'file:///etc/passwd' } }).license).toEqual({ spdx: 'LicenseRef-mine', url: '' });
  });

  it('decoding refuses a tampered, non-canonical or oversized document', async () => {
    const bytes = encodeMetadata(buildMetadata(await datasetInput()));
    const text = new TextDecoder().decode(bytes);
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(() => decodeMetadata(enc(text.replace('"size":123456', '"size":-1')))).toThrow(/not in the expected form/);
    expect(() => decodeMetadata(enc(JSON.stringify(JSON.parse(text), null, 2)))).toThrow(/not in the expected form/);
    expect(() => decodeMetadata(enc(text.replace('{', '{"extra":1,')))).toThrow(/not in the expected form/);
    expect(() => decodeMetadata(new Uint8Array(300 * 1024))).toThrow(/too large/);
    expect(() => decodeMetadata(enc('{'))).toThrow('This asset description is unreadable. Ask the owner to publish it again.');
  });
});

/** Croissant 1.0 required properties (spec, "Dataset-level information" and "FileObject"). */
const REQUIRED_DATASET = ['@context', '@type', 'conformsTo', 'name', 'description', 'license', 'url', 'creator', 'datePublished'];
const REQUIRED_FILE_OBJECT = ['@type', '@id', 'name', 'contentUrl', 'encodingFormat', 'sha256'];
/** schema.org properties used through the context's @vocab. */
const SCHEMA_ORG = new Set(['name', 'description', 'license', 'url', 'version', 'datePublished', 'creator', 'distribution', 'keywords', 'identifier', 'contentUrl', 'contentSize', 'encodingFormat', 'sha256']);

/** Expands a compacted term with the document's context: a term, a `prefix:` IRI, or @vocab. */
function expandTerm(ctx: Record<string, unknown>, term: string): string {
  const def = ctx[term];
  const id = typeof def === 'string' ? def : typeof def === 'object' && def !== null ? (def as { '@id': string })['@id'] : undefined;
  const compact = id ?? term;
  const m = /^([a-z]+):(.+)$/.exec(compact);
  if (m && !compact.startsWith('http')) {
    const prefix = ctx[m[1] ?? ''];
    if (typeof prefix !== 'string') throw new Error(`undefined prefix in ${compact}`);
    return prefix + (m[2] ?? '');
  }
  if (id) return id;
  if (!SCHEMA_ORG.has(term)) throw new Error(`${term} is neither a context term nor a schema.org property used here`);
  return `${String(ctx['@vocab'])}${term}`;
}

function expandAll(ctx: Record<string, unknown>, node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) for (const n of node) expandAll(ctx, n, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === '@context') continue;
      if (k === '@type') out.add(`@type=${expandTerm(ctx, String(v))}`);
      else if (!k.startsWith('@')) out.add(expandTerm(ctx, k));
      expandAll(ctx, v, out);
    }
  }
}

describe('Croissant JSON-LD', () => {
  it('has the Croissant 1.0 context and required fields, and every term expands through the context', async () => {
    const m = buildMetadata(await datasetInput());
    const doc = toCroissant({ metadata: m, url: 'ativo://asset/31337/0x5FbDB2315678afecb367f032d93F642f64180aa3/7', contentUrl: 'http://127.0.0.1:8080/abc', datePublished: '2026-12-03' });
    const json = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
    for (const k of REQUIRED_DATASET) expect(json, k).toHaveProperty([k]);
    expect(json['@context']).toEqual(CROISSANT_CONTEXT);
    expect(json['@type']).toBe('sc:Dataset');
    expect(json.conformsTo).toBe(CROISSANT_CONFORMS_TO);
    expect(json).not.toHaveProperty('recordSet');
    const ctx = json['@context'] as Record<string, unknown>;
    expect(ctx).toMatchObject({ '@vocab': 'https://schema.org/', sc: 'https://schema.org/', cr: 'http://mlcommons.org/croissant/', dct: 'http://purl.org/dc/terms/' });
    const dist = json.distribution as Record<string, unknown>[];
    expect(dist).toHaveLength(1);
    for (const k of REQUIRED_FILE_OBJECT) expect(dist[0], k).toHaveProperty([k]);
    expect(dist[0]?.sha256).toBe(ROOT);
    const iris = new Set<string>();
    expandAll(ctx, json, iris);
    expect(iris).toContain('@type=https://schema.org/Dataset');
    expect(iris).toContain('@type=http://mlcommons.org/croissant/FileObject');
    expect(iris).toContain('http://purl.org/dc/terms/conformsTo');
    expect(iris).toContain('https://schema.org/sha256');
    expect(json.creator).toEqual([
      { '@type': 'sc:Person', name: 'Ada Lovelace', identifier: 'https://orcid.org/0000-0002-1825-0097' },
      { '@type': 'sc:Person', name: 'Ludwig van der Waals' },
      { '@type': 'sc:Person', name: 'The Birdsong Collective' },
    ]);
    expect(json.license).toBe('https://spdx.org/licenses/CC-BY-4.0.html');
  });
});

describe('Hugging Face model-card fields', () => {
  it('round-trip through README front matter', async () => {
    await writeFile(join(dir, 'README.md'), '---\nlicense: apache-2.0\nbase_model: meta-llama/Llama-3.1-8B\ndatasets: [a/b, c/d]\n---\nA fine-tuned model.\n');
    const m = buildMetadata({ name: 'Tuned', kind: 'model', size: 9, fileCount: 1, version: 1, contentRoot: ROOT, folder: await readFolderMetadata(dir) });
    const card = modelCardFrontMatter(m);
    expect(parse(card.split('---\n')[1] ?? '')).toEqual({ license: 'apache-2.0', base_model: ['meta-llama/Llama-3.1-8B'], datasets: ['a/b', 'c/d'] });
    expect(parseReadme(`${card}Body.\n`).frontMatter).toMatchObject({ license: 'apache-2.0', base_model: ['meta-llama/Llama-3.1-8B'], datasets: ['a/b', 'c/d'] });
    const custom = buildMetadata({ ...m, name: 'Tuned', kind: 'model', size: 9, fileCount: 1, version: 1, contentRoot: ROOT, overrides: { license: 'other', licenseName: 'llama3', licenseUrl: 'https://llama.meta.com/llama3/license' } });
    expect(parse(modelCardFrontMatter(custom).split('---\n')[1] ?? '')).toEqual({ license: 'other', license_name: 'llama3', license_link: 'https://llama.meta.com/llama3/license' });
  });
});

describe('CITATION.cff export', () => {
  it('a dataset with a CITATION.cff round-trips its authors', async () => {
    const input = await datasetInput();
    const m = buildMetadata(input);
    const cff = writeCitation({ title: m.name, version: String(m.version), license: m.license.spdx, authors: input.folder?.contributors ?? [], contentRoot: m.contentRoot, assetUri: 'ativo://asset/31337/0x5FbDB2315678afecb367f032d93F642f64180aa3/7', kind: 'dataset' });
    const back = parseCitation(cff);
    expect(back.authors).toEqual(parseCitation(CFF).authors);
    expect(back.authors.map((a) => a.name)).toEqual(['Ada Lovelace', 'Ludwig van der Waals', 'The Birdsong Collective']);
    const y = parse(cff) as Record<string, unknown>;
    expect(y['cff-version']).toBe('1.2.0');
    expect(y.type).toBe('dataset');
    expect(y.identifiers).toEqual([
      { type: 'other', value: `sha256:${ROOT}`, description: 'The content root of this version (Ativo).' },
      { type: 'url', value: 'ativo://asset/31337/0x5FbDB2315678afecb367f032d93F642f64180aa3/7', description: 'The registered asset on chain (Ativo).' },
    ]);
    expect((y.authors as Record<string, string>[])[1]).toEqual({ 'given-names': 'Ludwig', 'family-names': 'van der Waals' });
  });
});
