/**
 * `ativo verify`: re-derives every claim of a certificate independently and reports each check.
 *   signature      the owner's EIP-712 signature over everything else
 *   registration   the certificate's registry is one Ativo trusts (a known network profile's, or
 *                  one given explicitly with --registry: anyone can deploy a registry and register
 *                  a copy of someone else's files there), it holds this token with the same
 *                  content root, manifest id and terms hash, owned by the owner, and no trusted
 *                  registry on that chain holds the content root under another owner
 *   receipts       every storage receipt is signed by the storage node of the certificate's
 *                  network (its key pinned, or read from the node), never just by the key the
 *                  receipt carries
 *   files          with a folder: the folder's content root equals the certificate's; when it
 *                  does not, the files whose bytes differ from what was certified are named.
 *                  From storage (no folder): every file of the manifest is downloaded (streamed,
 *                  nothing written to disk), decrypted when it is a private asset whose key is
 *                  at hand, and the content root recomputed from those bytes
 *   stored         (from storage) every stored item's bytes hash to its Content-Sha256 tag (a
 *                  private asset's: to its hash in the encrypted file list) and has a receipt in
 *                  the certificate. A private asset without its key: the certificate's items are
 *                  on the node, encrypted (the `files` check is then skipped, saying why)
 *
 * The storage node may be hostile: the path manifest is read with a hard cap (computed from the
 * certificate's file count) and every file is cut off the moment more bytes arrive than its size
 * (from the manifest, else what is left of the certificate's total) allows.
 */
import { getAddress } from 'ethers';
import { RegistryClient, type ChainConnection } from '../chain/client';
import { verifyCertificateSignature, type Certificate } from '../chain/certificate';
import type { HashPool } from '../ingest/hash-pool';
import { fingerprintFolder } from '../ingest/fingerprint';
import { refusedReceipts } from '../storage/gateway';
import { shortErr, storedHashes, strip0x, verifyFromStorage } from './verify-storage';
import { supersededBy } from './superseded';
import { ethText } from '../util/format';

export interface Check {
  name: 'signature' | 'registration' | 'receipts' | 'files' | 'stored';
  ok: boolean;
  detail: string;
  /** The check could not be made (e.g. the files of a private asset without its key); `detail` says why. */
  skipped?: boolean;
}

/** Where the `files` check gets the bytes: a local folder, or the storage network. */
export type FilesSource =
  | { kind: 'folder'; folder: string; note?: string }
  | {
      kind: 'storage';
      /** The age identities of the asset (private assets), or null with the reason they are not at hand. */
      identities: string[] | null;
      noIdentity?: string;
    };

/** The registry of a network profile Ativo knows. */
export interface KnownRegistry {
  /** The profile's name (sandbox, testnet, mainnet). */
  network: string;
  chainId: number;
  registry: string;
}

export interface VerifyDeps {
  /** A connection to the certificate's chain (the caller checks the chain id). */
  conn: ChainConnection | null;
  /** The registries Ativo trusts: those of its network profiles (on any chain). */
  known: readonly KnownRegistry[];
  /** A registry given explicitly (--registry), trusted on the certificate's chain and said so. */
  givenRegistry?: string | undefined;
  /** The storage node of the certificate's network, to learn each stored file's hash. */
  storageUrl: string | null;
  /**
   * The receipt key of the storage node of the certificate's network (pinned, or read from the
   * node); it throws an Error whose message says why it is not at hand. Null: not this network.
   */
  storageKey: (() => Promise<string>) | null;
  /** The network whose storage node that key is (for messages; default: the one the certificate names). */
  storageNetwork?: string;
  pool: HashPool;
  /** The per-file hashes the certificate was made with (relPath → sha256), when this catalog knows them. */
  certifiedHashes?: Map<string, string>;
}

export { MAX_MANIFEST_BYTES, MAX_RECIPIENTS, manifestCap, parsePathManifest, type ManifestEntry } from './verify-storage';

/** Parses manifest text (GNU sha256sum format, with its escaping) into relPath → sha256. */
export function parseManifestText(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const escaped = line.startsWith('\\');
    const body = escaped ? line.slice(1) : line;
    const sha = body.slice(0, 64);
    let path = body.slice(66);
    if (escaped) path = path.replace(/\\(\\|n|r)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
    out.set(path, sha);
  }
  return out;
}


const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const short = (h: string): string => `${h.slice(0, 12)}…`;

