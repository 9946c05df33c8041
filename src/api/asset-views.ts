/**
 * What the API says of an asset beyond its scan (issue 14): its lifecycle status, price,
 * pending requests and earnings for the Library (one catalog query per page), and for the asset
 * screen its owner, the split's payees with their names, the current terms and each version's
 * terms. The renderer and the CLI only display these.
 */
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
      // The registry's for-sale flag as last indexed (a point lookup by primary key per certified row).
      forSale: cert?.tokenId != null ? catalog.listings.forSale(network, cert.tokenId) : null,
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
