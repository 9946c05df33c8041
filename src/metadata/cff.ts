/**
 * CITATION.cff (Citation File Format 1.2.0): read its authors, title, version, license and DOI;
 * write one into an export. A CONTRIBUTORS file (one person a line) adds contributors.
 */
import { stringify } from 'yaml';
import { parseYamlMapping, str } from './text';

export interface Contributor {
  name: string;
  role: 'author' | 'contributor';
  /** The bare ORCID iD, `0000-0002-1825-0097`. */
  orcid?: string;
  affiliation?: string;
  /** CFF's split of the name, kept so a CITATION.cff round-trips exactly. */
  given?: string;
  family?: string;
}

export interface Citation {
  title?: string;
  version?: string;
  license?: string;
  doi?: string;
  authors: Contributor[];
}

const MAX_PEOPLE = 200;
const ORCID = /(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$/;

/** The bare iD of an ORCID given as a URL or bare; undefined when it is not one. */
export function orcidId(v: unknown): string | undefined {
  const s = str(v, 100);
  if (!s) return undefined;
  const m = ORCID.exec(s.replace(/\/+$/, ''));
  return m && (s === m[1] || /^https?:\/\/(www\.)?orcid\.org\//.test(s)) ? m[1] : undefined;
}

function person(v: unknown): Contributor | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const p = v as Record<string, unknown>;
  const parts = [str(p['name-particle'], 100), str(p['family-names'], 200)].filter(Boolean).join(' ');
  const given = str(p['given-names'], 200);
  const full = [given, parts].filter(Boolean).join(' ') + (str(p['name-suffix'], 50) ? `, ${String(str(p['name-suffix'], 50))}` : '');
  const name = full || str(p.name, 300) || str(p.alias, 200);
  if (!name) return undefined;
  const family = parts || undefined;
  return { name, role: 'author', orcid: orcidId(p.orcid), affiliation: str(p.affiliation, 300), given, family };
}

export function parseCitation(text: string): Citation {
  const y = parseYamlMapping(text, 'CITATION.cff');
  const authors = (Array.isArray(y.authors) ? y.authors : []).slice(0, MAX_PEOPLE).map(person).filter((p): p is Contributor => !!p);
  const ids = Array.isArray(y.identifiers) ? y.identifiers : [];
  const doiIdent = ids.find((i): i is Record<string, unknown> => typeof i === 'object' && i !== null && (i as Record<string, unknown>).type === 'doi');
  const license = Array.isArray(y.license) ? str(y.license[0], 100) : str(y.license, 100);
  return { title: str(y.title, 300), version: str(y.version, 100), license, doi: str(y.doi, 200) ?? str(doiIdent?.value, 200), authors };
}

/** A CONTRIBUTORS file: one person a line, `Name <email> (https://orcid.org/…)`; `#` comments. */
export function parseContributors(text: string): Contributor[] {
  const out: Contributor[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.replace(/^\s*[-*]\s+/, '').trim();
    if (!t || t.startsWith('#')) continue;
    const orcidMatch = /(?:https?:\/\/(?:www\.)?orcid\.org\/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])/.exec(t);
    const name = t.replace(/<[^>]*>/g, '').replace(/\([^)]*\)/g, '').replace(/https?:\/\/\S+/g, '').replace(/\s+/g, ' ').trim().slice(0, 300);
    if (!name) continue;
    out.push({ name, role: 'contributor', orcid: orcidMatch?.[1] });
    if (out.length >= MAX_PEOPLE) break;
  }
  return out;
}

export interface CitationExport {
  title: string;
  version: string;
  license: string;
  authors: Contributor[];
  /** The version's content root, hex. */
  contentRoot: string;
  /** `ativo://asset/<chainId>/<registry>/<tokenId>` when registered. */
  assetUri?: string;
  doi?: string;
  abstract?: string;
  /** CFF knows software and datasets; a model is cited as software. */
  kind: 'dataset' | 'model' | 'other';
}

/** A CFF person: given/family names when the source had them, else the name as written (never guessed apart). */
function cffPerson(c: Contributor): Record<string, string> {
  const p: Record<string, string> = c.family ? { ...(c.given ? { 'given-names': c.given } : {}), 'family-names': c.family } : { name: c.name };
  if (c.orcid) p.orcid = `https://orcid.org/${c.orcid}`;
  if (c.affiliation) p.affiliation = c.affiliation;
  return p;
}

/** The CITATION.cff text written into an export. */
export function writeCitation(c: CitationExport): string {
  const identifiers: Record<string, string>[] = [{ type: 'other', value: `sha256:${c.contentRoot}`, description: 'The content root of this version (Ativo).' }];
  if (c.assetUri) identifiers.push({ type: 'url', value: c.assetUri, description: 'The registered asset on chain (Ativo).' });
  if (c.doi) identifiers.unshift({ type: 'doi', value: c.doi });
  const doc = {
    'cff-version': '1.2.0',
    message: 'If you use this work, please cite it as below.',
    title: c.title,
    ...(c.abstract ? { abstract: c.abstract } : {}),
    authors: (c.authors.length ? c.authors : [{ name: 'Anonymous', role: 'author' as const }]).map(cffPerson),
    version: c.version,
    license: c.license,
    identifiers,
    type: c.kind === 'dataset' ? 'dataset' : 'software',
  };
  return stringify(doc, { lineWidth: 0 });
}
