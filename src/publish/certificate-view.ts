/**
 * The certificate for people (issue 16): what an `ativo-certificate.json` proves and what it
 * preserves, in plain words. One view feeds the app's certificate page and the printable HTML
 * export (certificate-html.ts), so both say the same thing.
 *
 * It only reads the document: checking it is `verify` (verify.ts). A field missing or of the
 * wrong type reads "not stated" rather than failing, so even a damaged certificate can be read.
 */
import { priceText } from '../util/format';
import { splitAccessPeriod } from './terms';

export interface CertificateLine {
  label: string;
  value: string;
  /** Shown in a monospace font (hashes, addresses, ids). */
  code?: boolean;
}

export interface CertificateSection {
  heading: string;
  /** One or two sentences saying what the lines mean. */
  summary: string;
  lines: CertificateLine[];
}

export interface CertificateView {
  title: string;
  kind: string;
  /** The first sentence a person reads. */
  headline: string;
  sections: CertificateSection[];
  /** How anyone checks it without Ativo. */
  howToCheck: string[];
}

const NOT_STATED = 'not stated';
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string => (typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : NOT_STATED);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

const NETWORKS: Record<string, string> = { '31337': 'the Ativo sandbox (a local test chain)', '1': 'Ethereum mainnet', '11155111': 'the Sepolia test network', '84532': 'the Base Sepolia test network', '8453': 'Base' };

function bytesText(n: number | null): string {
  if (n === null) return NOT_STATED;
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} ${n === 1 ? 'byte' : 'bytes'}` : `${v.toFixed(1)} ${units[i] ?? ''}`;
}

function priceOrNotStated(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{1,78}$/.test(v)) return NOT_STATED;
  return priceText(v);
}

const dateText = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');

export function certificateView(doc: unknown, opts: { certifiedAt?: string | null } = {}): CertificateView {
  const c = obj(doc);
  const asset = obj(c.asset);
  const license = obj(c.license);
  const storage = obj(c.storage);
  const chain = obj(c.chain);
  const name = str(asset.name);
  const kind = asset.kind === 'model' ? 'model' : asset.kind === 'dataset' ? 'dataset' : 'asset';
  const owner = str(c.owner);
  const chainId = str(chain.chainId);
  const network = NETWORKS[chainId] ?? `the chain with id ${chainId}`;
  const files = num(asset.files);
  const when = typeof opts.certifiedAt === 'string' && !Number.isNaN(Date.parse(opts.certifiedAt)) ? dateText(Date.parse(opts.certifiedAt)) : null;
  const terms = typeof license.terms === 'string' ? splitAccessPeriod(license.terms) : null;
  const split = Array.isArray(c.split) ? c.split.map(obj) : [];
  const receipts = Array.isArray(storage.receipts) ? storage.receipts.map(obj) : [];
  const stamps = receipts.map((r) => num(r.timestamp)).filter((t): t is number => t !== null);
  const previous = obj(storage.previous);

  const headline =
    `${owner} registered the ${kind} “${name}” (${files === null ? 'an unknown number of' : files} ${files === 1 ? 'file' : 'files'}, ${bytesText(num(asset.bytes))}) ` +
    `as asset #${str(chain.tokenId)} on ${network}${when !== null ? `, certified ${when}` : ''}.`;

  const proven: CertificateSection = {
    heading: 'What is proven',
    summary:
      'The registry on the chain records who registered this exact content, and when. The content root is a fingerprint of every file: changing, adding or removing a single byte gives another one. The owner signed this certificate with the same wallet.',
    lines: [
      { label: 'Registered by', value: owner, code: true },
      { label: 'Content', value: `${name}: ${files === null ? NOT_STATED : `${files} ${files === 1 ? 'file' : 'files'}`}, ${bytesText(num(asset.bytes))}` },
      { label: 'Content root (SHA-256)', value: str(asset.contentRoot), code: true },
      { label: 'Chain', value: `${network}, chain id ${chainId}` },
      { label: 'Registry', value: str(chain.registry), code: true },
      { label: 'Asset number', value: `#${str(chain.tokenId)}` },
      { label: 'Registration', value: `transaction ${str(chain.txHash)} in block ${str(chain.blockNumber)}`, code: true },
      ...(when !== null ? [{ label: 'Certified', value: when }] : []),
      { label: "Owner's signature", value: str(c.signature), code: true },
    ],
  };

  const termsSection: CertificateSection = {
    heading: 'Under which terms',
    summary:
      'Anyone may ask the owner for access by paying the price into the registry, which holds it until the owner decides. If the owner approves, the payment goes to the people below; if the owner denies, or does not answer in time, the buyer gets it back.',
    lines: [
      { label: 'License', value: terms?.license ?? NOT_STATED },
      { label: 'Access lasts', value: terms === null ? NOT_STATED : terms.days === 0 ? 'for good' : `${terms.days} ${terms.days === 1 ? 'day' : 'days'} from each approval` },
      { label: 'Price', value: priceOrNotStated(license.price) },
      { label: 'Terms fingerprint', value: str(license.termsHash), code: true },
      ...split.map((s, i) => ({ label: i === 0 ? 'Paid to' : '', value: `${str(s.address)}: ${num(s.bps) === null ? NOT_STATED : `${((num(s.bps) ?? 0) / 100).toString()}%`}`, code: true })),
    ],
  };

  const preserved: CertificateSection = {
    heading: 'What is preserved, and where',
    summary: `The file list and the files are kept on the ${str(storage.network)} storage network; each stored item has a receipt signed by the storage node, saying when it accepted it.`,
    lines: [
      { label: 'Storage network', value: str(storage.network) },
      { label: 'File list (manifest) id', value: str(storage.manifestId), code: true },
      { label: 'Storage receipts', value: `${receipts.length}` },
      ...(stamps.length > 0 ? [{ label: 'Stored', value: stamps.length === 1 ? dateText(Math.min(...stamps)) : `${dateText(Math.min(...stamps))} to ${dateText(Math.max(...stamps))}` }] : []),
      ...(typeof previous.contentRoot === 'string' ? [{ label: 'Previous version', value: `content root ${previous.contentRoot}${typeof previous.tokenId === 'string' ? `, asset #${previous.tokenId}` : ''}`, code: true }] : []),
    ],
  };

  return {
    title: name,
    kind,
    headline,
    sections: [proven, termsSection, preserved],
    howToCheck: [
      'The content root of a folder, with standard tools only (Linux, or macOS with GNU coreutils), run inside the folder:',
      "find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum",
      'It must print the content root above. The Verify screen of Ativo also checks the signature, the registration on the chain and the storage receipts.',
    ],
  };
}
