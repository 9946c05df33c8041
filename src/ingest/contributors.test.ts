import { afterEach, describe, expect, it } from 'vitest';
import { parseCitationCff, parseContributorsFile, readContributors } from './contributors';
import { tempDir, writeTree } from '../test-support/fs';

describe('contributors from the folder', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    cleanups.splice(0).forEach((c) => { c(); });
  });

  it('reads names, addresses and shares from a CONTRIBUTORS file', () => {
    const text = [
      '# Contributors',
      '',
      '- Ada Lovelace <ada@example.org> 0x90f79bf6eb2c4f870365e785982e1f101e93b906 60%',
      '* Grace Hopper, 40 %',
      '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      '1. Alan Turing (reviewer)',
    ].join('\n');
    expect(parseContributorsFile(text)).toEqual([
      { name: 'Ada Lovelace', address: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', percent: 60, source: 'CONTRIBUTORS' },
      { name: 'Grace Hopper', address: null, percent: 40, source: 'CONTRIBUTORS' },
      { name: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', percent: null, source: 'CONTRIBUTORS' },
      { name: 'Alan Turing', address: null, percent: null, source: 'CONTRIBUTORS' },
    ]);
  });

  it('reads CITATION.cff authors and ignores a broken file', () => {
    const cff = `cff-version: 1.2.0
message: If you use this dataset, cite it.
title: Wildflowers
authors:
  - given-names: Ada
    family-names: Lovelace
  - name: The Flower Lab
  - family-names: Hopper
    given-names: Grace
    ethereum: "0x90f79bf6eb2c4f870365e785982e1f101e93b906"
`;
    expect(parseCitationCff(cff).map((c) => [c.name, c.address])).toEqual([
      ['Ada Lovelace', null],
      ['The Flower Lab', null],
      ['Grace Hopper', '0x90F79bf6EB2c4f870365E785982E1f101E93b906'],
    ]);
    expect(parseCitationCff('authors: [unclosed')).toEqual([]);
    expect(parseCitationCff('a: &x [*x, *x]')).toEqual([]);
  });

  it('merges both files without listing a person twice', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    writeTree(dir.path, {
      'CONTRIBUTORS.md': '- Ada Lovelace 50%\n',
      'CITATION.cff': 'authors:\n  - given-names: Ada\n    family-names: Lovelace\n  - name: Grace Hopper\n',
    });
    expect((await readContributors(dir.path)).map((c) => `${c.name}:${c.source}`)).toEqual(['Ada Lovelace:CONTRIBUTORS.md', 'Grace Hopper:CITATION.cff']);
    const empty = tempDir();
    cleanups.push(empty.cleanup);
    expect(await readContributors(empty.path)).toEqual([]);
  });
});
