/**
 * `ativo verify`: re-derives every claim of a certificate independently and reports each check.
 *   signature      the owner's EIP-712 signature over everything else
 *   registration   the registry on the certificate's chain holds this token with the same content
 *                  root, manifest id and terms hash, owned by the owner
 *   receipts       every storage receipt's signature (the Irys receipt scheme)
 *   files          (with a folder) the folder's content root equals the certificate's; when it
 *                  does not, the files whose bytes differ from what was stored are named
 */
import { RegistryClient, type ChainConnection } from '../chain/client';
import { verifyCertificateSignature, type Certificate } from '../chain/certificate';
import type { HashPool } from '../ingest/hash-pool';
import { fingerprintFolder } from '../ingest/fingerprint';
import { verifyReceipt, type ReceiptData } from '../sandbox/storage-node/receipts';

export interface Check {
  name: 'signature' | 'registration' | 'receipts' | 'files';
  ok: boolean;
  detail: string;
}

export interface VerifyDeps {
  /** A connection to the certificate's chain (the caller checks the chain id). */
  conn: ChainConnection | null;
  /** The storage node of the certificate's network, to learn each stored file's hash. */
  storageUrl: string | null;
  pool: HashPool;
}

const shortErr = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The Content-Sha256 tag of each stored item of the path manifest: relPath → sha256. */
async function storedHashes(storageUrl: string, manifestId: string): Promise<Map<string, string>> {
  const res = await fetch(`${storageUrl}/${manifestId}`, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`the manifest ${manifestId} could not be downloaded (HTTP ${res.status})`);
  const doc = (await res.json()) as { paths?: Record<string, { id?: string }> };
  const byId = new Map<string, string>();
  for (const [path, v] of Object.entries(doc.paths ?? {})) if (typeof v.id === 'string') byId.set(v.id, path);
  const out = new Map<string, string>();
  const ids = [...byId.keys()];
  for (let i = 0; i < ids.length; i += 100) {
    const page = ids.slice(i, i + 100);
    const query = `query { transactions(ids: ${JSON.stringify(page)}, first: 100) { edges { node { id tags { name value } } } } }`;
    const r = await fetch(`${storageUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }), signal: AbortSignal.timeout(30_000) });
    const body = (await r.json()) as { data?: { transactions?: { edges?: { node: { id: string; tags: { name: string; value: string }[] } }[] } } };
    for (const e of body.data?.transactions?.edges ?? []) {
      const sha = e.node.tags.find((t) => t.name === 'Content-Sha256')?.value;
      const path = byId.get(e.node.id);
      if (sha !== undefined && path !== undefined) out.set(path, sha);
    }
  }
  return out;
}

export async function verifyCertificate(cert: Certificate, deps: VerifyDeps, folder?: string): Promise<Check[]> {
  const checks: Check[] = [];

  const sig = verifyCertificateSignature(cert);
  checks.push({ name: 'signature', ok: sig.ok, detail: sig.ok ? `signed by the owner ${cert.owner}` : sig.reason });

  if (deps.conn === null) {
    checks.push({ name: 'registration', ok: false, detail: `no connection to chain ${cert.chain.chainId}: switch Ativo to the network the certificate names (${cert.storage.network})` });
  } else {
    try {
      const registry = await RegistryClient.open(deps.conn, cert.chain.registry);
      const a = await registry.asset(BigInt(cert.chain.tokenId));
      const problems: string[] = [];
      if (a === null) problems.push(`token #${cert.chain.tokenId} does not exist`);
      else {
        if (a.contentRoot.toLowerCase() !== `0x${cert.asset.contentRoot}`.toLowerCase()) problems.push(`the chain holds content root ${a.contentRoot.slice(2, 14)}…`);
        if (a.manifestId !== cert.storage.manifestId) problems.push('the manifest id differs');
        if (a.termsHash.toLowerCase() !== cert.license.termsHash.toLowerCase()) problems.push('the license terms hash differs');
        if (a.owner.toLowerCase() !== cert.owner.toLowerCase()) problems.push(`the token now belongs to ${a.owner}`);
      }
      checks.push({ name: 'registration', ok: problems.length === 0, detail: problems.length === 0 ? `token #${cert.chain.tokenId} on chain ${cert.chain.chainId} at ${registry.address}` : problems.join('; ') });
    } catch (e) {
      checks.push({ name: 'registration', ok: false, detail: shortErr(e) });
    }
  }

  const receipts = cert.storage.receipts as ReceiptData[];
  let bad = 0;
  for (const r of receipts) if (!(await verifyReceipt(r).catch(() => false))) bad++;
  checks.push({ name: 'receipts', ok: bad === 0 && receipts.length > 0, detail: bad === 0 ? `${receipts.length} receipt signature(s) valid` : `${bad} of ${receipts.length} receipt signature(s) do not verify` });

  if (folder !== undefined) {
    try {
      const fp = await fingerprintFolder(folder, deps.pool);
      if (fp.contentRoot === cert.asset.contentRoot) {
        checks.push({ name: 'files', ok: true, detail: `${fp.files.length} file(s) hash to the content root ${fp.contentRoot}` });
      } else {
        let named = '';
        if (deps.storageUrl !== null) {
          try {
            const stored = await storedHashes(deps.storageUrl, cert.storage.manifestId);
            const local = new Map(fp.files.map((f) => [f.relPath, f.sha256]));
            const changed = [...stored].filter(([p, h]) => local.has(p) && local.get(p) !== h).map(([p]) => p);
            const missing = [...stored.keys()].filter((p) => !local.has(p));
            const extra = [...local.keys()].filter((p) => !stored.has(p));
            const parts = [
              changed.length ? `changed: ${changed.slice(0, 10).join(', ')}` : '',
              missing.length ? `missing: ${missing.slice(0, 10).join(', ')}` : '',
              extra.length ? `not in the certificate: ${extra.slice(0, 10).join(', ')}` : '',
            ].filter(Boolean);
            if (parts.length) named = ` (${parts.join('; ')})`;
          } catch (e) {
            named = ` (the stored file list could not be read: ${shortErr(e)})`;
          }
        }
        checks.push({ name: 'files', ok: false, detail: `the folder's content root is ${fp.contentRoot}, not ${cert.asset.contentRoot}${named}` });
      }
    } catch (e) {
      checks.push({ name: 'files', ok: false, detail: shortErr(e) });
    }
  }
  return checks;
}
