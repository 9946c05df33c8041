/**
 * The proposals side of governance (issue 17) for the backend: reading proposals of tokens where
 * the wallet in use is a payee or the owner from the storage node (checked, cached in the
 * catalog, recorded in the audit log), their views for the app, and the owner's automatic
 * submission once enough payees agreed. Used by governance.ts (commands) and its poller.
 */
import { formatEther } from 'ethers';
import type { ProposalRow } from '../catalog/proposals';
import type { RegistryClient } from '../chain/client';
import type { ChainConnection } from '../chain/provider';
import { consentedBps, describeChange, type ProposalDoc, type TokenState } from '../governance/proposal';
import { findItems, readProposals, tokenState } from '../governance/store';
import { SUBMIT_JOB_KIND, submitKey, type SubmitCheckpoint } from '../governance/submit';
import { licenseOf, splitAccessPeriod } from '../publish/terms';
import type { JsonObject } from '../jobs';
import { AtivoError } from '../util/errors';
import type { BackendContext } from './context';
import type { ProposalView } from './governance-contract';

export interface GovHandle {
  network: string;
  chainId: number;
  conn: ChainConnection;
  registry: RegistryClient;
  registryAddress: string;
  storageUrl: string | null;
}

const lower = (s: string): string => s.toLowerCase();
export const eth = (wei: bigint): string => `${formatEther(wei)} ETH`;
export const ruleWords = (bps: number): string => (bps === 0 ? 'The owner alone decides changes of terms' : bps >= 10_000 ? 'Every payee must agree to changes of terms' : `Payees holding at least ${bps / 100}% of the split must agree to changes of terms`);
const LIVE = ['queued', 'running', 'paused', 'waiting'] as const;

/** An accepted proposal's terms in one line ("New terms: 0.02 ETH, CC-BY-4.0, access for 30 day(s), split 0x1234ab… 60%, …"). */
function acceptedTerms(doc: ProposalDoc): string {
  const days = Math.round(doc.terms.accessPeriod / 86_400);
  const split = doc.terms.payees.map((p, i) => `${lower(p).slice(0, 8)}… ${(doc.terms.bps[i] ?? 0) / 100}%`).join(', ');
  return `New terms: ${eth(BigInt(doc.terms.price))}, ${doc.license}, ${days === 0 ? 'access with no end' : `access for ${days} day(s)`}, split ${split}`;
}

export class ProposalBook {
  constructor(private readonly ctx: BackendContext) {}

  async handle(): Promise<GovHandle> {
    const h = await this.ctx.chain.chain();
    if (!h.registry || h.registryAddress === null) {
      throw new AtivoError('NOT_CONFIGURED', `There is no AtivoRegistry on ${h.network}: add its address in the network settings.`, { cli: `There is no AtivoRegistry on ${h.network}: set one with ativo network set ${h.network} --registry 0x…` });
    }
    return { network: h.network, chainId: h.chainId, conn: h.conn, registry: h.registry, registryAddress: h.registryAddress.toLowerCase(), storageUrl: h.storageUrl };
  }

  async token(h: GovHandle, tokenId: string): Promise<TokenState> {
    const t = await tokenState(h.conn, h.registry, h.chainId, tokenId);
    if (t === null) throw new AtivoError('NOT_FOUND', `Asset token #${tokenId} is not on this network's registry (was the sandbox reset?).`);
    return t;
  }

  /** The local asset of a token, when this catalog holds its certificate. */
  assetOf(h: GovHandle, tokenId: string): number | null {
    return this.ctx.catalog.certificates.byToken(h.chainId, h.registryAddress, tokenId)?.assetId ?? null;
  }

  /** The license id of a token's current terms, when this catalog holds its certificate. */
  licenseOf(h: GovHandle, tokenId: string): string | undefined {
    const doc = this.ctx.catalog.certificates.byToken(h.chainId, h.registryAddress, tokenId)?.document as { license?: { terms?: unknown } } | null | undefined;
    const terms = doc?.license?.terms;
    return typeof terms === 'string' ? licenseOf(splitAccessPeriod(terms).license).license : undefined;
  }

