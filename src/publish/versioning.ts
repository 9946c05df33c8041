/**
 * A publication's version and terms, decided before its job is queued (issue 14): each term not
 * given is the previous version's (a new version never turns a private, paid asset into a public,
 * free one by omission); the version number follows the latest version, or is the latest's own
 * when the folder did not change; the version it follows is the latest with another content root.
 * Pure: the caller reads the catalog and hands the records in.
 */
import type { CertificateRecord } from '../catalog/certificates';
import type { VersionRecord } from '../catalog/versions';
import { LICENSES, percentToBps, type LicenseId } from './licenses';
import type { PreviousVersion } from './pipeline';
import { withAccessPeriod, type PreviousTerms } from './terms';

/** What a person asked for (each left out: the previous version's). */
export interface TermsRequest {
  visibility?: 'public' | 'private' | undefined;
  confirmPublic?: boolean | undefined;
  license?: LicenseId | undefined;
  customTerms?: string | undefined;
  /** The price in wei (already parsed from ETH). */
  priceWei?: string | undefined;
  approval?: 'manual' | 'auto' | undefined;
  accessDays?: number | undefined;
  split?: readonly { address: string; percent: number }[] | undefined;
}

export interface ResolvedTerms {
  visibility: 'public' | 'private';
  license: LicenseId;
  customTerms: string | undefined;
  priceWei: string;
  approval: 'manual' | 'auto';
  accessDays: number;
  split: { address: string; bps: number }[];
  /** The terms text the registry's hash covers: the license's (or the custom text) with its access period. */
  terms: string;
}

/** Why a publication's terms are refused, in words for a person (the caller wraps it as INVALID_INPUT). */
export class TermsRefused extends Error {}

/**
 * The terms of the next publication: `input`'s, each left out taken from `prev` (the latest
 * version's, or of an attempt that did not finish), else the first publication's defaults
 * (public, CC-BY-4.0, free, manual approval, perpetual, 100% to `owner`).
 */
export function inheritTerms(input: TermsRequest, prev: PreviousTerms | null, owner: string, assetName: string): ResolvedTerms {
  const visibility = input.visibility ?? prev?.visibility ?? 'public';
  if (prev?.visibility === 'private' && visibility === 'public' && input.confirmPublic !== true) {
    throw new TermsRefused(`${assetName} was published as private: publishing it as public makes every file readable by anyone, for good. Confirm that you want it public to go on.`);
  }
  const license = input.license ?? prev?.license ?? 'CC-BY-4.0';
  const customTerms = input.customTerms ?? (license === 'custom' && prev?.license === 'custom' ? (prev.customTerms ?? undefined) : undefined);
  if (license === 'custom' && customTerms === undefined) throw new TermsRefused('A custom license needs the text of its terms: write them, or choose one of the listed licenses.');
  const priceWei = input.priceWei ?? prev?.priceWei ?? '0';
  const approval = input.approval ?? prev?.approval ?? 'manual';
  const accessDays = input.accessDays ?? prev?.accessDays ?? 0;
  let split: { address: string; bps: number }[];
  try {
    split = input.split !== undefined ? percentToBps(input.split) : prev !== null && prev.split.length > 0 ? prev.split : percentToBps([{ address: owner, percent: 100 }]);
  } catch (e) {
    throw new TermsRefused(e instanceof Error ? e.message : String(e));
  }
  const terms = withAccessPeriod(license === 'custom' ? (customTerms ?? '') : LICENSES[license], accessDays);
  return { visibility, license, customTerms, priceWei, approval, accessDays, split, terms };
}

/** The catalog's records a version plan reads (catalog.versions / catalog.certificates). */
export interface VersionLookup {
  version(id: number): VersionRecord | undefined;
  certificateOf(versionId: number, network: string): CertificateRecord | undefined;
  latestCertificate(): CertificateRecord | undefined;
}

export interface VersionPlan {
  /** The number of the version this publication certifies. */
  number: number;
  /** The version it follows (the latest with another content root); undefined for version 1. */
  previous: PreviousVersion | undefined;
}

/** The version a publication of `contentRoot` certifies on `network`, after `latest` (the asset's latest version, if any). */
export function planVersion(latest: VersionRecord | undefined, contentRoot: string, network: string, lookup: VersionLookup): VersionPlan {
  const prevRecord = latest === undefined ? undefined : latest.contentRoot !== contentRoot ? latest : latest.previousId !== null ? lookup.version(latest.previousId) : undefined;
  const prevCert = prevRecord === undefined ? undefined : (lookup.certificateOf(prevRecord.id, network) ?? [lookup.latestCertificate()].find((c) => c?.versionId === prevRecord.id));
  const prevDoc = prevCert?.document as { storage?: { manifestId?: string } } | undefined;
  const previous: PreviousVersion | undefined =
    prevRecord === undefined
      ? undefined
      : { versionId: prevRecord.id, number: prevRecord.number, contentRoot: prevRecord.contentRoot, manifestId: prevDoc?.storage?.manifestId ?? null, tokenId: prevCert?.tokenId ?? null };
  const number = latest?.contentRoot === contentRoot ? latest.number : (latest?.number ?? 0) + 1;
  return { number, previous };
}
