/** Reading a real folder's metadata files, including hostile ones. */
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFolderMetadata } from './folder';
import { README_CAP } from './text';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ativo-meta-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CFF = `cff-version: 1.2.0
message: Cite me
title: Bird calls of the Atlantic forest
version: "2.1"
license: CC-BY-4.0
doi: 10.5281/zenodo.1234567
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

describe('readFolderMetadata', () => {
  it('reads the README first paragraph, the Hugging Face front matter, CITATION.cff and CONTRIBUTORS', async () => {
    await writeFile(
      join(dir, 'README.md'),
      `---\nlicense: other\nlicense_name: birdsong-research\nlicense_link: https://example.org/license\nbase_model: [openai/whisper-small]\ndatasets: birds/calls\ntags:\n  - audio\n  - birds\n---\n# Bird calls\n\n[![CI](https://x/badge.svg)](https://x)\n\nRecordings of **4,000** bird calls from the [Atlantic forest](https://example.org),\nlabelled by \`species\`.\n\nSecond paragraph is not the description.\n`,
    );
    await writeFile(join(dir, 'CITATION.cff'), CFF);
    await writeFile(join(dir, 'CONTRIBUTORS'), '# people\nAda Lovelace <ada@example.org>\nGrace Hopper (https://orcid.org/0000-0001-2345-6789)\n\n');
    const m = await readFolderMetadata(dir);
    expect(m.description).toBe('Recordings of 4,000 bird calls from the Atlantic forest, labelled by species.');
    expect(m.frontMatter).toEqual({
      license: 'other',
      license_name: 'birdsong-research',
      license_link: 'https://example.org/license',
      base_model: ['openai/whisper-small'],
      datasets: ['birds/calls'],
      tags: ['audio', 'birds'],
    });
    expect(m.citation?.title).toBe('Bird calls of the Atlantic forest');
    expect(m.citation?.version).toBe('2.1');
    expect(m.citation?.license).toBe('CC-BY-4.0');
    expect(m.citation?.doi).toBe('10.5281/zenodo.1234567');
    expect(m.contributors.map((c) => [c.name, c.role, c.orcid])).toEqual([
      ['Ada Lovelace', 'author', '0000-0002-1825-0097'],
      ['Ludwig van der Waals', 'author', undefined],
      ['The Birdsong Collective', 'author', undefined],
      ['Grace Hopper', 'contributor', '0000-0001-2345-6789'],
    ]);
    expect(m.contributors[0]?.affiliation).toBe('Analytical Engines Ltd');
  });

  it('an empty folder has no metadata, and that is not an error', async () => {
    expect(await readFolderMetadata(dir)).toEqual({ contributors: [] });
  });

  it('a huge README is read only up to its cap, and its first paragraph still found', async () => {
    const big = `Intro paragraph.\n\n${'x'.repeat(1024)}\n`.repeat(2) + 'y'.repeat(README_CAP * 4);
    await writeFile(join(dir, 'README.md'), big);
    expect((await readFolderMetadata(dir)).description).toBe('Intro paragraph.');
    // One endless paragraph: the description is capped, not the whole file.
    await writeFile(join(dir, 'README.md'), 'word '.repeat(README_CAP));
    const d = (await readFolderMetadata(dir)).description ?? '';
    expect(d.length).toBeLessThanOrEqual(2000);
    expect(d.endsWith('…')).toBe(true);
  });

  it('markdown built to make a parser backtrack (unclosed links, badges) stays quick', async () => {
    await writeFile(join(dir, 'README.md'), `${'[![x'.repeat(60_000)}\n\n${'[a '.repeat(80_000)}`);
    const started = Date.now();
    const d = (await readFolderMetadata(dir)).description ?? '';
    expect(d.length).toBeGreaterThan(0);
    expect(d.length).toBeLessThanOrEqual(2000);
    expect(Date.now() - started).toBeLessThan(4000); // quadratic regexes over 256 KB would take minutes
  });

  it('a YAML alias bomb in CITATION.cff is refused with a plain sentence', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    await writeFile(join(dir, 'CITATION.cff'), `${bomb.join('\n')}\nauthors: *l\n`);
    await expect(readFolderMetadata(dir)).rejects.toThrow(/CITATION\.cff repeats references too many times\. Write the values out/);
  });

  it('YAML cannot run code or build objects from tags', async () => {
    await writeFile(join(dir, 'CITATION.cff'), 'title: !!js/function "function(){ process.exit(1) }"\nauthors: []\n');
    // An unknown tag is read as the plain string it holds: never a function.
    expect((await readFolderMetadata(dir)).citation?.title).toBe('function(){ process.exit(1) }');
    await writeFile(join(dir, 'CITATION.cff'), 'title: !!binary aGk=\nauthors: [{ name: !!binary aGk= }]\n');
    expect((await readFolderMetadata(dir)).citation).toEqual({ authors: [], title: undefined, version: undefined, license: undefined, doi: undefined });
    await writeFile(join(dir, 'CITATION.cff'), 'title: [unclosed\n');
    await expect(readFolderMetadata(dir)).rejects.toThrow(/CITATION\.cff is not valid YAML \(line \d+\)\. Fix it and try again\./);
    await writeFile(join(dir, 'CITATION.cff'), `title: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    await expect(readFolderMetadata(dir)).rejects.toThrow(/CITATION\.cff is not valid YAML/);
    await writeFile(join(dir, 'CITATION.cff'), 'title: a\ntitle: b\n');
    await expect(readFolderMetadata(dir)).rejects.toThrow(/CITATION\.cff is not valid YAML \(line 2\)/);
    await writeFile(join(dir, 'CITATION.cff'), '- just\n- a list\n');
    await expect(readFolderMetadata(dir)).rejects.toThrow(/must be a list of fields/);
  });

  it('non-UTF-8 text is refused with a plain sentence', async () => {
    await writeFile(join(dir, 'README.md'), Buffer.from([0x48, 0x69, 0x20, 0xff, 0xfe, 0x0a]));
    await expect(readFolderMetadata(dir)).rejects.toThrow('README.md is not UTF-8 text. Save it as UTF-8 and try again.');
  });

  it('a CITATION.cff over its cap is refused, not parsed', async () => {
    await writeFile(join(dir, 'CITATION.cff'), `title: t\nabstract: "${'a'.repeat(70 * 1024)}"\n`);
    await expect(readFolderMetadata(dir)).rejects.toThrow(/CITATION\.cff is larger than 64 KB\. Shorten it and try again\./);
  });

  it('a symlinked README (which could point at a secret) is not read, and neither is a folder named README.md', async () => {
    const secret = join(dir, '..', `secret-${String(process.pid)}.txt`);
    await writeFile(secret, 'PRIVATE KEY do not publish\n');
    try {
      await symlink(secret, join(dir, 'README.md'));
      await mkdir(join(dir, 'README'));
      expect((await readFolderMetadata(dir)).description).toBeUndefined();
    } finally {
      await rm(secret, { force: true });
    }
  });

  it('a UTF-8 BOM and CRLF line ends are fine', async () => {
    await writeFile(join(dir, 'README.md'), '\uFEFF---\r\nlicense: mit\r\n---\r\nA small model.\r\n');
    const m = await readFolderMetadata(dir);
    expect(m.description).toBe('A small model.');
    expect(m.frontMatter?.license).toBe('mit');
  });
});
