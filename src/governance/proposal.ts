/**
 * Proposals of new terms between apps (issue 17), without a server: the documents and the checks.
 *
 * A proposal names the exact new terms of one registry token (terms hash, price, access period,
 * split), the token's consent nonce and a deadline, and carries its author's EIP-712 signature
 * of type `TermsChange` (the very signature AtivoRegistry.changeTerms checks, so an author who
 * is a payee has consented by proposing). Its id is that EIP-712 digest. Payees answer with a
 * consent document: a signature of the same digest ("sign"), or a personal-sign message naming
 * the id ("decline").
 *
 * Everything read back from a storage node is untrusted: `checkProposal` and `checkAnswer`
 * accept a document only when its signature recovers to the wallet it names, that wallet is a
 * payee (or the owner, for a proposal) of the token as the chain says now, the digest is the one
 * for the token's CURRENT consent nonce (the caller also compares it with the contract's own
 * termsChangeDigest) and the deadline has not passed. Anything else is ignored, with the reason.
 */
import { TypedDataEncoder, getAddress, recoverAddress, verifyMessage, type Wallet } from 'ethers';
import { z } from 'zod';
import { termsHash as hashTerms } from '../publish/pipeline';
import { splitAccessPeriod, withAccessPeriod } from '../publish/terms';

export const PROPOSAL_TYPE = 'ativo-proposal';
export const ANSWER_TYPE = 'ativo-proposal-answer';
/** A proposal or answer document is at most this large (the terms text is at most 20,000 characters). */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

