/** The publish job's metadata step (after the manifest is stored, before the certificate): see metadata.ts. */
import type { AssetRecord } from '../catalog/assets';
import type { JobRun } from '../jobs';
import { isStorageError } from '../storage/errors';
import { storeMetadata, type MetadataItems } from './metadata';
import type { PublishCheckpoint } from './checkpoint';
import type { PublishDeps } from './pipeline';

export async function metadataStep(ctx: JobRun<unknown>, deps: PublishDeps, cp: PublishCheckpoint, asset: AssetRecord): Promise<MetadataItems> {
  const { conn, chainId, registryAddress } = await deps.chain(cp.network);
  const block = cp.blockNumber === undefined ? null : await conn.provider.getBlock(cp.blockNumber);
  const registeredAt = new Date((block?.timestamp ?? Math.floor(Date.now() / 1000)) * 1000).toISOString();
  try {
    return await storeMetadata({
      storage: await deps.storage(cp.network, cp.owner),
      stagingDir: deps.stagingDir,
      owner: cp.owner,
      facts: {
        asset,
        contentRoot: cp.contentRoot,
        version: cp.previous ? cp.previous.number + 1 : 1,
        ...(cp.previous ? { previous: { tokenId: cp.previous.tokenId, contentRoot: cp.previous.contentRoot } } : {}),
        license: cp.license,
        ...(cp.description !== undefined ? { description: cp.description } : {}),
      },
      chain: { chainId, registry: registryAddress, tokenId: cp.tokenId ?? '', registeredAt },
      signal: ctx.signal,
    });
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    if (isStorageError(e, 'INSUFFICIENT_BALANCE')) {
      const short = e.shortfall ? e.shortfall.shortBy.formatted : 'an unknown amount';
      ctx.wait(`Your storage balance is short by ${short} to store the public description: fund it on the Wallet screen and the publication continues.`, deps.fundingRetryMs ?? 10 * 60_000);
    }
    throw e;
  }
}
