/**
 * Versions inherit their terms (issue 14): a new version of an asset starts from the terms its
 * latest certified version was published with (visibility, license, price, approval mode, split),
 * so publishing a changed folder never turns a private, paid dataset into a public, free one by
 * omission. Making a private asset public must be asked for explicitly.
 */
import type { Catalog } from '../catalog/db';
import { parseManifestText } from './verify';
import { LICENSES, type LicenseId } from './licenses';

export interface PreviousTerms {
  /** The version these terms were certified with. */
  version: number;
  visibility: 'public' | 'private';
  license: LicenseId;
  /** The license text, for a custom license. */
  customTerms: string | null;
  priceWei: string;
  approval: 'manual' | 'auto';
  split: { address: string; bps: number }[];
}

/** The terms of the asset's latest certificate, or null when it was never published. */
export function previousTerms(catalog: Catalog, assetId: number): PreviousTerms | null {
  const asset = catalog.assets.get(assetId);
  const cert = catalog.certificates.latest(assetId);
  if (!asset || !cert) return null;
  const doc = cert.document as { license?: { terms?: unknown; price?: unknown }; split?: unknown } | null;
  const text = typeof doc?.license?.terms === 'string' ? doc.license.terms : '';
  const known = (Object.entries(LICENSES) as [keyof typeof LICENSES, string][]).find(([, t]) => t === text)?.[0];
  const split = Array.isArray(doc?.split)
    ? (doc.split as unknown[]).flatMap((s) => {
        const o = s as { address?: unknown; bps?: unknown };
        return typeof o.address === 'string' && typeof o.bps === 'number' ? [{ address: o.address, bps: o.bps }] : [];
      })
    : [];
  const version = cert.versionId === null ? null : catalog.versions.get(cert.versionId);
  return {
    version: version?.number ?? 1,
    visibility: asset.visibility,
    license: known ?? 'custom',
    customTerms: known === undefined ? text : null,
    priceWei: typeof doc?.license?.price === 'string' && /^\d+$/.test(doc.license.price) ? doc.license.price : '0',
    approval: catalog.access.autoApprove(assetId) ? 'auto' : 'manual',
    split,
  };
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
