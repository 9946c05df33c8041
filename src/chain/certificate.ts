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
import { isDeepStrictEqual } from 'node:util';
import { TypedDataEncoder, getAddress, keccak256, toUtf8Bytes, verifyTypedData, type Signer, type TypedDataDomain } from 'ethers';
import { z } from 'zod';
import { canonicalJson } from '../util/canonical-json';

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
  /**
   * How it was signed, for any EIP-712 library (not signed itself: derived from the chain
   * section and fixed types; `verifyCertificateSignature` refuses one that does not match).
   * Certificates made before it was added have none and stay verifiable.
   */
  eip712?: CertificateEip712;
}

/** The `eip712` section of a certificate: what to give an EIP-712 library to check `signature`. */
export interface CertificateEip712 {
  primaryType: 'Certificate';
  domain: { name: string; version: string; chainId: number; verifyingContract: string };
  /** The struct types (EIP712Domain excluded, as ethers and viem take them). */
  types: Record<string, { name: string; type: string }[]>;
  /** How the signed message is built from the certificate's fields. */
  message: string[];
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

/** How the message is built from the certificate (the `message` lines of its eip712 section). */
export const CERTIFICATE_MESSAGE_RULES = [
  'The signed message is the certificate without its signature and eip712 sections, with these changes.',
  'asset.contentRoot, license.termsHash and chain.txHash are bytes32: add the 0x prefix where it is missing.',
  'Each entry of split is signed as { account: its address, bps: its bps }.',
  'storage is signed as storageDigest: the keccak256 of the UTF-8 bytes of the RFC 8785 (JCS) canonical JSON of storage.',
  'price, tokenId and the other uint256 fields are the decimal numbers the certificate holds.',
];

/** The certificate's `eip712` section: its domain, types and primary type. */
export function certificateEip712(body: Pick<CertificateBody, 'chain'>): CertificateEip712 {
  const d = certificateDomain(body);
  return {
    primaryType: 'Certificate',
    domain: { name: String(d.name), version: String(d.version), chainId: Number(d.chainId), verifyingContract: String(d.verifyingContract) },
    types: JSON.parse(JSON.stringify(CERTIFICATE_TYPES)) as CertificateEip712['types'],
    message: [...CERTIFICATE_MESSAGE_RULES],
  };
}

/** The certificate as exported: with its eip712 section (added to one made before it existed). */
export function withEip712(cert: Certificate): Certificate {
  return cert.eip712 !== undefined ? cert : { ...cert, eip712: certificateEip712(cert) };
}

/** Signs a certificate body with the owner's key. The signer must be the owner. */
export async function signCertificate(body: CertificateBody, signer: Signer): Promise<Certificate> {
  if (getAddress(await signer.getAddress()) !== getAddress(body.owner)) {
    throw new Error('The certificate must be signed by its owner.');
  }
  const signature = await signer.signTypedData(certificateDomain(body), CERTIFICATE_TYPES, certificateMessage(body));
  return { ...body, signature, eip712: certificateEip712(body) };
}

/** Checks the owner's EIP-712 signature over everything else in the certificate. */
export function verifyCertificateSignature(cert: Certificate): { ok: true } | { ok: false; reason: string } {
  const { signature, eip712, ...body } = cert;
  let signer: string;
  try {
    signer = verifyTypedData(certificateDomain(body), CERTIFICATE_TYPES, certificateMessage(body), signature);
  } catch (e) {
    return { ok: false, reason: `the signature cannot be checked: ${e instanceof Error ? e.message.split(' (')[0] ?? '' : String(e)}` };
  }
  if (getAddress(signer) !== getAddress(cert.owner)) {
    return { ok: false, reason: `signed by ${signer}, not by the owner ${getAddress(cert.owner)} (or a field was changed after signing)` };
  }
  // The signature holds; the eip712 section (unsigned) must describe it, or another program
  // reading the file would check something else.
  if (eip712 !== undefined && !isDeepStrictEqual(eip712, certificateEip712(body))) {
    return { ok: false, reason: 'its eip712 section does not describe how it was signed (another domain or other types), so a program reading it would check the wrong thing' };
  }
  return { ok: true };
}

// ------------------------------------------------------------------ validation

const HEX32 = /^(0x)?[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const UINT = /^(0|[1-9]\d{0,77})$/;
const ITEM_ID = /^[A-Za-z0-9_-]{1,100}$/;
const count = (max: number) => z.number().int('must be a whole number').min(0, 'cannot be negative').max(max, 'is too large');
const text = (max: number) => z.string().max(max, `is longer than ${max.toLocaleString('en-US')} characters`);

const ReceiptSchema = z.looseObject({
  id: z.string().regex(ITEM_ID, 'must be a storage item id'),
  timestamp: count(Number.MAX_SAFE_INTEGER),
  version: text(32),
  public: text(4096),
  signature: text(4096),
  deadlineHeight: count(Number.MAX_SAFE_INTEGER),
});

const Eip712Schema = z.strictObject({
  primaryType: z.literal('Certificate', 'must be Certificate'),
  domain: z.strictObject({ name: text(100), version: text(20), chainId: count(Number.MAX_SAFE_INTEGER), verifyingContract: z.string().regex(ADDRESS, 'must be an address (0x and 40 hexadecimal digits)') }),
  types: z.record(text(100), z.array(z.strictObject({ name: text(100), type: text(100) })).max(50, 'has too many fields')),
  message: z.array(text(1000)).max(50, 'has too many lines'),
});

/**
 * The shape of a certificate, checked before anything else is. Everything the signature covers
 * field by field is strict (a field it does not cover is refused); `storage` is covered whole
 * (by its digest), so it may hold more than what Ativo reads.
 */
export const CertificateSchema = z.strictObject({
  version: z.number().int('must be a whole number').min(1, 'must be 1 or more').max(CERTIFICATE_VERSION, 'is newer than this Ativo reads'),
  asset: z.strictObject({
    name: text(1000),
    kind: z.enum(['dataset', 'model'], 'must be dataset or model'),
    files: count(1_000_000_000),
    bytes: count(Number.MAX_SAFE_INTEGER),
    contentRoot: z.string().regex(HEX32, 'must be 64 hexadecimal digits'),
  }),
  license: z.strictObject({
    terms: text(100_000),
    termsHash: z.string().regex(HEX32, 'must be 64 hexadecimal digits'),
    price: z.string().regex(UINT, 'must be a whole number of wei, written in decimal digits'),
    currency: text(16),
  }),
  split: z
    .array(z.strictObject({ address: z.string().regex(ADDRESS, 'must be an address (0x and 40 hexadecimal digits)'), bps: count(10_000) }))
    .min(1, 'is empty')
    .max(1000, 'has more than 1,000 shares'),
  storage: z.looseObject({
    network: text(64),
    manifestId: z.string().regex(ITEM_ID, 'must be a storage item id'),
    receipts: z.array(ReceiptSchema).max(10_000_000, 'has more than 10,000,000 entries'),
    previous: z.looseObject({ contentRoot: z.string().regex(HEX32, 'must be 64 hexadecimal digits'), manifestId: text(100).nullable().optional(), tokenId: z.string().regex(UINT, 'must be a token number').nullable().optional() }).optional(),
  }),
  chain: z.strictObject({
    chainId: z.number().int('must be a whole number').min(1, 'must be 1 or more').max(Number.MAX_SAFE_INTEGER, 'is too large'),
    registry: z.string().regex(ADDRESS, 'must be an address (0x and 40 hexadecimal digits)'),
    tokenId: z.string().regex(UINT, 'must be a token number'),
    txHash: z.string().regex(HEX32, 'must be a transaction hash (64 hexadecimal digits)'),
    blockNumber: count(Number.MAX_SAFE_INTEGER),
  }),
  owner: z.string().regex(ADDRESS, 'must be an address (0x and 40 hexadecimal digits)'),
  signature: z.string().regex(/^0x[0-9a-fA-F]{128,130}$/, 'must be a signature (0x and 130 hexadecimal digits)'),
  eip712: Eip712Schema.optional(),
});

/** Words for the certificate's fields, for messages ("the content root (asset.contentRoot)"). */
const FIELD_WORDS: Record<string, string> = {
  version: 'the certificate version',
  asset: 'the asset section',
  'asset.name': "the asset's name",
  'asset.kind': "the asset's kind",
  'asset.files': "the asset's file count",
  'asset.bytes': "the asset's size",
  'asset.contentRoot': 'the content root',
  license: 'the license section',
  'license.terms': 'the license terms',
  'license.termsHash': 'the license terms hash',
  'license.price': 'the price',
  'license.currency': 'the currency',
  split: 'the revenue split',
  storage: 'the storage section',
  'storage.network': 'the storage network',
  'storage.manifestId': 'the manifest id',
  'storage.receipts': 'the storage receipts',
  'storage.previous': 'the previous version',
  chain: 'the chain section',
  'chain.chainId': 'the chain id',
  'chain.registry': 'the registry address',
  'chain.tokenId': 'the token id',
  'chain.txHash': 'the registration transaction hash',
  'chain.blockNumber': 'the registration block number',
  owner: 'the owner address',
  signature: 'the signature',
  eip712: 'the eip712 section',
};

function kindOf(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

const EXPECTED_WORDS: Record<string, string> = { array: 'a list', object: 'an object', string: 'text', number: 'a number', boolean: 'true or false' };

function at(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function fieldWords(path: readonly PropertyKey[]): string {
  const json = path.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.').replace(/\.\[/g, '[');
  const named = path.filter((k) => typeof k !== 'number').map(String).join('.');
  const index = path.find((k) => typeof k === 'number');
  const base = FIELD_WORDS[named];
  if (path.length === 0) return 'the certificate';
  if (base !== undefined && index === undefined) return `${base} (${json})`;
  const last = path[path.length - 1];
  const of = typeof last === 'string' && typeof path[path.length - 2] === 'number' ? `the ${last} of ` : '';
  if (path[0] === 'split' && typeof index === 'number') return `${of}share ${index + 1} of the revenue split (${json})`;
  if (path[0] === 'storage' && path[1] === 'receipts' && typeof index === 'number') return `${of}storage receipt ${index + 1} (${json})`;
  return json;
}

function issueSentence(issue: z.core.$ZodIssue, input: unknown): string {
  const where = fieldWords(issue.path);
  const value = at(input, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `${where} is missing`;
      return `${where} must be ${EXPECTED_WORDS[issue.expected] ?? issue.expected}, not ${kindOf(value)}`;
    case 'unrecognized_keys':
      return `${where} holds ${issue.keys.length === 1 ? 'a field' : 'fields'} the signature does not cover (${issue.keys.slice(0, 5).join(', ')})`;
    case 'too_big':
    case 'too_small':
    case 'invalid_format':
    case 'invalid_value':
    case 'not_multiple_of':
    case 'custom':
      return `${where} ${issue.message}`;
    default:
      return `${where} is not valid`;
  }
}

/**
 * Checks that `input` has the shape of a certificate. On failure, `reason` is a sentence a
 * person can act on, naming at most five problems.
 */
export function parseCertificate(input: unknown): { ok: true; certificate: Certificate } | { ok: false; reason: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, reason: 'This is not an Ativo certificate (ativo-certificate.json): it must be a JSON object.' };
  }
  const r = CertificateSchema.safeParse(input);
  if (r.success) return { ok: true, certificate: input as Certificate };
  const version = (input as { version?: unknown }).version;
  if (typeof version === 'number' && Number.isInteger(version) && version > CERTIFICATE_VERSION) {
    return { ok: false, reason: `This certificate was made by a newer version of Ativo (certificate version ${version}; this one reads up to ${CERTIFICATE_VERSION}): update Ativo to check it.` };
  }
  const problems = r.error.issues.map((i) => issueSentence(i, input));
  const unique = [...new Set(problems)];
  const listed = unique.slice(0, 5).join('; ') + (unique.length > 5 ? `; and ${unique.length - 5} more problem(s)` : '');
  return { ok: false, reason: `This certificate is malformed, so nothing in it was checked: ${listed}. Ask whoever gave it to you for the original ativo-certificate.json.` };
}
