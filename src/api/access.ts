/** Access requests: the inbox (owner side), the requester side, and the audit log. See issue 6. */
import { HDNodeWallet, Wallet, getAddress, zeroPadValue } from 'ethers';
import { registryTopic } from '../chain/client';
import type { AccessRequestRecord } from '../catalog/access';
import type { AuditRecord } from '../catalog/audit';
import type { JobRecord } from '../catalog/jobs';
import { AccessIndexer, ACCESS_STREAM, type AccessSource } from '../access/indexer';
import { ACCESS_JOB_KINDS, enqueueAccessAction, preparedGrantId, registerAccessJobs, type AccessActionCheckpoint } from '../access/jobs';
import { findDeployBlock } from '../access/deploy-block';
import { enqueueDeliveries, registerApproverDelivery } from '../access/approver-delivery';
import { generateIdentity } from '../crypto/age';
import { PUBLISH_JOB_KIND } from '../publish/pipeline';
import { SANDBOX_MNEMONIC } from './network-runtime';
import { AtivoError } from '../util/errors';
import type { AccessRequestView, AuditEntry } from './contract';
import type { BackendContext, FeatureService } from './context';
import { createRequesterHandlers } from './access-requester';
import { decisionWords } from './approvers-view';

export type AccessCommand =
  | 'access.list'
  | 'access.get'
  | 'access.markRead'
  | 'access.approve'
  | 'access.deny'
  | 'access.setAutoApprove'
  | 'access.sync'
  | 'access.simulateBuyer'
  | 'access.request'
  | 'access.status'
  | 'access.cancel'
  | 'access.fetch'
  | 'audit.list';

const LIVE = new Set(['queued', 'running', 'paused', 'waiting']);
const envInt = (name: string): number | undefined => {
  const v = process.env[name];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
};

/**
 * How the indexer polls: ATIVO_ACCESS_POLL_MS (default 1 s on the sandbox, 15 s elsewhere) and
 * ATIVO_ACCESS_CONFIRMATIONS (default 0 on the sandbox, 3 elsewhere).
 */
export function accessPolling(network: string): { intervalMs: number; confirmations: number } {
  const sandbox = network === 'sandbox';
  return { intervalMs: envInt('ATIVO_ACCESS_POLL_MS') ?? (sandbox ? 1000 : 15_000), confirmations: envInt('ATIVO_ACCESS_CONFIRMATIONS') ?? (sandbox ? 0 : 3) };
}

export function auditView(r: AuditRecord): AuditEntry {
  return { id: r.id, at: r.at, actor: r.actor, action: r.action, details: r.details, prevHash: r.prevHash, hash: r.hash };
}

