/**
 * Licenses as SPDX identifiers. A folder names its license loosely (a Hugging Face `license:` tag
 * like `apache-2.0`, a CITATION.cff `license:` that is usually SPDX already); the public metadata
 * always carries an SPDX identifier, or `LicenseRef-<name>` for custom text, with a URL.
 */

/** Common SPDX identifiers, keyed by their lower-case form (SPDX ids match case-insensitively). */
const SPDX = [
  '0BSD', 'AFL-3.0', 'AGPL-3.0-only', 'AGPL-3.0-or-later', 'Apache-2.0', 'Artistic-2.0', 'BSD-2-Clause',
  'BSD-3-Clause', 'BSD-3-Clause-Clear', 'BSL-1.0', 'CC-BY-2.0', 'CC-BY-3.0', 'CC-BY-4.0', 'CC-BY-NC-2.0',
  'CC-BY-NC-3.0', 'CC-BY-NC-4.0', 'CC-BY-NC-ND-3.0', 'CC-BY-NC-ND-4.0', 'CC-BY-NC-SA-2.0', 'CC-BY-NC-SA-3.0',
  'CC-BY-NC-SA-4.0', 'CC-BY-ND-4.0', 'CC-BY-SA-3.0', 'CC-BY-SA-4.0', 'CC0-1.0', 'CDLA-Permissive-1.0',
  'CDLA-Permissive-2.0', 'CDLA-Sharing-1.0', 'ECL-2.0', 'EPL-1.0', 'EPL-2.0', 'EUPL-1.1', 'EUPL-1.2',
  'GPL-2.0-only', 'GPL-2.0-or-later', 'GPL-3.0-only', 'GPL-3.0-or-later', 'ISC', 'LGPL-2.1-only',
  'LGPL-2.1-or-later', 'LGPL-3.0-only', 'LGPL-3.0-or-later', 'LPPL-1.3c', 'MIT', 'MPL-2.0', 'MS-PL', 'NCSA',
  'ODbL-1.0', 'ODC-By-1.0', 'OFL-1.1', 'OSL-3.0', 'PDDL-1.0', 'PostgreSQL', 'Unlicense', 'WTFPL', 'Zlib',
];
const BY_LOWER = new Map(SPDX.map((id) => [id.toLowerCase(), id]));
/** Hugging Face license tags that are not SPDX spellings. */
const ALIASES: Record<string, string> = {
  'gpl-2.0': 'GPL-2.0-only', 'gpl-3.0': 'GPL-3.0-only', 'lgpl-2.1': 'LGPL-2.1-only', 'lgpl-3.0': 'LGPL-3.0-only',
  'agpl-3.0': 'AGPL-3.0-only', 'lgpl-lr': 'LGPL-3.0-only', 'odc-by': 'ODC-By-1.0', 'odbl': 'ODbL-1.0',
  'pddl': 'PDDL-1.0', 'cc0': 'CC0-1.0', 'bsd': 'BSD-3-Clause', 'bsd-2-clause': 'BSD-2-Clause', 'bsl-1.0': 'BSL-1.0',
  'cdla-permissive-1.0': 'CDLA-Permissive-1.0', 'cdla-permissive-2.0': 'CDLA-Permissive-2.0', 'cdla-sharing-1.0': 'CDLA-Sharing-1.0',
};

export interface License {
  /** An SPDX identifier, or `LicenseRef-<idstring>` for a license that has none. */
  spdx: string;
  url: string;
}

/** `LicenseRef-` idstrings are letters, digits, `.` and `-` (SPDX 2.3 annex). */
const refId = (name: string): string => {
  const id = name.normalize('NFKD').replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return `LicenseRef-${id || 'custom'}`;
};

export const isSpdxId = (s: string): boolean => BY_LOWER.get(s.toLowerCase()) === s;

/**
 * The SPDX form of a license as a folder names it. `name` and `link` are Hugging Face's
 * `license_name` / `license_link` for `license: other`; an unknown id becomes `LicenseRef-…`.
 */
export function normalizeLicense(id: string | undefined, name?: string, link?: string): License | undefined {
  const raw = id?.trim();
  if (!raw && !name) return undefined;
  const lower = (raw ?? '').toLowerCase();
  const known = BY_LOWER.get(lower) ?? ALIASES[lower];
  if (known) return { spdx: known, url: `https://spdx.org/licenses/${known}.html` };
  if (/^licenseref-[a-z0-9.-]+$/i.test(raw ?? '')) return { spdx: `LicenseRef-${(raw ?? '').slice(11)}`, url: safeUrl(link) ?? '' };
  const spdx = refId(name ?? (lower === 'other' || !raw ? 'custom' : raw));
  return { spdx, url: safeUrl(link) ?? '' };
}

/** An http(s) URL, or undefined: a folder's links are published, so no javascript: or file: URLs. */
export function safeUrl(u: string | undefined): string | undefined {
  if (!u) return undefined;
  try {
    const url = new URL(u.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Hugging Face's spelling of an SPDX id (its tags are lower case, and a few differ). */
export function hfLicenseTag(spdx: string): string {
  const alias = Object.entries(ALIASES).find(([tag, id]) => id === spdx && !['lgpl-lr', 'bsd', 'cc0'].includes(tag));
  return alias ? alias[0] : spdx.toLowerCase();
}
