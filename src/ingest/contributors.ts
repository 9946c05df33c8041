/**
 * Who made an asset, read from the folder itself, to pre-fill the revenue split when
 * publishing: a `CONTRIBUTORS` file (one person a line: a name, optionally an Ethereum
 * address and a share such as `30%`), and/or a `CITATION.cff` (its `authors`). Names found
 * without an address are still listed: the person publishing fills the address in.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getAddress, isAddress } from 'ethers';
import { parse } from 'yaml';

export interface Contributor {
  name: string;
  address: string | null;
  /** Share in percent, when the file says so. */
  percent: number | null;
  source: string;
}

const CONTRIBUTOR_FILES = ['CONTRIBUTORS', 'CONTRIBUTORS.md', 'CONTRIBUTORS.txt'];
const MAX_BYTES = 256 * 1024;

async function readSmall(path: string): Promise<string | undefined> {
  try {
    const text = await readFile(path, 'utf8');
    return text.length > MAX_BYTES ? text.slice(0, MAX_BYTES) : text;
  } catch {
    return undefined;
  }
}

/** Parses a CONTRIBUTORS file: `Ada Lovelace 0xAbC… 30%`, bullets and `<email>` allowed. */
export function parseContributorsFile(text: string, source = 'CONTRIBUTORS'): Contributor[] {
  const out: Contributor[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/^\s*(?:[-*+]|\d+\.)\s+/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith('<!--')) continue;
    let address: string | null = null;
    const addr = /\b0x[0-9a-fA-F]{40}\b/.exec(line);
    if (addr && isAddress(addr[0])) {
      address = getAddress(addr[0].toLowerCase());
      line = line.replace(addr[0], ' ');
    }
    let percent: number | null = null;
    const pct = /(\d{1,3}(?:\.\d{1,2})?)\s*%/.exec(line);
    if (pct) {
      const v = Number(pct[1]);
      if (v > 0 && v <= 100) percent = v;
      line = line.replace(pct[0], ' ');
    }
    const name = line
      .replace(/<[^>]*>/g, ' ')
      .replace(/\([^)]*\)/g, ' ')
      .replace(/[|,;:]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (name === '' && address === null) continue;
    out.push({ name: name === '' ? (address ?? '') : name, address, percent, source });
  }
  return out;
}

/** Authors of a CITATION.cff (names; an `ethereum`/`wallet` key, if someone added one, as the address). */
export function parseCitationCff(text: string): Contributor[] {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 10 });
  } catch {
    return [];
  }
  const authors = typeof doc === 'object' && doc !== null && Array.isArray((doc as { authors?: unknown }).authors) ? (doc as { authors: unknown[] }).authors : [];
  const out: Contributor[] = [];
  for (const a of authors) {
    if (typeof a !== 'object' || a === null) continue;
    const r = a as Record<string, unknown>;
    const str = (k: string): string => (typeof r[k] === 'string' ? (r[k]).trim() : '');
    const name = str('name') || [str('given-names'), str('name-particle'), str('family-names')].filter(Boolean).join(' ');
    const wallet = str('ethereum') || str('wallet');
    const address = isAddress(wallet) ? getAddress(wallet.toLowerCase()) : null;
    if (name !== '' || address !== null) out.push({ name: name || (address ?? ''), address, percent: null, source: 'CITATION.cff' });
  }
  return out;
}

/** Contributors found in the folder (CONTRIBUTORS first, then CITATION.cff authors not already listed). */
export async function readContributors(folder: string): Promise<Contributor[]> {
  const found: Contributor[] = [];
  for (const f of CONTRIBUTOR_FILES) {
    const text = await readSmall(join(folder, f));
    if (text !== undefined) {
      found.push(...parseContributorsFile(text, f));
      break;
    }
  }
  const cff = await readSmall(join(folder, 'CITATION.cff'));
  if (cff !== undefined) {
    for (const c of parseCitationCff(cff)) {
      const dup = found.some((x) => (c.address !== null && x.address === c.address) || x.name.toLowerCase() === c.name.toLowerCase());
      if (!dup) found.push(c);
    }
  }
  return found;
}
