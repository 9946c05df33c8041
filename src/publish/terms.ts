/**
 * Versions inherit their terms (issue 14): a new version of an asset starts from the terms its
 * latest certified version was published with (visibility, license, price, approval mode, split),
 * so publishing a changed folder never turns a private, paid dataset into a public, free one by
 * omission. Making a private asset public must be asked for explicitly.
 *
 * The access period (perpetual, or N days from each approval) is part of the terms: a sentence
 * appended to the license text, so the terms hash a buyer pins covers it, and the registry
 * records it at registration (each approval's expiry is approvedAt + period).
 */
import type { Catalog } from '../catalog/db';
import { parseManifestText } from './verify';
import { LICENSES, type LicenseId } from './licenses';
import { PUBLISH_JOB_KIND } from './pipeline';

export interface PreviousTerms {
  /** The latest certified version (0: none yet, the terms of an attempt that did not finish). */
  version: number;
  /** These are the terms of the last publication, which did not finish (failed, cancelled or still running), not of a certificate. */
  lastAttempt: boolean;
  visibility: 'public' | 'private';
  license: LicenseId;
  /** The license text, for a custom license. */
  customTerms: string | null;
  priceWei: string;
  approval: 'manual' | 'auto';
  split: { address: string; bps: number }[];
  /** Days each approval lasts (0 = perpetual). */
  accessDays: number;
}

/** At most 100 years (the registry's bound). */
export const MAX_ACCESS_DAYS = 36_500;
const DAY_SECONDS = 24 * 60 * 60;
const ACCESS_SENTENCE = /\n\nAccess period: (\d{1,5}) days? from the approval of each request\. Downloads through Ativo end then; files already downloaded stay with the buyer\.$/;

/** The terms text with its access period (none for perpetual access). */
export function withAccessPeriod(license: string, days: number): string {
  if (days === 0) return license;
  return `${license}\n\nAccess period: ${days} ${days === 1 ? 'day' : 'days'} from the approval of each request. Downloads through Ativo end then; files already downloaded stay with the buyer.`;
}

/** The license text and access period (days, 0 = perpetual) of a terms text. */
export function splitAccessPeriod(terms: string): { license: string; days: number } {
  const m = ACCESS_SENTENCE.exec(terms);
  return m === null ? { license: terms, days: 0 } : { license: terms.slice(0, m.index), days: Number(m[1]) };
}

export const accessPeriodSeconds = (days: number): number => days * DAY_SECONDS;

/** The license id and custom text of a license text (custom when it is none of the listed ones). */
export function licenseOf(text: string): { license: LicenseId; customTerms: string | null } {
  const known = (Object.entries(LICENSES) as [keyof typeof LICENSES, string][]).find(([, t]) => t === text)?.[0];
  return known === undefined ? { license: 'custom', customTerms: text } : { license: known, customTerms: null };
}

/**
 * The terms a new publication of the asset starts from: those of its last publish attempt when
 * that attempt came after its latest certificate (it failed, was cancelled or is still running:
 * a private attempt may be registered already, and must not turn public by omission), else
 * those of its latest certificate; null when it was never published nor tried.
 */
export function previousTerms(catalog: Catalog, assetId: number): PreviousTerms | null {
  const asset = catalog.assets.get(assetId);
  if (!asset) return null;
  const cert = catalog.certificates.latest(assetId);
  const attempt = catalog.jobs.list({ kind: PUBLISH_JOB_KIND, assetId, limit: 1, offset: 0 }).items[0];
  if (attempt?.checkpoint && (cert === undefined || attempt.createdAt > cert.createdAt)) {
    const fromAttempt = attemptTerms(catalog, assetId, attempt.checkpoint);
    if (fromAttempt !== null) return fromAttempt;
  }
  if (!cert) return null;
  const doc = cert.document as { license?: { terms?: unknown; price?: unknown }; split?: unknown } | null;
  const { license: text, days } = splitAccessPeriod(typeof doc?.license?.terms === 'string' ? doc.license.terms : '');
  const version = cert.versionId === null ? null : catalog.versions.get(cert.versionId);
  return {
    version: version?.number ?? 1,
    lastAttempt: false,
    visibility: asset.visibility,
    ...licenseOf(text),
    priceWei: typeof doc?.license?.price === 'string' && /^\d+$/.test(doc.license.price) ? doc.license.price : '0',
    approval: catalog.access.autoApprove(assetId) ? 'auto' : 'manual',
    split: splitOf(doc?.split),
    accessDays: days,
  };
}

/** The terms a publish job's checkpoint was queued with (null when it does not hold them). */
function attemptTerms(catalog: Catalog, assetId: number, cp: Record<string, unknown>): PreviousTerms | null {
  if (cp.visibility !== 'public' && cp.visibility !== 'private') return null;
  if (typeof cp.terms !== 'string') return null;
  const { license: text, days } = splitAccessPeriod(cp.terms);
  return {
    version: catalog.versions.latest(assetId)?.number ?? 0,
    lastAttempt: true,
    visibility: cp.visibility,
    ...licenseOf(text),
    priceWei: typeof cp.priceWei === 'string' && /^\d+$/.test(cp.priceWei) ? cp.priceWei : '0',
    approval: cp.approval === 'auto' || cp.approval === 'manual' ? cp.approval : catalog.access.autoApprove(assetId) ? 'auto' : 'manual',
    split: splitOf(cp.split),
    accessDays: days,
  };
}

function splitOf(split: unknown): PreviousTerms['split'] {
  if (!Array.isArray(split)) return [];
  return (split as unknown[]).flatMap((s) => {
    const o = s as { address?: unknown; bps?: unknown };
    return typeof o.address === 'string' && typeof o.bps === 'number' ? [{ address: o.address, bps: o.bps }] : [];
  });
}

export interface VersionChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

/** The files added, changed and removed since the latest certified version (null when none). */
export function changesSinceLatest(catalog: Catalog, assetId: number): VersionChanges | null {
  const latest = catalog.versions.latest(assetId);
  const now = catalog.assets.manifest(assetId);
  if (!latest || !now) return null;
  const before = parseManifestText(latest.manifest);
  const after = parseManifestText(now.manifest);
  const out: VersionChanges = { added: [], changed: [], removed: [] };
  for (const [path, sha] of after) {
    const was = before.get(path);
    if (was === undefined) out.added.push(path);
    else if (was !== sha) out.changed.push(path);
  }
  for (const path of before.keys()) if (!after.has(path)) out.removed.push(path);
  return out;
}
