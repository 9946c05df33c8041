/**
 * Governance (issue 17, app side): the consent rule of an asset's live token, and proposals of
 * new terms between its payees' apps, without a server (src/governance: documents on the storage
 * node, checked against the chain). A poller on the access cadence reads proposals for tokens
 * where the wallet in use is a payee or the owner; the owner's app submits a change once payees
 * holding the rule's share signed it (a durable job, src/governance/submit.ts).
 */
import { parseEther } from 'ethers';
import { registryInterface } from '../chain/abi';
import { sendTx, waitForTx } from '../chain/client';
import { answerProposal, proposalId as idOf, signProposal, type ProposalDoc, type TokenState } from '../governance/proposal';
import { storeDocument } from '../governance/store';
import { registerSubmitJob } from '../governance/submit';
import { LICENSES } from '../publish/licenses';
import { termsHash } from '../publish/pipeline';
import { accessPeriodSeconds, licenseOf, splitAccessPeriod, withAccessPeriod } from '../publish/terms';
import { AtivoError } from '../util/errors';
import { accessPolling } from './access';
import type { BackendContext, FeatureService } from './context';
import type { governanceCommands } from './governance-contract';
import { ProposalBook, eth, ruleWords, type GovHandle } from './governance-proposals';
import { proposedSplit } from './governance-split';

export type GovernanceCommand = keyof typeof governanceCommands;

/** How long payees have to sign a proposal. */
const PROPOSAL_DAYS = 14;
const lower = (s: string): string => s.toLowerCase();