/** Which registry the certificate is checked against, and why it is trusted; or why it is not. */
export function anchorOf(cert: Pick<Certificate, 'chain' | 'storage'>, known: readonly KnownRegistry[], given?: string): { ok: true; registry: string; trustedAs: string } | { ok: false; detail: string } {
  const named = cert.chain.registry;
  const onChain = known.filter((k) => k.chainId === cert.chain.chainId);
  const knownHere = onChain.find((k) => sameAddress(k.registry, named));
  if (given !== undefined) {
    if (!sameAddress(given, named)) {
      return { ok: false, detail: `the certificate names the registry ${named}, not the one given with --registry (${given}): check the address you gave` };
    }
    if (knownHere !== undefined) return { ok: true, registry: getAddress(named), trustedAs: `the ${knownHere.network} network's registry` };
    return { ok: true, registry: getAddress(named), trustedAs: "registry given on the command line, not a known network's" };
  }
  if (knownHere !== undefined) return { ok: true, registry: getAddress(named), trustedAs: `the ${knownHere.network} network's registry` };
  const knownWords = onChain.length === 0 ? `Ativo knows no registry on chain ${cert.chain.chainId}` : onChain.map((k) => `the ${k.network} network's is ${k.registry}`).join(', ');
  return {
    ok: false,
    detail: `the certificate names the registry ${named} on chain ${cert.chain.chainId}, which is not the registry of any network Ativo knows (${knownWords}). Anyone can deploy a registry and register a copy of someone else's files there, so it proves nothing. If you trust that registry, verify again with --registry ${named}`,
  };
}

async function registrationCheck(cert: Certificate, deps: VerifyDeps): Promise<Check> {
  const anchor = anchorOf(cert, deps.known, deps.givenRegistry);
  const problems: string[] = anchor.ok ? [] : [anchor.detail];
  if (deps.conn === null) {
    // Not on that chain, and no profile names a registry there: nothing says it is unknown, only unreachable.
    if (deps.givenRegistry === undefined && !deps.known.some((k) => k.chainId === cert.chain.chainId)) problems.length = 0;
    problems.push(`there is no connection to chain ${cert.chain.chainId}: switch Ativo to the network the certificate names (${cert.storage.network})`);
    return { name: 'registration', ok: false, detail: problems.join('; ') };
  }
  const conn = deps.conn;
  const root = strip0x(cert.asset.contentRoot);
  let follows = '';
  let superseded = '';
  try {
    // Every registry Ativo trusts on this chain: the content root registers once in each, and
    // the one that holds it under another owner names the real owner.
    const trusted = new Map<string, string>();
    for (const k of deps.known) if (BigInt(k.chainId) === conn.chainId) trusted.set(k.registry.toLowerCase(), `the ${k.network} network's registry`);
    if (anchor.ok) trusted.set(anchor.registry.toLowerCase(), anchor.trustedAs);
    for (const [address, words] of trusted) {
      const registry = await RegistryClient.open(conn, address).catch(() => null);
      if (registry === null) continue; // not deployed (yet) on this chain: it holds nothing
      const token = await registry.tokenOfContentRoot(`0x${root}`);
      if (token === null) continue;
      const holder = await registry.ownerOf(token);
      const isCertsToken = sameAddress(address, cert.chain.registry) && token.toString() === cert.chain.tokenId;
      if (holder !== null && !sameAddress(holder, cert.owner)) {
        problems.push(`${words} (${registry.address}) holds this content root as token #${token}, owned by ${holder}, not by the certificate's owner ${cert.owner}`);
      } else if (!isCertsToken && sameAddress(address, cert.chain.registry)) {
        problems.push(`${words} holds this content root as token #${token}, not as token #${cert.chain.tokenId}`);
      }
    }
    if (anchor.ok) {
      const registry = await RegistryClient.open(conn, anchor.registry);
      const a = await registry.asset(BigInt(cert.chain.tokenId));
      if (a === null) problems.push(`token #${cert.chain.tokenId} does not exist in ${anchor.trustedAs}`);
      else {
        if (strip0x(a.contentRoot) !== root) problems.push(`token #${cert.chain.tokenId} holds content root ${short(strip0x(a.contentRoot))}, not ${short(root)}`);
        if (a.manifestId !== cert.storage.manifestId) problems.push('the manifest id differs');
        const certPrice = /^\d{1,78}$/.test(cert.license.price) ? BigInt(cert.license.price) : -1n;
        const termsDiffer = strip0x(a.termsHash) !== strip0x(cert.license.termsHash);
        if (termsDiffer || a.price !== certPrice) {
          // Terms the owner replaced later (updateTerms): the certificate was true until then.
          const by = certPrice < 0n ? null : await supersededBy(registry, BigInt(cert.chain.tokenId), cert.license.termsHash, certPrice, cert.chain.blockNumber);
          if (by === null) problems.push(termsDiffer ? 'the license terms hash differs' : `the price differs (the registry says ${ethText(a.price)})`);
          else superseded = `; superseded by the terms of ${new Date(by.at * 1000).toISOString().replace('.000Z', 'Z')} (now ${ethText(by.price)}): these terms were in force until then, and the owner's current certificate has the new ones`;
        }
        if (!sameAddress(a.owner, cert.owner)) problems.push(`the token now belongs to ${a.owner}`);
      }
      // A later version names the one before it (storage.previous, signed with the storage section).
      const prev = (cert.storage as { previous?: { contentRoot?: unknown; tokenId?: unknown } }).previous;
      if (prev !== undefined && typeof prev.tokenId === 'string' && /^\d+$/.test(prev.tokenId)) {
        const p = await registry.asset(BigInt(prev.tokenId));
        if (p === null) problems.push(`the previous version's token #${prev.tokenId} does not exist`);
        else if (typeof prev.contentRoot !== 'string' || strip0x(p.contentRoot) !== strip0x(prev.contentRoot)) problems.push(`the previous version's token #${prev.tokenId} holds another content root`);
        else follows = `, the next version after token #${prev.tokenId}`;
      }
    }
  } catch (e) {
    problems.push(shortErr(e));
  }
  if (problems.length > 0 || !anchor.ok) {
    const against = anchor.ok ? ` (checked against ${anchor.registry}, ${anchor.trustedAs})` : '';
    return { name: 'registration', ok: false, detail: `${[...new Set(problems)].join('; ')}${against}` };
  }
  return { name: 'registration', ok: true, detail: `token #${cert.chain.tokenId} on chain ${cert.chain.chainId} at ${anchor.registry} (${anchor.trustedAs})${follows}${superseded}` };
}

