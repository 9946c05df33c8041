/**
 * The portable certificate (`ativo-certificate.json`, DESIGN.md): everything needed to check
 * an asset without Ativo, signed by its owner with EIP-712.
 *
 * What is signed: the typed struct below. Fields a wallet can show are typed one by one; the
 * storage section (receipts are the storage network's own JSON objects) is bound by
 * `storageDigest = keccak256(utf8(JCS(storage)))`, JCS being RFC 8785 JSON canonicalization.
 * The EIP-712 domain names the chain and the registry, so a signature cannot be replayed for
 * another deployment.
 */
import { TypedDataEncoder, getAddress, keccak256, toUtf8Bytes, verifyTypedData, type Signer, type TypedDataDomain } from 'ethers';

export const CERTIFICATE_VERSION = 1;

export interface CertificateBody {
  version: number;
  asset: { name: string; kind: 'dataset' | 'model'; files: number; bytes: number; contentRoot: string };
  license: { terms: string; termsHash: string; price: string; currency: string };
  split: { address: string; bps: number }[];
  storage: { network: string; manifestId: string; receipts: unknown[] };
  chain: { chainId: number; registry: string; tokenId: string; txHash: string; blockNumber: number };
  owner: string;
}
export interface Certificate extends CertificateBody {
  signature: string;
}

export const CERTIFICATE_TYPES = {
  Certificate: [
    { name: 'version', type: 'uint256' },
    { name: 'asset', type: 'Asset' },
    { name: 'license', type: 'License' },
    { name: 'split', type: 'Share[]' },
    { name: 'storageDigest', type: 'bytes32' },
    { name: 'chain', type: 'Registration' },
    { name: 'owner', type: 'address' },
  ],
  Asset: [
    { name: 'name', type: 'string' },
    { name: 'kind', type: 'string' },
    { name: 'files', type: 'uint256' },
    { name: 'bytes', type: 'uint256' },
    { name: 'contentRoot', type: 'bytes32' },
  ],
  License: [
    { name: 'terms', type: 'string' },
    { name: 'termsHash', type: 'bytes32' },
    { name: 'price', type: 'uint256' },
    { name: 'currency', type: 'string' },
  ],
  Share: [
    { name: 'account', type: 'address' },
    { name: 'bps', type: 'uint16' },
  ],
  Registration: [
    { name: 'chainId', type: 'uint256' },
    { name: 'registry', type: 'address' },
    { name: 'tokenId', type: 'uint256' },
    { name: 'txHash', type: 'bytes32' },
    { name: 'blockNumber', type: 'uint256' },
  ],
};

/** RFC 8785 (JCS) canonical JSON for the values JSON.parse produces. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonical JSON has no NaN or Infinity');
    return JSON.stringify(value); // ECMAScript number serialization is what JCS specifies
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      // JCS sorts keys by their UTF-16 code units, which is JavaScript's default string order.
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`canonical JSON cannot hold a ${typeof value}`);
}

const hex32 = (h: string): string => (h.startsWith('0x') ? h : `0x${h}`);

export function certificateDomain(body: Pick<CertificateBody, 'chain'>): TypedDataDomain {
  return { name: 'Ativo Certificate', version: '1', chainId: body.chain.chainId, verifyingContract: getAddress(body.chain.registry) };
}

/** The EIP-712 message for a certificate body. */
export function certificateMessage(body: CertificateBody): Record<string, unknown> {
  return {
    version: body.version,
    asset: { ...body.asset, contentRoot: hex32(body.asset.contentRoot) },
    license: { ...body.license, termsHash: hex32(body.license.termsHash), price: BigInt(body.license.price) },
    split: body.split.map((s) => ({ account: getAddress(s.address), bps: s.bps })),
    storageDigest: keccak256(toUtf8Bytes(canonicalJson(body.storage))),
    chain: { ...body.chain, registry: getAddress(body.chain.registry), tokenId: BigInt(body.chain.tokenId), txHash: hex32(body.chain.txHash) },
    owner: getAddress(body.owner),
  };
}

/** The digest the owner signs (what a hardware wallet would show as the EIP-712 hash). */
export function certificateDigest(body: CertificateBody): string {
  return TypedDataEncoder.hash(certificateDomain(body), CERTIFICATE_TYPES, certificateMessage(body));
}

/** Signs a certificate body with the owner's key. The signer must be the owner. */
export async function signCertificate(body: CertificateBody, signer: Signer): Promise<Certificate> {
  if (getAddress(await signer.getAddress()) !== getAddress(body.owner)) {
    throw new Error('The certificate must be signed by its owner.');
  }
  const signature = await signer.signTypedData(certificateDomain(body), CERTIFICATE_TYPES, certificateMessage(body));
  return { ...body, signature };
}

/** Checks the owner's EIP-712 signature over everything else in the certificate. */
export function verifyCertificateSignature(cert: Certificate): { ok: true } | { ok: false; reason: string } {
  const { signature, ...body } = cert;
  let signer: string;
  try {
    signer = verifyTypedData(certificateDomain(body), CERTIFICATE_TYPES, certificateMessage(body), signature);
  } catch (e) {
    return { ok: false, reason: `the signature cannot be checked: ${e instanceof Error ? e.message.split(' (')[0] ?? '' : String(e)}` };
  }
  if (getAddress(signer) !== getAddress(cert.owner)) {
    return { ok: false, reason: `signed by ${signer}, not by the owner ${getAddress(cert.owner)} (or a field was changed after signing)` };
  }
  return { ok: true };
}
