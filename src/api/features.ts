/**
 * The backend's services that reach the network, the keychain or encryption (wallets, the chain
 * and its network runtime, storage, the private assets' age keys) and every feature built on
 * them. backend.ts loads this module (`await import()`) on the first command that needs it, and
 * before this process runs jobs: a command that only reads the catalog (`ativo list`) never
 * loads ethers, the Irys client, age or the keychain.
 */
import { assetKeyName, VersionKeys } from '../publish/keys';
import { createAccessService } from './access';
import { createApprovalStatements } from './approval-statement';
import { createBuyerHandlers } from './buyer';
import { createCertificatesService } from './certificates';
import { ChainService } from './chain';
import type { AssetsCommand } from './assets';
import type { BackendContext, CoreContext, Handlers } from './context';
import { createDiscoverService } from './discover';
import { createDownloadHandlers } from './download';
import { createEarningsService } from './earnings';
import { createGovernanceService } from './governance';
import { createJobsService } from './jobs';
import { NetworkRuntime } from './network-runtime';
import { createNetworkService } from './network-setup';
import { createNetworksService } from './networks-feature';
import { createPublishService } from './publish';
import { createPublishQuoteService } from './publish-quote';
import { StorageService } from './storage';
import { createStorageFeature } from './storage-feature';
import { createTermsService } from './terms';
import { createApproversService } from './approvers';
import { Wallets } from './wallets';
import { createWalletsService } from './wallets-feature';

export interface FeatureOptions {
  keychainPrefix?: string | undefined;
  keystoreScryptN?: number | undefined;
}

export interface Features {
  /** Every command but the catalog-only ones (assets.ts, answered by backend.ts itself). */
  handlers: Omit<Handlers, AssetsCommand>;
  /** Started when this process becomes the job runner (indexers, pollers). */
  start(): void;
  /** The features' pollers and indexers, then storage clients and the chain (a sandbox this process runs stops). */
  close(): Promise<void>;
}

export function createFeatures(core: CoreContext, options: FeatureOptions): Features {
  const { catalog, networks } = core;
  const wallets = new Wallets(catalog, { keychainPrefix: options.keychainPrefix, keystoreScryptN: options.keystoreScryptN });
  const chain = new ChainService(new NetworkRuntime(core.dataDir), networks, wallets);
  const storage = new StorageService(chain, wallets);
  /**
   * The age keys of private assets, one per version (src/publish/keys.ts): created on first use,
   * kept in the keychain keyed by the asset's id AND creation time (ids of removed assets are
   * reused) and the version's content root; concurrent first uses share one creation, so no
   * upload is ever encrypted to a lost key.
   */
  const versionKeys = new VersionKeys(catalog, wallets.vault);
  const ctx: BackendContext = {
    ...core,
    wallets,
    chain,
    storage,
    versionKeys,
    assetIdentityKey: assetKeyName,
    versionIdentity: (assetId, contentRoot) => versionKeys.identity(assetId, contentRoot),
    grantKey: (assetId, contentRoot, cert) => versionKeys.grantKey(assetId, contentRoot, cert),
  };
  // Each feature registers its job kinds as it is created, before the runner starts: uploads
  // before the publications that queue them.
  const publishQuote = createPublishQuoteService(ctx);
  const approvalStatements = createApprovalStatements(ctx);
  const features = [
    createStorageFeature(ctx),
    createPublishService(ctx, publishQuote),
    createCertificatesService(ctx),
    createJobsService(ctx),
    createNetworksService(ctx),
    createWalletsService(ctx),
    createAccessService(ctx),
    createEarningsService(ctx),
    createTermsService(ctx),
    createNetworkService(ctx),
    publishQuote,
    createDiscoverService(ctx),
    createGovernanceService(ctx),
  ] as const;
  const [storageF, publishF, certificatesF, jobsF, networksF, walletsF, accessF, earningsF, termsF, networkSetupF, publishQuoteF, discoverF, governanceF] = features;
  return {
    // Spelled out (not merged in a loop) so the compiler checks that every command has its handler.
    handlers: {
      ...storageF.handlers,
      ...publishF.handlers,
      ...certificatesF.handlers,
      ...jobsF.handlers,
      ...networksF.handlers,
      ...walletsF.handlers,
      ...accessF.handlers,
      ...earningsF.handlers,
      ...termsF.handlers,
      ...networkSetupF.handlers,
      ...publishQuoteF.handlers,
      ...discoverF.handlers,
      ...governanceF.handlers,
      ...createBuyerHandlers(ctx),
      ...createDownloadHandlers(ctx),
      // A changed auto-approve rule is also stated for buyers (src/discover/approval-statement.ts).
      'access.setAutoApprove': async (input) => {
        const r = await accessF.handlers['access.setAutoApprove'](input);
        await approvalStatements.ruleChanged(r.assetId, r.autoApprove).catch((e: unknown) => {
          console.error(`ativo: the approval rule of asset ${r.assetId} was not stated for buyers: ${e instanceof Error ? e.message : String(e)}`);
        });
        return r;
      },
      ...createApproversService(ctx).handlers,
    },
    start() {
      for (const f of features) f.start?.();
    },
    async close() {
      for (const f of features) await f.close?.();
      storage.close();
      await chain.close();
    },
  };
}