async function receiptsCheck(cert: Certificate, deps: VerifyDeps): Promise<Check> {
  const receipts = cert.storage.receipts;
  const network = deps.storageNetwork ?? cert.storage.network;
  if (receipts.length === 0) return { name: 'receipts', ok: false, detail: 'the certificate holds no storage receipts' };
  if (deps.storageKey === null) {
    return { name: 'receipts', ok: false, detail: `the key of the ${network} storage node is not known here, so its receipts cannot be checked: switch Ativo to the network the certificate names (${cert.storage.network})` };
  }
  let key: string;
  try {
    key = await deps.storageKey();
  } catch (e) {
    return { name: 'receipts', ok: false, detail: `the receipts cannot be checked: ${shortErr(e)}` };
  }
  // Pinned to the node's key (the storage gateway): a receipt carrying any other key is refused.
  const bad = (await refusedReceipts(receipts, key)).map((b) => `the receipt for ${b.id}: ${b.why}`);
  if (bad.length === 0) return { name: 'receipts', ok: true, detail: `${receipts.length} receipt(s) signed by the ${network} storage node's key` };
  return { name: 'receipts', ok: false, detail: `${bad.length} of ${receipts.length} receipt(s) were not signed by the ${network} storage node (${bad.slice(0, 3).join('; ')}${bad.length > 3 ? '; …' : ''})` };
}

export async function verifyCertificate(cert: Certificate, deps: VerifyDeps, source?: FilesSource | string): Promise<Check[]> {
  const from: FilesSource | undefined = typeof source === 'string' ? { kind: 'folder', folder: source } : source;
  const folder = from?.kind === 'folder' ? from.folder : undefined;
  const checks: Check[] = [];

  const sig = verifyCertificateSignature(cert);
  checks.push({ name: 'signature', ok: sig.ok, detail: sig.ok ? `signed by the owner ${cert.owner}` : sig.reason });
  checks.push(await registrationCheck(cert, deps));
  checks.push(await receiptsCheck(cert, deps));

  if (folder !== undefined) {
    try {
      const fp = await fingerprintFolder(folder, deps.pool);
      if (fp.contentRoot === strip0x(cert.asset.contentRoot)) {
        checks.push({ name: 'files', ok: true, detail: `${fp.files.length} file(s) hash to the content root ${fp.contentRoot}` });
      } else {
        let named = '';
        if (deps.certifiedHashes !== undefined || deps.storageUrl !== null) {
          try {
            const stored = deps.certifiedHashes ?? (await storedHashes(deps.storageUrl ?? '', cert.storage.manifestId, cert.asset.files));
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
  } else if (from?.kind === 'storage') {
    if (deps.storageUrl === null) {
      checks.push({ name: 'files', ok: false, detail: `the files cannot be downloaded: switch Ativo to the network the certificate names (${cert.storage.network}), or give the folder with --folder` });
    } else {
      checks.push(...(await verifyFromStorage(cert, deps.storageUrl, from, deps.certifiedHashes)));
    }
  }
  if (from?.kind === 'folder' && from.note !== undefined) {
    const files = checks.find((c) => c.name === 'files');
    if (files) files.detail = `${from.note}: ${files.detail}`;
  }
  return checks;
}