export function createAccessService(ctx: BackendContext): FeatureService<AccessCommand> {
  const { catalog, jobs } = ctx;

  const jobDeps: Parameters<typeof registerAccessJobs>[1] = {
    catalog,
    stagingDir: ctx.stagingDir,
    chain: async (network) => {
      ctx.onCurrent(network);
      const h = await ctx.chain.chain();
      if (!h.registry) throw new AtivoError('NOT_CONFIGURED', `No AtivoRegistry on ${network}.`);
      return { conn: h.conn, registry: h.registry };
    },
    storage: (network, owner) => {
      ctx.onCurrent(network);
      return ctx.storage.client(owner);
    },
    signer: (owner) => ctx.wallets.vault.signer(owner),
    // The key of the version the request's token registered, as that version was published.
    grantKey: (assetId, contentRoot, cert) => ctx.grantKey(assetId, contentRoot, cert),
  };
  registerAccessJobs(jobs, jobDeps);
  registerApproverDelivery(jobs, jobDeps);

  /** The current wallet, lowercase (null when there is none). */
  const currentOwner = async (): Promise<string | null> => {
    const s = await ctx.wallets.state().catch(() => null);
    return s?.current?.toLowerCase() ?? null;
  };
  const unreadOf = async (network: string): Promise<number> => {
    const owner = await currentOwner();
    return owner === null ? 0 : catalog.access.unread(network, owner);
  };
  const announce = (ids: number[]): void => {
    void unreadOf(ctx.networks.current()).then((unread) => {
      ctx.emit('access.changed', { ids, unread });
    });
  };

  // ------------------------------------------------------------------ indexers (one per network)
  const deployBlocks = new Map<string, Promise<number>>();
  const indexers = new Map<string, AccessIndexer>();
  const indexerFor = (network: string): AccessIndexer => {
    const known = indexers.get(network);
    if (known) return known;
    const source = async (): Promise<AccessSource> => {
      ctx.onCurrent(network);
      const h = await ctx.chain.chain();
      if (h.network !== network) throw new AtivoError('NOT_CONFIGURED', `Ativo is on ${h.network}, not ${network}.`);
      if (!h.registry || h.registryAddress === null) throw new AtivoError('NOT_CONFIGURED', `There is no AtivoRegistry on ${network}: add its address in the network settings.`, { cli: `There is no AtivoRegistry on ${network}: set one with ativo network set ${network} --registry 0x…` });
      const key = `${network}:${h.registryAddress.toLowerCase()}`;
      let start = deployBlocks.get(key);
      if (!start) {
        start = findDeployBlock(h.conn, h.registryAddress);
        deployBlocks.set(key, start);
        start.catch(() => deployBlocks.delete(key));
      }
      return { conn: h.conn, address: h.registryAddress, registry: h.registry, startBlock: await start };
    };
    const ix = new AccessIndexer({
      catalog,
      network,
      source,
      owners: async () => {
        const o = await currentOwner();
        return o === null ? [] : [o];
      },
      emit: (event, payload) => {
        ctx.emit(event, payload);
      },
      confirmations: accessPolling(network).confirmations,
      onNewPending: (rows) => {
        autoApprove(rows).catch((e: unknown) => {
          console.error('ativo: auto-approve:', e instanceof Error ? e.message : e);
        });
      },
      onApprovedByOther: (rows) => {
        deliverForApprovers(rows).catch((e: unknown) => {
          console.error('ativo: grant delivery:', e instanceof Error ? e.message : e);
        });
      },
      onGranted: (rows) => {
        redeliver(rows).catch((e: unknown) => {
          console.error('ativo: grant delivery:', e instanceof Error ? e.message : e);
        });
      },
    });
    indexers.set(network, ix);
    return ix;
  };

  /**
   * Approved on chain with a grant this computer prepared, not delivered, and no job delivering
   * it (its job was cancelled or gave up before the approval was mined): the buyer has paid, so
   * an approval job is queued again; it finds the request approved and delivers exactly the
   * prepared item (expectedId). Idempotent: one live job per request, and a stored grant is not
   * sent again.
   */
  const redeliver = async (rows: AccessRequestRecord[]): Promise<void> => {
    for (const r of rows) {
      if (r.state !== 'approved' || r.grantId === null || r.grantId === '' || r.owner === null) continue;
      if (catalog.access.grant(r.id)?.grantId === r.grantId) continue; // delivered
      if (r.network !== ctx.networks.current()) continue;
      const h = await ctx.chain.chain();
      if (h.registryAddress === null) continue;
      if (preparedGrantId(ctx.stagingDir, r.network, r.requestId, h.registryAddress, r.recipient) !== r.grantId) continue; // not prepared here
      const live = r.actionJob !== null ? jobs.get(r.actionJob) : undefined;
      if (live && LIVE.has(live.state)) continue;
      if (!(await ctx.wallets.vault.has(r.owner))) continue;
      enqueueAction(r, 'approve', getAddress(r.owner), null, r.auto);
    }
  };
  /**
   * Approvals decided by one of a token's approvers (issue 17), for assets of this catalog: the
   * owner's wallet, when this keychain holds it, delivers the buyer's key (one job per request).
   */
  const deliverForApprovers = async (rows: AccessRequestRecord[]): Promise<void> => {
    const owners = new Set(rows.map((r) => r.owner).filter((o): o is string => o !== null));
    for (const owner of owners) {
      if (!(await ctx.wallets.vault.has(owner))) continue;
      if (enqueueDeliveries(jobs, catalog, rows.filter((r) => r.owner === owner && r.network === ctx.networks.current()), getAddress(owner)) > 0) announce(rows.map((r) => r.id));
    }
  };
  /** Networks whose undelivered grants were looked for since the start (once each; then the indexer's events). */
  const swept = new Set<string>();

  /** Requests that pay their asset's price, for assets with the rule on, are approved by the owner's wallet. */
  const autoApprove = async (rows: AccessRequestRecord[]): Promise<void> => {
    for (const r of rows) {
      if (r.assetId === null || r.owner === null || !catalog.access.autoApprove(r.assetId)) continue;
      const token = catalog.access.token(r.network, r.tokenId);
      if (token === undefined || BigInt(r.amountWei) < BigInt(token.priceWei)) continue;
      if (!(await ctx.wallets.vault.has(r.owner))) continue;
      if (r.network !== ctx.networks.current()) continue;
      enqueueAction(r, 'approve', getAddress(r.owner), null, true);
    }
  };

  /**
   * Whether the current wallet was ever named an approver on the network (issue 17): then its
   * inbox follows the registry even though this catalog published nothing there. Asked only when a
   * connection is open already (nothing is started for it), at most every 15 s, from the indexed
   * ApproverSet logs naming the wallet.
   */
  let probedAt = 0;
  const namedApprover = async (network: string): Promise<boolean> => {
    if (!ctx.chain.opened() || Date.now() - probedAt < 15_000) return false;
    probedAt = Date.now();
    const me = await currentOwner();
    if (me === null) return false;
    try {
      const h = await ctx.chain.chain();
      if (h.network !== network || h.registryAddress === null) return false;
      const address = h.registryAddress;
      const logs = await h.conn.provider.getLogs({ address, fromBlock: 0, toBlock: 'latest', topics: [registryTopic('ApproverSet'), null, zeroPadValue(me, 32)] });
      return logs.length > 0;
    } catch {
      return false;
    }
  };

  // The poller: the current network, when there can be requests for us there.
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
        const { intervalMs } = accessPolling(network);
        let delay = intervalMs;
        if (catalog.access.hasCertificates(network) || catalog.cursors.get(network, ACCESS_STREAM) !== undefined || (await namedApprover(network))) {
          const ix = indexerFor(network);
          try {
            await ix.syncOnce();
            failures = 0;
            if (!swept.has(network)) {
              await redeliver(catalog.access.undelivered(network));
              await deliverForApprovers(catalog.approvers.undeliveredByOthers(network).map((id) => catalog.access.get(id)).filter((r): r is AccessRequestRecord => r !== undefined));
              swept.add(network);
            }
            // The rule's leftovers (new requests were handed over as they arrived), for the wallet
            // in use: approving pays the grant's storage from it, so another wallet never does.
            // (The catalog first: the keychain is asked for the wallet in use only when there is work.)
            const leftovers = catalog.access.pendingForAutoApprove(network);
            const me = leftovers.length > 0 ? await currentOwner() : null;
            if (me !== null) await autoApprove(leftovers.filter((r) => r.owner?.toLowerCase() === me));
          } catch (e) {
            failures++;
            delay = Math.max(intervalMs, ix.follower.retryDelay(failures));
            if (failures === 1) console.error(`ativo: access requests (${network}): ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        if (isStopped()) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, delay);
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

  // ------------------------------------------------------------------ jobs ↔ requests
  jobs.on((ev) => {
    if (ev.type !== 'state') return;
    const j = ev.job;
    if (ACCESS_JOB_KINDS.includes(j.kind)) {
      const rowId = (j.checkpoint as Partial<AccessActionCheckpoint> | null)?.rowId;
      if (typeof rowId === 'number') announce([rowId]);
    } else if (j.kind === PUBLISH_JOB_KIND && j.state === 'done') {
      // The publish dialog's approval choice becomes the asset's rule.
      const cp = j.checkpoint as { assetId?: unknown; approval?: unknown } | null;
      if (typeof cp?.assetId === 'number' && (cp.approval === 'auto' || cp.approval === 'manual') && catalog.assets.get(cp.assetId)) {
        catalog.access.setAutoApprove(cp.assetId, cp.approval === 'auto', new Date().toISOString());
      }
    }
  });

  const mustRequest = (id: number): AccessRequestRecord => {
    const r = catalog.access.get(id);
    if (!r) throw new AtivoError('NOT_FOUND', `No access request with id ${id}. The inbox (access.list) shows the requests there are.`);
    return r;
  };

  const enqueueAction = (r: AccessRequestRecord, kind: 'approve' | 'deny', owner: string, reason: string | null, auto: boolean): JobRecord => {
    const { job, created } = enqueueAccessAction(jobs, catalog, r, kind, owner, { reason, auto });
    if (created) announce([r.id]);
    return job;
  };

  /** Checks every request first (all or nothing), then one job per request. */
  const act = async (ids: number[], kind: 'approve' | 'deny', reason: string | null): Promise<{ items: { id: number; jobId: number }[] }> => {
    const network = ctx.networks.current();
    const wallet = (await ctx.wallets.current()).address;
    const me = wallet.toLowerCase();
    const verb = kind === 'approve' ? 'approve' : 'deny';
    const rows = [...new Set(ids)].map((id) => {
      const r = mustRequest(id);
      if (r.network !== network) throw new AtivoError('INVALID_INPUT', `Request ${id} is on the ${r.network} network, but Ativo is on ${network}: switch to ${r.network} to ${verb} it.`);
      // One of the token's approvers (issue 17) answers as the owner would; the owner's Ativo delivers the key.
      const approver = r.owner !== me && catalog.approvers.isApprover(network, r.tokenId, me);
      if (r.owner !== me && !approver) {
        throw new AtivoError(
          'INVALID_INPUT',
          `Request ${id} is for asset token #${r.tokenId}, owned by ${r.owner === null ? 'an unknown account' : getAddress(r.owner)}, not by your current wallet ${wallet}: only the token's owner or one of its approvers can ${verb} it.`,
        );
      }
      const live = r.actionJob !== null ? jobs.get(r.actionJob) : undefined;
      if (live && LIVE.has(live.state)) {
        if (r.actionKind !== kind) throw new AtivoError('BUSY', `Request ${id} is being ${r.actionKind === 'approve' ? 'approved' : 'denied'} (job ${live.id}): cancel that job first to ${verb} it instead.`);
        return { r, existing: live };
      }
      if (kind === 'approve' && r.assetId === null && !approver) {
        throw new AtivoError('INVALID_INPUT', `Request ${id} is for asset token #${r.tokenId}, which is not an asset of this catalog: approve it from the Ativo that published it (or deny it here).`);
      }
      if (kind === 'approve' && r.state === 'expired') {
        // Past its timeout the buyer may take the payment back at any moment: an approval could
        // lose the race and must not hand over a key (issue 12). Denying still refunds them.
        throw new AtivoError(
          'INVALID_INPUT',
          `Request ${id} waited past its time limit, so the buyer can now take the payment back: it can no longer be approved. Deny it to return the payment, and ask the buyer to request again.`,
        );
      }
      if (r.state !== 'pending' && r.state !== 'expired') {
        throw new AtivoError('INVALID_INPUT', `Request ${id} is ${r.state} already: only pending requests can be ${kind === 'approve' ? 'approved' : 'denied'}.`);
      }
      return { r, existing: undefined };
    });
    const items = rows.map(({ r, existing }) => ({ id: r.id, jobId: (existing ?? enqueueAction(r, kind, wallet, reason, false)).id }));
    return { items };
  };

  const view = (r: AccessRequestRecord, me: string | null): AccessRequestView => {
    let action: AccessRequestView['action'] = null;
    if (r.actionKind !== null) {
      const j = r.actionJob !== null ? jobs.get(r.actionJob) : undefined;
      const cp = (j?.checkpoint ?? {}) as Partial<AccessActionCheckpoint>;
      const done = (r.actionKind === 'approve' && r.state === 'approved') || (r.actionKind === 'deny' && r.state === 'denied');
      action = {
        kind: r.actionKind,
        jobId: j?.id ?? null,
        state: j?.state ?? (done ? 'done' : 'failed'),
        error: j ? (j.error ?? j.checkpointError) : null,
        txHash: cp.txHash ?? cp.tx?.hash ?? null,
        reason: r.actionReason,
      };
    }
    return {
      id: r.id,
      network: r.network,
      requestId: r.requestId,
      tokenId: r.tokenId,
      assetId: r.assetId,
      assetName: r.assetName,
      requester: r.requester,
      amountWei: r.amountWei,
      message: r.message,
      state: r.state,
      createdAt: r.createdAt,
      cancellableAt: r.cancellableAt,
      read: r.readAt !== null,
      txHash: r.txHash,
      action,
      role: me !== null && r.owner !== me && catalog.approvers.isApprover(r.network, r.tokenId, me) ? 'approver' : 'owner',
      decidedBy: r.decidedBy === null ? null : getAddress(r.decidedBy),
      decision: decisionWords(r, me),
    };
  };

  const simulatedBuyer = async (exclude: Set<string>): Promise<Wallet> => {
    const candidates: Wallet[] = [];
    for (let i = 1; i < 10; i++) {
      const node = HDNodeWallet.fromPhrase(SANDBOX_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
      if (!exclude.has(node.address.toLowerCase())) candidates.push(new Wallet(node.privateKey));
    }
    const pick = candidates[Math.floor(Math.random() * candidates.length)];
    if (!pick) throw new AtivoError('SANDBOX_ERROR', 'Every sandbox dev account is one of your wallets: there is no one left to play the buyer.');
    return pick;
  };

  return {
    handlers: {
      ...createRequesterHandlers(ctx),
      'access.list': async (input) => {
        const network = ctx.networks.current();
        const owner = await currentOwner();
        if (owner === null) return { items: [], total: 0, unread: 0 };
        const { items, total } = catalog.access.list({ network, owner, state: input.state, assetId: input.assetId, unreadOnly: input.unreadOnly, offset: input.offset, limit: input.limit });
        return { items: items.map((r) => view(r, owner)), total, unread: catalog.access.unread(network, owner) };
      },
      'access.get': async (input) => {
        const r = mustRequest(input.id);
        const me = await currentOwner();
        const history = r.owner === null ? [] : catalog.access.history(r.network, r.owner, r.requester).filter((h) => h.id !== r.id);
        return {
          ...view(r, me),
          history: history.map((h) => view(h, me)),
          grantId: r.grantId ?? catalog.access.grant(r.id)?.grantId ?? null,
          autoApprove: r.assetId !== null && catalog.access.autoApprove(r.assetId),
        };
      },
      'access.markRead': async (input) => {
        const network = ctx.networks.current();
        const owner = await currentOwner();
        if (owner === null) return { unread: 0 };
        if (!input.all && (input.ids === undefined || input.ids.length === 0)) throw new AtivoError('INVALID_INPUT', 'Say which requests to mark read (ids), or all: true.');
        if (input.ids) for (const id of input.ids) mustRequest(id);
        const changed = catalog.access.markRead(network, owner, input.all ? 'all' : (input.ids ?? []), new Date().toISOString());
        const unread = catalog.access.unread(network, owner);
        if (changed.length > 0) ctx.emit('access.changed', { ids: changed, unread });
        return { unread };
      },
      'access.approve': (input) => act(input.ids, 'approve', null),
      'access.deny': (input) => act(input.ids, 'deny', input.reason),
      'access.setAutoApprove': (input) => {
        ctx.mustGet(input.assetId);
        catalog.access.setAutoApprove(input.assetId, input.autoApprove, new Date().toISOString());
        return Promise.resolve({ assetId: input.assetId, autoApprove: input.autoApprove });
      },
      'access.sync': async () => {
        const ix = indexerFor(ctx.networks.current());
        return ix.syncOnce();
      },
      'access.simulateBuyer': async (input) => {
        const network = ctx.networks.current();
        if (network !== 'sandbox') throw new AtivoError('INVALID_INPUT', `The simulated buyer exists only on the sandbox network (Ativo is on ${network}): switch to the sandbox to try the inbox.`);
        const asset = ctx.mustGet(input.assetId);
        const token = catalog.access.tokenOfAsset(asset.id, network);
        if (!token) throw new AtivoError('INVALID_INPUT', `${asset.name} is not certified on the sandbox yet: publish it first, then a buyer can ask for it.`);
        const h = await ctx.chain.chain();
        if (!h.registry) throw new AtivoError('NOT_CONFIGURED', 'The sandbox has no AtivoRegistry.');
        const onChain = await h.registry.asset(BigInt(token.tokenId));
        if (onChain === null) throw new AtivoError('NOT_FOUND', `Asset token #${token.tokenId} of ${asset.name} is not on this sandbox chain (was the sandbox reset?): publish ${asset.name} again.`);
        const mine = new Set((await ctx.wallets.vault.list().catch(() => [])).map((w) => w.address.toLowerCase()));
        const buyer = (await simulatedBuyer(mine)).connect(h.conn.provider);
        const { recipient } = await generateIdentity();
        // The simulated buyer decides on what it just read: this asset's terms and price.
        const sent = await h.registry.requestAccess(buyer, BigInt(token.tokenId), recipient, onChain, { message: input.message });
        const mined = await sent.wait();
        // Show it without waiting for the next poll (the runner's poller will see it too).
        await indexerFor(network).syncOnce().catch(() => undefined);
        return { requestId: mined.result.requestId.toString(), requester: buyer.address, txHash: sent.hash };
      },
      'audit.list': (input) => {
        const { items, total } = catalog.audit.page(input.offset, input.limit);
        const { intact, brokenAt } = catalog.audit.verify();
        return Promise.resolve({ items: items.map(auditView), total, intact, brokenAt });
      },
    },
    start() {
      startLoop();
    },
    async close() {
      await loop?.stop();
      loop = undefined;
      for (const ix of indexers.values()) await ix.stop();
    },
  };
}