/** The EIP-712 type AtivoRegistry checks (src/chain/contracts/AtivoRegistry.sol, TERMS_CHANGE_TYPEHASH). */
export const TERMS_CHANGE_TYPES = {
  TermsChange: [
    { name: 'tokenId', type: 'uint256' },
    { name: 'contentRoot', type: 'bytes32' },
    { name: 'termsHash', type: 'bytes32' },
    { name: 'price', type: 'uint256' },
    { name: 'accessPeriod', type: 'uint64' },
    { name: 'payees', type: 'address[]' },
    { name: 'bps', type: 'uint16[]' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
};

export const registryDomain = (chainId: number, registry: string) => ({ name: 'AtivoRegistry', version: '1', chainId, verifyingContract: getAddress(registry) });

const Hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const Uint = z.string().regex(/^\d{1,78}$/);

/** The new terms, as `NewTerms` in the contract. */
export const NewTerms = z.object({
  termsHash: Hex32,
  price: Uint,
  accessPeriod: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  payees: z.array(Address).min(1).max(50),
  bps: z.array(z.number().int().min(0).max(10_000)).min(1).max(50),
});
export type NewTerms = z.infer<typeof NewTerms>;

export const ProposalDoc = z
  .object({
    type: z.literal(PROPOSAL_TYPE),
    version: z.literal(1),
    chainId: z.number().int().positive(),
    registry: Address,
    tokenId: Uint,
    contentRoot: Hex32,
    terms: NewTerms,
    /** For people and for the certificate: the license id and the full terms text whose hash is terms.termsHash. */
    license: z.string().max(40),
    termsText: z.string().max(40_000),
    nonce: Uint,
    /** Unix seconds. */
    deadline: z.number().int().positive(),
    author: Address,
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
    createdAt: z.string().max(40),
  })
  .strict();
export type ProposalDoc = z.infer<typeof ProposalDoc>;

export const AnswerDoc = z
  .object({
    type: z.literal(ANSWER_TYPE),
    version: z.literal(1),
    proposalId: Hex32,
    chainId: z.number().int().positive(),
    registry: Address,
    tokenId: Uint,
    signer: Address,
    decision: z.enum(['sign', 'decline']),
    /** sign: EIP-712 signature of the proposal's digest; decline: personal-sign of declineMessage(proposalId). */
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
    createdAt: z.string().max(40),
  })
  .strict();
export type AnswerDoc = z.infer<typeof AnswerDoc>;

/** The token as the chain holds it now: what every document is checked against. */
export interface TokenState {
  chainId: number;
  registry: string;
  tokenId: string;
  contentRoot: string;
  owner: string;
  payees: { payee: string; bps: number }[];
  /** governanceOf: the consent rule (bps, 0 = owner alone) and the nonce a consent must name. */
  consentBps: number;
  nonce: string;
  /** Chain time, unix seconds. */
  now: number;
}

const lower = (s: string): string => s.toLowerCase();

/** The typed-data value of a proposal (what is signed). */
export function termsChangeValue(p: Pick<ProposalDoc, 'tokenId' | 'contentRoot' | 'terms' | 'nonce' | 'deadline'>) {
  return {
    tokenId: BigInt(p.tokenId),
    contentRoot: p.contentRoot,
    termsHash: p.terms.termsHash,
    price: BigInt(p.terms.price),
    accessPeriod: BigInt(p.terms.accessPeriod),
    payees: p.terms.payees,
    bps: p.terms.bps,
    nonce: BigInt(p.nonce),
    deadline: BigInt(p.deadline),
  };
}

/** A proposal's id: the EIP-712 digest its payees sign (lowercase hex). */
export function proposalId(p: Pick<ProposalDoc, 'chainId' | 'registry' | 'tokenId' | 'contentRoot' | 'terms' | 'nonce' | 'deadline'>): string {
  return lower(TypedDataEncoder.hash(registryDomain(p.chainId, p.registry), TERMS_CHANGE_TYPES, termsChangeValue(p)));
}

export const declineMessage = (id: string): string => `Ativo: I decline the proposal ${lower(id)} (no change of terms is signed by this message).`;

export type Unsigned = Omit<ProposalDoc, 'type' | 'version' | 'author' | 'signature'>;

/** Builds and signs a proposal as `wallet`. */
export async function signProposal(wallet: Wallet, p: Unsigned): Promise<ProposalDoc> {
  if (hashTerms(p.termsText) !== lower(p.terms.termsHash)) throw new Error('the terms text does not match its hash');
  const signature = await wallet.signTypedData(registryDomain(p.chainId, p.registry), TERMS_CHANGE_TYPES, termsChangeValue(p));
  return { type: PROPOSAL_TYPE, version: 1, ...p, registry: lower(p.registry), author: wallet.address, signature };
}

/** Signs (consents to) or declines proposal `doc` as `wallet`. */
export async function answerProposal(wallet: Wallet, doc: ProposalDoc, decision: 'sign' | 'decline', createdAt: string): Promise<AnswerDoc> {
  const id = proposalId(doc);
  const signature =
    decision === 'sign'
      ? await wallet.signTypedData(registryDomain(doc.chainId, doc.registry), TERMS_CHANGE_TYPES, termsChangeValue(doc))
      : await wallet.signMessage(declineMessage(id));
  return { type: ANSWER_TYPE, version: 1, proposalId: id, chainId: doc.chainId, registry: lower(doc.registry), tokenId: doc.tokenId, signer: wallet.address, decision, signature, createdAt };
}

export type Checked<T> = { ok: true; doc: T; id: string } | { ok: false; why: string };

const recovers = (digest: string, signature: string, who: string): boolean => {
  try {
    return lower(recoverAddress(digest, signature)) === lower(who);
  } catch {
    return false;
  }
};

const sameToken = (d: { chainId: number; registry: string; tokenId: string }, t: TokenState): boolean =>
  d.chainId === t.chainId && lower(d.registry) === lower(t.registry) && d.tokenId === t.tokenId;

/** Checks a proposal read from anywhere against the token as the chain holds it now. */
export function checkProposal(raw: unknown, t: TokenState): Checked<ProposalDoc> {
  const parsed = ProposalDoc.safeParse(raw);
  if (!parsed.success) return { ok: false, why: 'it is not a proposal document' };
  const doc = parsed.data;
  if (!sameToken(doc, t)) return { ok: false, why: 'it is for another token' };
  if (lower(doc.contentRoot) !== lower(t.contentRoot)) return { ok: false, why: 'it names other content' };
  if (doc.terms.payees.length !== doc.terms.bps.length) return { ok: false, why: 'its split is malformed' };
  if (hashTerms(doc.termsText) !== lower(doc.terms.termsHash)) return { ok: false, why: 'its terms text does not match its terms hash' };
  if (doc.nonce !== t.nonce) return { ok: false, why: 'it was made for an earlier state of the terms (stale nonce)' };
  if (doc.deadline <= t.now) return { ok: false, why: 'it expired' };
  const id = proposalId(doc);
  if (!recovers(id, doc.signature, doc.author)) return { ok: false, why: 'its signature is not its author’s' };
  const member = lower(doc.author) === lower(t.owner) || t.payees.some((p) => lower(p.payee) === lower(doc.author));
  if (!member) return { ok: false, why: 'its author is neither the owner nor a payee' };
  return { ok: true, doc, id };
}

/** Checks an answer (sign or decline) to proposal `proposal` (already checked) against the token now. */
export function checkAnswer(raw: unknown, proposal: ProposalDoc, t: TokenState): Checked<AnswerDoc> {
  const parsed = AnswerDoc.safeParse(raw);
  if (!parsed.success) return { ok: false, why: 'it is not an answer document' };
  const doc = parsed.data;
  const id = proposalId(proposal);
  if (lower(doc.proposalId) !== id || !sameToken(doc, t)) return { ok: false, why: 'it answers another proposal' };
  if (!t.payees.some((p) => lower(p.payee) === lower(doc.signer))) return { ok: false, why: 'its signer is not a payee' };
  if (doc.decision === 'sign') {
    if (!recovers(id, doc.signature, doc.signer)) return { ok: false, why: 'its signature is not its signer’s' };
  } else {
    let who = '';
    try {
      who = verifyMessage(declineMessage(id), doc.signature);
    } catch {
      /* not a signature */
    }
    if (lower(who) !== lower(doc.signer)) return { ok: false, why: 'its signature is not its signer’s' };
  }
  return { ok: true, doc, id };
}

/** The share (bps) of the token's payees among `wallets` (each counted once). */
export function consentedBps(t: TokenState, wallets: readonly string[]): number {
  const set = new Set(wallets.map(lower));
  return t.payees.filter((p) => set.has(lower(p.payee))).reduce((s, p) => s + p.bps, 0);
}

/** What changes, in plain words ("Price 0.01 ETH → 0.02 ETH"), given the token's current terms. */
export function describeChange(
  now: { price: bigint; termsHash: string; accessPeriod: number; split: { payee: string; bps: number }[]; license?: string | undefined },
  p: ProposalDoc,
  eth: (wei: bigint) => string,
): string[] {
  const out: string[] = [];
  if (BigInt(p.terms.price) !== now.price) out.push(`Price ${eth(now.price)} → ${eth(BigInt(p.terms.price))}`);
  // The access period is a sentence of the terms text: a change of it alone is not a change of license.
  const sameLicense = hashTerms(withAccessPeriod(splitAccessPeriod(p.termsText).license, Math.round(now.accessPeriod / 86_400))) === lower(now.termsHash);
  if (lower(p.terms.termsHash) !== lower(now.termsHash) && !sameLicense) out.push(now.license !== undefined && now.license !== p.license ? `License ${now.license} → ${p.license}` : `License terms changed (${p.license})`);
  if (p.terms.accessPeriod !== now.accessPeriod) {
    const days = (s: number): string => (s === 0 ? 'perpetual' : `${Math.round(s / 86_400)} day(s)`);
    out.push(`Access ${days(now.accessPeriod)} → ${days(p.terms.accessPeriod)}`);
  }
  const split = (s: { payee: string; bps: number }[]): string => s.map((e) => `${lower(e.payee).slice(0, 8)}… ${e.bps / 100}%`).join(', ');
  const next = p.terms.payees.map((payee, i) => ({ payee, bps: p.terms.bps[i] ?? 0 }));
  if (split(next) !== split(now.split)) out.push(`Split ${split(now.split)} → ${split(next)}`);
  return out.length > 0 ? out : ['No change'];
}
