/**
 * What the API says of an asset beyond its scan (issue 14): its lifecycle status, price,
 * pending requests and earnings for the Library (one catalog query per page), and for the asset
 * screen its owner, the split's payees with their names, the current terms and each version's
 * terms. The renderer and the CLI only display these.
 */
import type { AssetRecord } from '../catalog/assets';
import type { CertificateRecord } from '../catalog/certificates';
import type { Catalog } from '../catalog/db';
import type { VersionSummary } from '../catalog/versions';
import type { Contributor } from '../ingest/contributors';
import { LICENSES } from '../publish/licenses';
import { lifecycle } from '../publish/lifecycle';
import type { AssetDetail, AssetSummary, Payee } from './contract';

type Extra = 'status' | 'priceWei' | 'pendingRequests' | 'earnedWei';
export type ScanSummary = Omit<AssetSummary, Extra>;
export type ScanDetail = Omit<AssetDetail, Extra | 'owner' | 'payees' | 'terms' | 'versions'> & {
  versions: Omit<AssetDetail['versions'][number], 'terms'>[];
};

/** The license id of a certified terms text ("custom" when it is none of the offered ones). */
export const licenseIdOf = (text: string): string => (Object.entries(LICENSES) as [string, string][]).find(([, t]) => t === text)?.[0] ?? 'custom';

/** The Library's facts of a page of assets on `network` (one query for the page). */
export function withStatus(catalog: Catalog, network: string, items: ScanSummary[]): AssetSummary[] {
  const facts = catalog.assets.overview(
    network,
    items.map((a) => a.id),
  );
  return items.map((a) => {
    const f = facts.get(a.id);
    const cert = f?.certificate ?? null;
    const status = lifecycle({
      certificate: cert === null ? null : { version: cert.version, priceWei: cert.priceWei, approval: f?.autoApprove === true ? 'auto' : 'manual' },
      job: f?.job ?? null,
      // The content root is the last complete scan's (kept while a new scan runs or after one failed).
      changedSinceCertified: cert !== null && a.contentRoot !== null && cert.contentRoot !== null && a.contentRoot !== cert.contentRoot,
      // The registry's for-sale flag as last indexed (read in the page's one query).
      forSale: cert?.tokenId != null ? cert.forSale : null,
    });
    const earned = (f?.grantedWei ?? []).reduce((sum, w) => (/^\d+$/.test(w) ? sum + BigInt(w) : sum), 0n);
    return {
      ...a,
      status: { state: status.state, label: status.label, detail: status.detail, version: status.version },
      priceWei: status.priceWei,
      pendingRequests: f?.pendingRequests ?? 0,
      earnedWei: earned.toString(),
    };
  });
}

/** Names the split's payees from the folder's CONTRIBUTORS / CITATION.cff (by address); unnamed ones get null. */
export function namePayees(split: { address: string; bps: number }[], contributors: Contributor[]): Payee[] {
  return split.map((s) => {
    const c = contributors.find((x) => x.address !== null && x.address.toLowerCase() === s.address.toLowerCase());
    return { address: s.address, bps: s.bps, name: c !== undefined && c.name !== '' && c.name !== c.address ? c.name : null, source: c?.source ?? null };
  });
}

/** The asset screen's view: the summary's facts plus owner, payees, current terms and each version's terms. */
export async function withOwnerAndTerms(catalog: Catalog, network: string, base: ScanDetail, versions: VersionSummary[]): Promise<AssetDetail> {
  const [summary] = withStatus(catalog, network, [base]);
  const cert = catalog.certificates.latest(base.id);
  const doc = cert?.document as { owner?: unknown; split?: unknown } | null | undefined;
  const split = Array.isArray(doc?.split)
    ? (doc.split as { address?: unknown; bps?: unknown }[]).flatMap((x) => (typeof x.address === 'string' && typeof x.bps === 'number' ? [{ address: x.address, bps: x.bps }] : []))
    : [];
  // CITATION.cff and model cards are read with yaml (and addresses checked with ethers): loaded here, not with the catalog.
  const contributors = split.length > 0 ? await import('../ingest/contributors').then((m) => m.readContributors(base.rootPath)).catch(() => []) : [];
  const pub = base.publication;
  return {
    ...base,
    ...(summary as AssetSummary),
    skipped: base.skipped,
    publication: pub,
    versions: base.versions.map((v) => {
      const t = versions.find((x) => x.number === v.number)?.terms ?? null;
      return { ...v, terms: t === null ? null : { priceWei: t.priceWei, license: licenseIdOf(t.licenseText), split: t.split } };
    }),
    owner: typeof doc?.owner === 'string' ? doc.owner : null,
    payees: namePayees(split, contributors),
    terms:
      pub === null
        ? null
        : { priceWei: pub.priceWei, license: licenseIdOf(pub.license), approval: pub.autoApprove ? 'auto' : 'manual', visibility: pub.visibility },
  };
}

/** The scan facts of an asset record. */
export const summary = (a: AssetRecord): ScanSummary => ({
  id: a.id,
  kind: a.kind,
  name: a.name,
  rootPath: a.rootPath,
  visibility: a.visibility,
  state: a.state,
  contentRoot: a.contentRoot,
  fileCount: a.fileCount,
  totalBytes: a.totalBytes,
  skippedCount: a.skipped.length,
  error: a.error,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
  scannedAt: a.scannedAt,
});
/** The asset screen's scan and certificate facts (before owner, payees and terms). */
export const detail = (a: AssetRecord, c: CertificateRecord | undefined, versions: VersionSummary[], autoApprove: boolean): ScanDetail => {
  const doc = c?.document as { storage?: { manifestId?: string }; license?: { terms?: string; price?: string } } | undefined;
  return {
    ...summary(a),
    skipped: a.skipped,
    publication:
      c === undefined
        ? null
        : {
            network: c.network,
            chainId: c.chainId,
            tokenId: c.tokenId,
            txHash: c.txHash,
            manifestId: doc?.storage?.manifestId ?? '',
            visibility: a.visibility,
            license: doc?.license?.terms ?? '',
            priceWei: doc?.license?.price ?? '0',
            certifiedAt: c.createdAt,
            autoApprove,
            version: versions.find((v) => v.id === c.versionId)?.number ?? null,
          },
    versions: versions.map((v) => ({
      number: v.number,
      contentRoot: v.contentRoot,
      previous: versions.find((p) => p.id === v.previousId)?.number ?? null,
      network: v.network,
      tokenId: v.tokenId,
      manifestId: v.manifestId,
      certifiedAt: v.certifiedAt,
    })),
  };
};