  submitJob(network: string, id: string): number | null {
    const key = submitKey(network, id);
    return this.ctx.jobs.list({ kind: SUBMIT_JOB_KIND, limit: 1000, offset: 0 }).items.find((j) => j.dedupeKey === key)?.id ?? null;
  }

  private liveSubmitJob(network: string, id: string): number | null {
    const key = submitKey(network, id);
    return this.ctx.jobs.list({ kind: SUBMIT_JOB_KIND, state: [...LIVE], limit: 1000, offset: 0 }).items.find((j) => j.dedupeKey === key)?.id ?? null;
  }

  /** Consent gathered for a cached proposal: signers (other than the submitter), their signatures, and the share (bps) that agreed. */
  consent(row: ProposalRow, t: TokenState): { signers: string[]; signatures: string[]; agreed: number } {
    const doc = row.document as ProposalDoc;
    const signs = row.answers.filter((a) => a.decision === 'sign' && lower(a.signer) !== lower(t.owner));
    // The author signed by proposing (its signature is the proposal's own); the owner consents by sending.
    const fromAuthor = lower(doc.author) !== lower(t.owner) && !signs.some((a) => lower(a.signer) === lower(doc.author)) ? [{ signer: doc.author, signature: doc.signature }] : [];
    const all = [...fromAuthor, ...signs.map((a) => ({ signer: a.signer, signature: a.signature }))].filter((s) => t.payees.some((p) => lower(p.payee) === lower(s.signer)));
    return { signers: all.map((s) => s.signer), signatures: all.map((s) => s.signature), agreed: consentedBps(t, [t.owner, ...all.map((s) => s.signer)]) };
  }

  private async cached(h: GovHandle, tokenId: string, cache: Map<string, TokenState | null>): Promise<TokenState | null> {
    let t = cache.get(tokenId);
    if (t === undefined) {
      t = await tokenState(h.conn, h.registry, h.chainId, tokenId).catch(() => null);
      cache.set(tokenId, t);
    }
    return t;
  }

  /**
   * Whether `me` is the owner or a payee of the row's token as the chain says now. The cache is
   * per network, not per wallet: after a wallet switch it still holds the proposals read for the
   * previous wallet, which are not this one's to see or answer.
   */
  async concerns(h: GovHandle, row: ProposalRow, me: string | null, cache = new Map<string, TokenState | null>()): Promise<boolean> {
    if (me === null) return false;
    const t = await this.cached(h, row.tokenId, cache);
    return t !== null && (lower(t.owner) === lower(me) || t.payees.some((p) => lower(p.payee) === lower(me)));
  }

  async view(h: GovHandle, row: ProposalRow, me: string | null, cache = new Map<string, TokenState | null>()): Promise<ProposalView> {
    const t = await this.cached(h, row.tokenId, cache);
    const doc = row.document as ProposalDoc;
    const asset = t === null ? null : await h.registry.asset(BigInt(row.tokenId)).catch(() => null);
    const changes =
      row.state === 'submitted'
        ? [acceptedTerms(doc)] // the chain holds them now: compared with it, nothing would differ
        : asset === null
          ? [`Price → ${eth(BigInt(doc.terms.price))}`]
          : describeChange({ ...asset, license: this.licenseOf(h, row.tokenId) }, doc, eth);
    const consent = t === null ? { agreed: 0 } : this.consent(row, t);
    const isOwner = t !== null && me !== null && lower(t.owner) === lower(me);
    const isPayee = t !== null && me !== null && t.payees.some((p) => lower(p.payee) === lower(me));
    const answered = me !== null && (row.answers.some((a) => lower(a.signer) === lower(me)) || lower(doc.author) === lower(me));
    const assetId = row.assetId;
    const name = assetId !== null ? (this.ctx.catalog.assets.get(assetId)?.name ?? null) : (this.ctx.catalog.discover.get(h.network, h.registryAddress, row.tokenId)?.name ?? null);
    return {
      id: row.id,
      network: row.network,
      tokenId: row.tokenId,
      assetId,
      assetName: name,
      author: doc.author,
      changes,
      priceWei: doc.terms.price,
      license: doc.license,
      deadline: new Date(doc.deadline * 1000).toISOString(),
      state: row.state,
      answers: [
        ...(t !== null && t.payees.some((p) => lower(p.payee) === lower(doc.author)) ? [{ signer: doc.author, decision: 'sign' as const, at: doc.createdAt }] : []),
        ...row.answers.filter((a) => lower(a.signer) !== lower(doc.author)).map((a) => ({ signer: a.signer, decision: a.decision, at: a.at })),
      ],
      agreedPercent: consent.agreed / 100,
      neededPercent: (t?.consentBps ?? 0) / 100,
      canAnswer: row.state === 'open' && isPayee && !answered,
      isOwner,
      submitJob: this.submitJob(row.network, row.id),
    };
  }

