/**
 * The owner's side of the approval statement (src/discover/approval-statement.ts, where the
 * decision is written down): when a publication is certified, and whenever the owner changes the
 * asset's auto-approve rule, a statement of the token's mode is queued, signed by the token's
 * owner (a wallet of this keychain). The buyer's side reads it in discover.asset.
 */
import { PUBLISH_JOB_KIND } from '../publish/pipeline';
import { enqueueApprovalStatement, registerApprovalJobs } from '../discover/approval-statement';
import type { BackendContext } from './context';

export function createApprovalStatements(ctx: BackendContext): { ruleChanged(assetId: number, auto: boolean): Promise<void> } {
  const { catalog, jobs } = ctx;
  registerApprovalJobs(jobs, {
    stagingDir: ctx.stagingDir,
    storage: (network, owner) => {
      ctx.onCurrent(network);
      return ctx.storage.client(owner);
    },
  });
  const state = (network: string, owner: string, assetId: number, tokenId: string, auto: boolean): void => {
    const t = catalog.access.tokenOfAsset(assetId, network);
    if (t === undefined || t.tokenId !== tokenId) return;
    enqueueApprovalStatement(jobs, network, owner, { type: 'ativo-approval-rule', v: 1, chainId: t.chainId, registry: t.registry.toLowerCase(), tokenId, approval: auto ? 'auto' : 'manual', at: new Date().toISOString() });
  };
  // Automatic approval chosen at publish, once the token is certified. A publication that keeps
  // the registry's own rule (the owner decides) stores nothing more: its page says "Not stated"
  // until the owner changes the rule (then each change is stated, either way). This keeps the
  // items a publication stores what they were (tests and the publish quote count them exactly).
  jobs.on((ev) => {
    if (ev.type !== 'state' || ev.job.kind !== PUBLISH_JOB_KIND || ev.job.state !== 'done') return;
    const cp = ev.job.checkpoint as { assetId?: unknown; approval?: unknown; network?: unknown; owner?: unknown; tokenId?: unknown } | null;
    if (typeof cp?.assetId !== 'number' || typeof cp.network !== 'string' || typeof cp.owner !== 'string' || typeof cp.tokenId !== 'string') return;
    if (cp.approval === 'auto') state(cp.network, cp.owner, cp.assetId, cp.tokenId, true);
  });
  return {
    // A changed rule: stated for the asset's token on the current network, signed by its owner on chain (when this keychain holds that wallet).
    ruleChanged: async (assetId, auto) => {
      const network = ctx.networks.current();
      const t = catalog.access.tokenOfAsset(assetId, network);
      if (t === undefined) return;
      const h = await ctx.chain.chain();
      if (h.registry === null) return;
      const a = await h.registry.asset(BigInt(t.tokenId));
      if (a === null) return;
      const mine = (await ctx.wallets.state()).wallets.some((w) => w.address.toLowerCase() === a.owner.toLowerCase());
      if (mine) state(network, a.owner, assetId, t.tokenId, auto);
    },
  };
}
