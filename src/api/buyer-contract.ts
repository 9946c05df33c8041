/**
 * Commands of buying inside the app (issue 16): what an asset offers a buyer, the requests this
 * wallet made, and a download into a folder. Spread into `commands` (contract.ts). Free of Node
 * and DOM APIs, like the contract.
 */
import { z } from 'zod';
import { AbsolutePath, ChainId, JobState } from './schemas';

const Wei = z.string().regex(/^\d{1,78}$/, 'must be an amount in wei (a whole number)');
const TokenId = z.string().regex(/^[1-9]\d{0,77}$/, 'must be a positive whole number');
const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a registry address (0x and 40 hexadecimal digits)');

/** What a buyer reads before asking for access: everything from the chain, the license named when it is a listed one. */
export const Offer = z.object({
  network: z.string(),
  chainId: z.number().int(),
  registry: z.string(),
  tokenId: z.string(),
  /** The asset's name when this catalog holds its certificate (null otherwise: the chain holds no name). */
  name: z.string().nullable(),
  owner: z.string(),
  /** The wallet in use owns it: it has access already, and makes no request. */
  isOwner: z.boolean(),
  priceWei: Wei,
  /** The terms hash on chain: what a request sends back as "the terms I read". */
  termsHash: z.string(),
  /** The listed license's id (CC-BY-4.0…) when the terms are one, else null. */
  license: z.string().nullable(),
  /** The license text when known (a listed license, or this catalog's certificate), else null. */
  licenseText: z.string().nullable(),
  /** Days each approval lasts (0 = for good). */
  accessDays: z.number().int(),
  /** Days the owner has to answer before the buyer may cancel and take the payment back. */
  timeoutDays: z.number(),
  forSale: z.boolean(),
  contentRoot: z.string(),
  /** The local asset when this catalog holds it (its owner's app), else null. */
  assetId: z.number().int().nullable(),
});

export const MyRequest = z.object({
  requestId: z.string(),
  tokenId: z.string(),
  name: z.string().nullable(),
  amountWei: Wei,
  state: z.enum(['pending', 'approved', 'denied', 'cancelled', 'expired']),
  message: z.string(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  /** From then on the buyer may cancel an unanswered request. */
  cancellableAt: z.string(),
  /** When an approved access ends (null: not approved, or for good). */
  expiresAt: z.string().nullable(),
  /** The local asset holding its certificate, when this catalog has one. */
  assetId: z.number().int().nullable(),
  /** The latest download of this request (a durable job: buyer.download), or null. */
  download: z
    .object({
      jobId: z.number().int(),
      state: JobState,
      out: z.string(),
      /** When done: the files written and the content root they matched. */
      files: z.number().int().nullable(),
      contentRoot: z.string().nullable(),
      error: z.string().nullable(),
    })
    .nullable()
    .default(null),
  /** Approved by one of the owner's approvers and its key not delivered yet (issue 17): what to tell the buyer; null otherwise. */
  keyNote: z.string().nullable(),
});

const CertificateLine = z.object({ label: z.string(), value: z.string(), code: z.boolean().optional() });
/** The certificate for people (src/publish/certificate-view.ts). */
export const CertificateView = z.object({
  title: z.string(),
  kind: z.string(),
  headline: z.string(),
  sections: z.array(z.object({ heading: z.string(), summary: z.string(), lines: z.array(CertificateLine) })),
  howToCheck: z.array(z.string()),
});

export const buyerCommands = {
  'buyer.offer': {
    input: z.object({ chainId: z.number().int().positive(), registry: Address, tokenId: TokenId }).strict(),
    output: Offer,
  },
  /** Requests the wallet in use made on the current network, newest first, with what it may withdraw. */
  'buyer.requests': {
    input: z.object({}).strict(),
    output: z.object({ wallet: z.string(), network: z.string(), items: z.array(MyRequest), withdrawableWei: Wei }),
  },
  /**
   * Downloads what an approved request opens into a new (or empty) folder, as a background job:
   * fetch, decrypt and verify into a temporary folder beside it, renamed into place only when
   * every file matches the registered content root. One live download per request.
   */
  'buyer.download': {
    input: z.object({ requestId: ChainId, out: AbsolutePath }).strict(),
    output: z.object({ jobId: z.number().int(), created: z.boolean() }),
  },
  /** An asset's latest certificate in plain words, its printable HTML page, and the JSON itself. */
  'buyer.certificate': {
    input: z.object({ id: z.number().int().positive() }).strict(),
    output: z.object({
      view: CertificateView,
      html: z.string(),
      certificate: z.record(z.string(), z.unknown()),
      fileName: z.string(),
      /** The asset's link (ativo://asset/…) and the app's route to its public page; null when the certificate names no valid registration. */
      link: z.string().nullable(),
      route: z.string().nullable(),
    }),
  },
} as const;

export type Offer = z.infer<typeof Offer>;
export type MyRequest = z.infer<typeof MyRequest>;
export type CertificateView = z.infer<typeof CertificateView>;