  /**
   * Reads the proposals of every token of the registry that has some on the node, keeps those of
   * tokens where `me` is a payee or the owner (checked against the chain), caches them, records
   * what is new in the audit log, and submits (owner) those enough payees agreed to.
   */
  async refresh(h: GovHandle, me: string): Promise<void> {
    if (h.storageUrl === null) return;
    const { catalog } = this.ctx;
    const items = await findItems(h.storageUrl, h.chainId, h.registryAddress, []);
    const tokens = [...new Set([...items.map((i) => i.tokenId), ...catalog.proposals.list(h.network).map((p) => p.tokenId)])];
    const fresh = [];
    const checked: string[] = [];
    const states = new Map<string, TokenState>();
    for (const tokenId of tokens) {
      const t = await tokenState(h.conn, h.registry, h.chainId, tokenId).catch(() => null);
      checked.push(tokenId); // a token gone (reset sandbox): its proposals are stale
      if (t === null) continue;
      states.set(tokenId, t);
      if (lower(t.owner) !== lower(me) && !t.payees.some((p) => lower(p.payee) === lower(me))) continue;
      const r = await readProposals(h.storageUrl, h.conn, t, items);
      for (const p of r.proposals) {
        fresh.push({
          id: p.id,
          tokenId,
          assetId: this.assetOf(h, tokenId),
          itemId: p.itemId,
          author: p.doc.author,
          document: p.doc,
          answers: p.answers.map((a) => ({ signer: a.doc.signer, decision: a.doc.decision, signature: a.doc.signature, itemId: a.itemId, at: a.doc.createdAt })),
        });
      }
    }
    const now = new Date().toISOString();
    const news = catalog.proposals.refresh(h.network, checked, fresh, now);
    for (const id of news.newProposals) {
      const p = fresh.find((f) => f.id === id);
      if (p) catalog.audit.append({ at: now, actor: p.author, action: 'proposal.received', details: { network: h.network, tokenId: p.tokenId, proposalId: id, priceWei: (p.document).terms.price } });
    }
    for (const a of news.newAnswers) {
      catalog.audit.append({ at: now, actor: a.signer, action: a.decision === 'sign' ? 'proposal.signed' : 'proposal.declined', details: { network: h.network, proposalId: a.proposalId } });
    }
    for (const row of catalog.proposals.list(h.network)) {
      const t = states.get(row.tokenId);
      if (t === undefined || lower(t.owner) !== lower(me) || t.consentBps === 0) continue;
      if (this.consent(row, t).agreed >= t.consentBps && this.submitJob(h.network, row.id) === null) this.enqueueSubmit(h, row, t, me);
    }
  }

  enqueueSubmit(h: GovHandle, row: ProposalRow, t: TokenState, me: string): { jobId: number; created: boolean } {
    const running = this.liveSubmitJob(h.network, row.id);
    if (running !== null) return { jobId: running, created: false };
    const c = this.consent(row, t);
    const cp: SubmitCheckpoint = { network: h.network, assetId: row.assetId, proposalId: lower(row.id), owner: me, proposal: row.document as ProposalDoc, signers: c.signers, signatures: c.signatures };
    const r = this.ctx.jobs.enqueue(SUBMIT_JOB_KIND, { ...(row.assetId !== null ? { assetId: row.assetId } : {}), dedupeKey: submitKey(h.network, row.id), checkpoint: JSON.parse(JSON.stringify(cp)) as JsonObject });
    return { jobId: r.job.id, created: r.created };
  }
}
