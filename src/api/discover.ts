/**
 * Discover and an asset's public page (issue 16): every asset registered on the current
 * network's registry, indexed in the background by src/discover/indexer.ts (the job runner
 * polls it), searched in the catalog; the public page adds what only the chain holds now (the
 * split, the access period) and the public record.
 */
import { parseEther } from 'ethers';
import type { DiscoverRow } from '../catalog/discover';
import { findDeployBlock } from '../access/deploy-block';
import { readApproval } from '../discover/approval-statement';
import { DiscoverIndexer, type DiscoverSource } from '../discover/indexer';
import { consentWords, licenseWords, recordFigures } from '../discover/words';
import { registryInterface } from '../chain/abi';
import { writeCitation } from '../metadata/cff';
import { PublicMetadataV1, type PublicMetadata } from '../metadata/document';
import { AtivoError } from '../util/errors';
import { accessPolling } from './access';
import type { BackendContext, FeatureService } from './context';
import type { DiscoverItem, PublicAsset, PublicRecord } from './discover-contract';

export type DiscoverCommand = 'discover.list' | 'discover.asset' | 'discover.record';

const DAY = 24 * 60 * 60;

function parseMeta(json: string | null): PublicMetadata | null {
  if (json === null) return null;
  try {
    const r = PublicMetadataV1.safeParse(JSON.parse(json));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export function createDiscoverService(ctx: BackendContext): FeatureService<DiscoverCommand> {
  const { catalog } = ctx;
  const indexers = new Map<string, DiscoverIndexer>();
  const deployBlocks = new Map<string, Promise<number>>();

  /** The current network's chain and registry (or a sentence saying why there is none). */
  const current = async () => {
    const h = await ctx.chain.chain();
    if (!h.registry || h.registryAddress === null) {
      throw new AtivoError('NOT_CONFIGURED', `There is no AtivoRegistry on ${h.network}: add its address in the network settings.`, { cli: `There is no AtivoRegistry on ${h.network}: set one with ativo network set ${h.network} --registry 0x…` });
    }
    return { ...h, registry: h.registry, registryAddress: h.registryAddress.toLowerCase() };
  };

  const indexerFor = (network: string, registry: string): DiscoverIndexer => {
    const key = `${network}:${registry}`;
    const known = indexers.get(key);
    if (known) return known;
    const source = async (): Promise<DiscoverSource> => {
      ctx.onCurrent(network);
      const h = await current();
      if (h.network !== network || h.registryAddress !== registry) throw new AtivoError('NOT_CONFIGURED', `Ativo is on ${h.network}, not ${network}.`);
      let start = deployBlocks.get(key);
      if (!start) {
        start = findDeployBlock(h.conn, h.registryAddress);
        deployBlocks.set(key, start);
        start.catch(() => deployBlocks.delete(key));
      }
      return { conn: h.conn, address: h.registryAddress, registry: h.registry, storageUrl: h.storageUrl, startBlock: await start };
    };
    const ix = new DiscoverIndexer({ catalog, network, registry, source, confirmations: accessPolling(network).confirmations });
    indexers.set(key, ix);
    return ix;
  };

  const me = (): Promise<string | null> => ctx.wallets.current().then((w) => w.address.toLowerCase(), () => null);

  const item = (r: DiscoverRow, chainId: number, mine: string | null): DiscoverItem => ({
    chainId,
    registry: r.registry,
    tokenId: r.tokenId,
    name: r.name,
    kind: r.kind,
    description: r.description === null ? null : r.description.length > 300 ? `${r.description.slice(0, 299)}…` : r.description,
    license: r.license,
    priceWei: r.priceWei,
    forSale: r.forSale,
    owner: r.owner,
    mine: mine !== null && r.owner === mine,
    approved: r.approved,
    registeredAt: r.registeredAt,
    metadata: r.metaState,
  });

  const record = (network: string, registry: string, tokenId: string): PublicRecord => {
    const r = catalog.discover.record(network, registry, tokenId);
    return { requests: r.requests, approved: r.approved, denied: r.denied, cancelled: r.cancelled, pending: r.pending, paidWei: r.paidWei, ...recordFigures(r) };
  };

  /** A pass now; a failure is reported as a note (what is cached is still shown). */
  const refresh = async (network: string, registry: string): Promise<string | null> => {
    try {
      await indexerFor(network, registry).syncOnce();
      return null;
    } catch (e) {
      return `Ativo could not read everything just now (${e instanceof Error ? e.message : String(e)}); this shows what it read before.`;
    }
  };

  // ------------------------------------------------------------------ the background loop (job runner only)
  let stopped = false;
  const isStopped = (): boolean => stopped;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let running: Promise<void> | undefined;
  const loop = async (): Promise<void> => {
    let failures = 0;
    while (!isStopped()) {
      const network = ctx.networks.current();
      let delay = Math.max(2000, accessPolling(network).intervalMs * 2);
      try {
        const h = await current();
        await indexerFor(h.network, h.registryAddress).syncOnce();
        failures = 0;
      } catch (e) {
        failures++;
        delay = Math.min(60_000, delay * 2 ** Math.min(failures, 5));
        if (failures === 1) console.error(`ativo: discover (${network}): ${e instanceof Error ? e.message : String(e)}`);
      }
      if (isStopped()) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
        timer.unref();
      });
    }
  };

  return {
    handlers: {
      'discover.list': async (input) => {
        const h = await current();
        const note = input.refresh ? await refresh(h.network, h.registryAddress) : null;
        const { items, total } = catalog.discover.search({
          network: h.network,
          registry: h.registryAddress,
          query: input.query,
          kind: input.kind,
          license: input.license,
          free: input.free,
          maxPriceWei: input.maxPriceEth === undefined ? undefined : parseEther(input.maxPriceEth).toString(),
          sort: input.sort,
          offset: input.offset,
          limit: input.limit,
        });
        const mine = await me();
        return {
          items: items.map((r) => item(r, h.chainId, mine)),
          total,
          licenses: catalog.discover.licenses(h.network, h.registryAddress),
          network: h.network,
          pending: catalog.discover.count(h.network, h.registryAddress).pending,
          note,
        };
      },
      'discover.asset': async (input) => {
        const h = await current();
        const registry = input.registry.toLowerCase();
        if (h.chainId !== input.chainId || h.registryAddress !== registry) {
          throw new AtivoError('INVALID_INPUT', `This asset is registered on another network (chain ${input.chainId}, registry ${input.registry}) than the one Ativo is on (${h.network}): switch networks on the Wallet screen to open it.`);
        }
        let row = catalog.discover.get(h.network, registry, input.tokenId);
        let note: string | null = null;
        if (row === undefined || row.metaState === 'pending') {
          note = await refresh(h.network, registry);
          row = catalog.discover.get(h.network, registry, input.tokenId);
        }
        if (row === undefined) throw new AtivoError('NOT_FOUND', `There is no asset number ${input.tokenId} on this network's registry. Check the link, or find the asset in Discover.`);
        const m = parseMeta(row.metaJson);
        let accessDays: number | null = null;
        let answerDays: number | null = null;
        let split: { address: string; percent: number }[] = [];
        try {
          const a = await h.registry.asset(BigInt(input.tokenId));
          if (a !== null) {
            accessDays = Math.round(a.accessPeriod / DAY);
            split = a.split.map((s) => ({ address: s.payee, percent: s.bps / 100 }));
          }
          answerDays = (await h.registry.accessTimeout()) / DAY;
        } catch (e) {
          note = `The chain could not be read now (${e instanceof Error ? e.message : String(e)}): the split and the access period are not shown.`;
        }
        // Who must agree to changes of its terms (issue 17): read from the registry now, like the split.
        let consentBps: number | null = null;
        try {
          consentBps = Number(registryInterface.decodeFunctionResult('governanceOf', await h.conn.provider.call({ to: registry, data: registryInterface.encodeFunctionData('governanceOf', [BigInt(input.tokenId)]) }))[0]);
        } catch {
          note ??= 'The chain could not be read now: who must agree to changes of its terms is not shown.';
        }
        // Versions: the earlier ones this version's description names, then later ones naming it.
        const versions: PublicAsset['versions'] = [];
        const seen = new Set<string>();
        const push = (r: DiscoverRow | undefined, current: boolean): void => {
          if (r === undefined || seen.has(r.tokenId)) return;
          seen.add(r.tokenId);
          versions.push({ tokenId: r.tokenId, version: parseMeta(r.metaJson)?.version ?? null, current });
        };
        push(row, true);
        let prev = m?.previous?.tokenId;
        for (let i = 0; prev !== undefined && i < 50; i++) {
          const p = catalog.discover.get(h.network, registry, prev);
          push(p, false);
          prev = parseMeta(p?.metaJson ?? null)?.previous?.tokenId;
        }
        for (const later of catalog.discover.naming(h.network, registry, row.contentRoot)) push(later, false);
        versions.sort((a, b) => Number(BigInt(b.tokenId) - BigInt(a.tokenId)));
        // The approval mode its current owner stated (signed by that wallet); not stated when none can be read.
        let approval: 'auto' | 'manual' | null = null;
        if (h.storageUrl !== null) approval = await readApproval(h.storageUrl, row.owner, h.chainId, registry, row.tokenId).catch(() => null);
        const mine = await me();
        const uri = `ativo://asset/${h.chainId}/${registry}/${row.tokenId}`;
        return {
          ...item(row, h.chainId, mine),
          description: row.description,
          contentRoot: row.contentRoot,
          contributors: (m?.contributors ?? []).map((c) => ({ name: c.name, role: c.role, orcid: c.orcid ?? null })),
          size: m?.size ?? null,
          fileCount: m?.fileCount ?? null,
          version: m?.version ?? null,
          licenseUrl: m?.license.url || null,
          licenseWords: licenseWords(row.license),
          contact: m?.contact ?? null,
          accessDays,
          answerDays,
          split,
          versions,
          record: record(h.network, registry, row.tokenId),
          citation: m === null ? null : writeCitation({ title: m.name, version: String(m.version), license: m.license.spdx, authors: m.contributors, contentRoot: m.contentRoot, assetUri: uri, kind: m.kind, ...(m.description ? { abstract: m.description } : {}) }),
          note,
          approval,
          consentBps,
          consentRule: consentBps === null ? null : consentWords(consentBps),
        };
      },
      'discover.record': async ({ assetId }) => {
        ctx.mustGet(assetId);
        const none = { record: null, chainId: null, registry: null, tokenId: null };
        const latest = catalog.versions.latest(assetId);
        if (!latest) return none;
        const h = await current().catch(() => null);
        if (h === null) return none;
        const cert = catalog.certificates.forVersion(latest.id, h.network);
        if (!cert?.tokenId || cert.registry.toLowerCase() !== h.registryAddress) return none;
        await refresh(h.network, h.registryAddress);
        return { record: record(h.network, h.registryAddress, cert.tokenId), chainId: h.chainId, registry: h.registryAddress, tokenId: cert.tokenId };
      },
    },
    start() {
      running ??= loop();
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await running;
      for (const ix of indexers.values()) await ix.stop();
    },
  };
}