export function createGovernanceService(ctx: BackendContext): FeatureService<GovernanceCommand> {
  const { catalog } = ctx;
  const book = new ProposalBook(ctx);

  registerSubmitJob(ctx.jobs, {
    catalog,
    chain: async (network) => {
      ctx.onCurrent(network);
      const h = await book.handle();
      return { conn: h.conn, registry: h.registry, chainId: h.chainId, registryAddress: h.registryAddress };
    },
    signer: (owner) => ctx.wallets.vault.signer(owner),
    onChanged: (assetId) => {
      if (assetId !== null) ctx.emit('asset.changed', { assetId, removed: false });
    },
  });

  const me = (): Promise<string> => ctx.wallets.current().then((w) => w.address);

  /** The asset's live token on the current network (its latest version's certificate). */
  const live = async (assetId: number): Promise<{ h: GovHandle; tokenId: string; terms: string } | null> => {
    ctx.mustGet(assetId);
    const latest = catalog.versions.latest(assetId);
    if (!latest) return null;
    const h = await book.handle();
    const cert = catalog.certificates.forVersion(latest.id, h.network);
    if (!cert?.tokenId || lower(cert.registry) !== h.registryAddress) return null;
    const terms = (cert.document as { license?: { terms?: unknown } } | null)?.license?.terms;
    return { h, tokenId: cert.tokenId, terms: typeof terms === 'string' ? terms : '' };
  };
  const mustLive = async (assetId: number) => {
    const l = await live(assetId);
    if (l === null) throw new AtivoError('INVALID_INPUT', `${ctx.mustGet(assetId).name} is not published on the ${ctx.networks.current()} network yet: publish it first.`);
    return l;
  };

  const mustProposal = async (id: string) => {
    const h = await book.handle();
    let row = catalog.proposals.get(h.network, id);
    if (row === null) {
      await book.refresh(h, await me());
      row = catalog.proposals.get(h.network, id);
    }
    if (row === null) throw new AtivoError('NOT_FOUND', 'There is no such proposal for an asset you are a payee of: look at your Inbox for the open ones.', { cli: `No proposal ${id} for an asset you are a payee of: see ativo proposals list` });
    return { h, row };
  };

  const answer = async (id: string, decision: 'sign' | 'decline') => {
    const { h, row } = await mustProposal(id);
    if (row.state !== 'open') throw new AtivoError('INVALID_INPUT', row.state === 'submitted' ? 'This proposal was already accepted: there is nothing to sign.' : 'This proposal no longer applies (the terms changed since, or it expired): there is nothing to sign.');
    const t = await book.token(h, row.tokenId);
    const wallet = await ctx.wallets.current();
    if (!t.payees.some((p) => lower(p.payee) === lower(wallet.address))) {
      throw new AtivoError('INVALID_INPUT', `Only the payees of this asset can answer its proposals, and the wallet in use (${wallet.address}) is not one of them: switch to a payee's wallet.`);
    }
    const signer = await ctx.wallets.vault.signer(wallet.address);
    const doc = await answerProposal(signer, row.document as ProposalDoc, decision, new Date().toISOString());
    const storage = await ctx.storage.client(wallet.address);
    const itemId = await storeDocument(storage, ctx.stagingDir, wallet.address, doc);
    const now = new Date().toISOString();
    catalog.transaction(() => {
      catalog.proposals.addAnswer(h.network, row.id, { signer: wallet.address, decision, signature: doc.signature, itemId, at: doc.createdAt });
      catalog.audit.append({ at: now, actor: wallet.address, action: decision === 'sign' ? 'proposal.signed' : 'proposal.declined', details: { network: h.network, tokenId: row.tokenId, proposalId: row.id, itemId } });
    });
    const fresh = catalog.proposals.get(h.network, row.id);
    if (fresh === null) throw new AtivoError('NOT_FOUND', 'The proposal disappeared meanwhile: look at your Inbox again.');
    return book.view(h, fresh, wallet.address);
  };

  // ------------------------------------------------------------------ the poller
  let loop: { stop: () => Promise<void> } | undefined;
  const startLoop = (): void => {
    if (loop) return;
    let stopped = false;
    const isStopped = (): boolean => stopped;
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    let failures = 0;
    const run = (async () => {
      while (!isStopped()) {
        const network = ctx.networks.current();
        // Proposals are rarer than requests: a few times the request cadence is enough.
        const delay = accessPolling(network).intervalMs * 3;
        try {
          const wallet = await ctx.wallets.current().then((w) => w.address, () => null);
          if (wallet !== null) await book.refresh(await book.handle(), wallet);
          failures = 0;
        } catch (e) {
          if (failures++ === 0 && !(e instanceof AtivoError && e.code === 'NOT_CONFIGURED')) console.error(`ativo: proposals (${network}): ${e instanceof Error ? e.message : String(e)}`);
        }
        if (isStopped()) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, Math.min(delay * 2 ** Math.min(failures, 4), 5 * 60_000));
          timer.unref();
        });
      }
    })();
    loop = {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        wake?.();
        await run;
      },
    };
  };

  return {
    handlers: {
      'governance.state': async ({ assetId }) => {
        const l = await live(assetId).catch(() => null);
        if (l === null) return { published: false, tokenId: null, consentBps: 0, rule: ruleWords(0), isOwner: false, payees: [], proposals: [] };
        const t = await book.token(l.h, l.tokenId);
        const wallet = await me().catch(() => null);
        const cache = new Map([[l.tokenId, t]]);
        const rows = catalog.proposals.list(l.h.network, { states: ['open', 'submitted'] }).filter((r) => r.tokenId === l.tokenId);
        return {
          published: true,
          tokenId: l.tokenId,
          consentBps: t.consentBps,
          rule: ruleWords(t.consentBps),
          isOwner: wallet !== null && lower(wallet) === lower(t.owner),
          payees: t.payees.map((p) => ({ address: p.payee, percent: p.bps / 100 })),
          proposals: await Promise.all(rows.map((r) => book.view(l.h, r, wallet, cache))),
        };
      },
      'governance.setRule': async ({ assetId, rule }) => {
        const l = await mustLive(assetId);
        const t = await book.token(l.h, l.tokenId);
        const wallet = await me();
        if (lower(wallet) !== lower(t.owner)) throw new AtivoError('INVALID_INPUT', `This asset belongs to the wallet ${t.owner}, and the wallet in use is ${wallet}: switch to the owner's wallet to set its consent rule.`);
        const bps = rule === 'owner' ? 0 : rule === 'all' ? 10_000 : rule * 100;
        if (bps === t.consentBps) return { tokenId: l.tokenId, consentBps: bps, rule: ruleWords(bps), txHash: null };
        if (bps < t.consentBps) {
          throw new AtivoError('INVALID_INPUT', `The consent rule can only be made stricter, so the payees' agreement is never taken back: it is ${t.consentBps / 100}% now. Choose ${t.consentBps / 100}% or more.`);
        }
        const signer = (await ctx.wallets.vault.signer(wallet)).connect(l.h.conn.provider);
        const sent = await sendTx(l.h.conn, signer, { to: l.h.registry.address, data: registryInterface.encodeFunctionData('setConsentRule', [BigInt(l.tokenId), bps]), action: 'setConsentRule' });
        await waitForTx(l.h.conn, sent.hash, { action: 'setConsentRule' });
        catalog.audit.append({ at: new Date().toISOString(), actor: wallet, action: 'governance.rule', details: { network: l.h.network, tokenId: l.tokenId, consentBps: bps, txHash: sent.hash } });
        ctx.emit('asset.changed', { assetId, removed: false });
        return { tokenId: l.tokenId, consentBps: bps, rule: ruleWords(bps), txHash: sent.hash };
      },
      'proposals.list': async ({ assetId, refresh }) => {
        const h = await book.handle();
        const wallet = await me().catch(() => null);
        let note: string | null = null;
        if (refresh === true && wallet !== null) {
          await book.refresh(h, wallet).catch((e: unknown) => {
            note = `The storage node could not be read now (${e instanceof Error ? e.message : String(e)}); this shows what was read before.`;
          });
        }
        const cache = new Map<string, TokenState | null>();
        const all = catalog.proposals.list(h.network, { assetId, states: ['open', 'submitted'] });
        // Only the wallet in use's: the owner's or a payee's of the token, as the chain says now.
        const mine = await Promise.all(all.map((r) => book.concerns(h, r, wallet, cache)));
        const rows = all.filter((_, i) => mine[i] === true);
        return { items: await Promise.all(rows.map((r) => book.view(h, r, wallet, cache))), note };
      },
      'proposals.create': async (input) => {
        const l = await mustLive(input.assetId);
        const t = await book.token(l.h, l.tokenId);
        const wallet = await me();
        if (lower(wallet) !== lower(t.owner) && !t.payees.some((p) => lower(p.payee) === lower(wallet))) {
          throw new AtivoError('INVALID_INPUT', `Only the owner or a payee of this asset can propose new terms, and the wallet in use (${wallet}) is neither: switch wallets.`);
        }
        const asset = await l.h.registry.asset(BigInt(l.tokenId));
        if (asset === null) throw new AtivoError('NOT_FOUND', `Asset token #${l.tokenId} is not on this network's registry.`);
        const now = splitAccessPeriod(l.terms);
        const was = licenseOf(now.license);
        const license = input.license ?? was.license;
        const text = license === 'custom' ? (input.customTerms ?? (was.license === 'custom' ? (was.customTerms ?? undefined) : undefined)) : LICENSES[license];
        if (text === undefined) throw new AtivoError('INVALID_INPUT', 'A custom license needs the text of its terms: write them, or choose one of the listed licenses.');
        const days = input.accessDays ?? now.days;
        const termsText = withAccessPeriod(text, days);
        const priceWei = input.priceEth !== undefined ? parseEther(input.priceEth).toString() : asset.price.toString();
        const split = input.split !== undefined ? proposedSplit(input.split) : asset.split.map((s) => ({ address: s.payee, bps: s.bps }));
        const accessPeriod = input.accessDays !== undefined ? accessPeriodSeconds(input.accessDays) : asset.accessPeriod;
        if (input.split !== undefined && t.consentBps === 0) {
          throw new AtivoError('INVALID_INPUT', 'While the owner alone decides changes of terms, the split stays as it was registered: set a consent rule first (the payees then agree to the new split), or publish a new version with it.');
        }
        const sameSplit = split.length === asset.split.length && split.every((s, i) => lower(s.address) === lower(asset.split[i]?.payee ?? '') && s.bps === asset.split[i]?.bps);
        if (lower(termsHash(termsText)) === lower(asset.termsHash) && priceWei === asset.price.toString() && accessPeriod === asset.accessPeriod && sameSplit) {
          throw new AtivoError('INVALID_INPUT', `This asset is already offered at ${eth(asset.price)} under ${license}, with this access period and split: there is nothing to change.`);
        }
        const signer = await ctx.wallets.vault.signer(wallet);
        const doc = await signProposal(signer, {
          chainId: l.h.chainId,
          registry: l.h.registryAddress,
          tokenId: l.tokenId,
          contentRoot: t.contentRoot,
          terms: { termsHash: termsHash(termsText), price: priceWei, accessPeriod, payees: split.map((s) => s.address), bps: split.map((s) => s.bps) },
          license,
          termsText,
          nonce: t.nonce,
          deadline: t.now + PROPOSAL_DAYS * 86_400,
          createdAt: new Date().toISOString(),
        });
        const itemId = await storeDocument(await ctx.storage.client(wallet), ctx.stagingDir, wallet, doc);
        const id = idOf(doc);
        const at = new Date().toISOString();
        catalog.transaction(() => {
          catalog.proposals.refresh(l.h.network, [], [{ id, tokenId: l.tokenId, assetId: input.assetId, itemId, author: wallet, document: doc, answers: [] }], at);
          catalog.audit.append({ at, actor: wallet, action: 'proposal.made', details: { network: l.h.network, tokenId: l.tokenId, proposalId: id, priceWei, license, accessPeriod, split: split.map((x) => `${x.address}:${x.bps}`).join(','), itemId } });
        });
        const row = catalog.proposals.get(l.h.network, id);
        if (row === null) throw new AtivoError('INTERNAL', 'The proposal was not recorded.');
        return book.view(l.h, row, wallet);
      },
      'proposals.sign': ({ proposalId }) => answer(proposalId, 'sign'),
      'proposals.decline': ({ proposalId }) => answer(proposalId, 'decline'),
      'proposals.submit': async ({ proposalId }) => {
        const { h, row } = await mustProposal(proposalId);
        const wallet = await me();
        const t = await book.token(h, row.tokenId);
        if (lower(wallet) !== lower(t.owner)) throw new AtivoError('INVALID_INPUT', `Only the owner of this asset (${t.owner}) can submit a change of its terms: switch to that wallet.`);
        if (row.state === 'stale') throw new AtivoError('INVALID_INPUT', 'This proposal no longer applies (the terms changed since, or it expired): propose the change again.');
        const c = book.consent(row, t);
        if (row.state === 'open' && c.agreed < t.consentBps) {
          const missing = t.payees.filter((p) => lower(p.payee) !== lower(t.owner) && !c.signers.some((s) => lower(s) === lower(p.payee))).map((p) => p.payee);
          throw new AtivoError(
            'INVALID_INPUT',
            `Not yet: payees holding ${c.agreed / 100}% of the split agreed, and this asset's rule needs ${t.consentBps / 100}%. Waiting for ${missing.join(', ')} to sign.`,
          );
        }
        const existing = book.submitJob(h.network, row.id);
        if (row.state === 'submitted' && existing !== null) return { jobId: existing, created: false, proposalId: row.id };
        return { ...book.enqueueSubmit(h, row, t, wallet), proposalId: row.id };
      },
    },
    start() {
      startLoop();
    },
    async close() {
      await loop?.stop();
      loop = undefined;
    },
  };
}
