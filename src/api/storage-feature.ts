/** The storage node: status, price, funding, and uploading an asset's files as durable jobs. */
import { join } from 'node:path';
import { parseEther } from 'ethers';
import { dedupeKey, dedupeTag } from '../crypto/dedupe';
import { PUBLISH_JOB_KIND } from '../publish/pipeline';
import { enqueueUploads } from '../storage/batch';
import { DEDUPE_TAG } from '../storage/item';
import { UPLOAD_JOB_KIND, encryptionOf, registerUploadJobs, type UploadJobInput } from '../storage/jobs';
import { AtivoError } from '../util/errors';
import type { BackendContext, FeatureService } from './context';

export type StorageCommand = 'storage.status' | 'storage.quote' | 'storage.fund' | 'assets.upload' | 'uploads.list';

export function createStorageFeature(ctx: BackendContext): FeatureService<StorageCommand> {
  const { catalog, jobs, networks, storage, versionKeys, mustGet } = ctx;
  registerUploadJobs(jobs, {
    catalog,
    uploads: catalog.uploads,
    stagingDir: ctx.stagingDir,
    fundHint: 'on the Wallet screen',
    // Small files are bound by round trips, not bytes: three at a time (45 vs 33 files/s on the
    // sandbox; far more on a remote node). Their charges are then observed only when one runs alone.
    concurrency: 3,
    clientFor: async (network, owner) => {
      const current = networks.current();
      if (network !== current) {
        throw new AtivoError('NOT_CONFIGURED', `This upload is for the ${network} network, but Ativo is on ${current}: switch back to ${network} to let it continue.`);
      }
      return storage.client(owner);
    },
  });
  return {
    handlers: {
      'storage.status': async () => {
        const c = await storage.client();
        return { network: networks.current(), nodeUrl: c.nodeUrl, address: c.address, balance: await c.balance() };
      },
      'storage.quote': async (input) => (await storage.client()).quote(input.bytes),
      'storage.fund': async (input) => {
        const r = await storage.fund(parseEther(input.ether));
        // What waited for funds goes back in line now (and no longer shows as waiting for them).
        const short = (m: string | null): boolean => m !== null && /storage balance is short/i.test(m);
        jobs.wake(UPLOAD_JOB_KIND, short);
        jobs.wake(PUBLISH_JOB_KIND, short);
        jobs.poke({ kind: UPLOAD_JOB_KIND });
        jobs.poke({ kind: 'access.approve' }); // and grants waiting to be delivered
        return r;
      },
      'assets.upload': async (input) => {
        const a = mustGet(input.id);
        if (a.state !== 'ready' || a.contentRoot === null) throw new AtivoError('BUSY', `${a.name} has no complete scan yet: wait for it (or rescan) before uploading.`);
        const network = networks.current();
        const encryptTo = a.visibility === 'private' ? [await versionKeys.recipient(a, a.contentRoot)] : undefined;
        // Private items carry a keyed hash instead of their sha256 (src/crypto/dedupe.ts).
        const identity = encryptTo ? await versionKeys.identity(a.id, a.contentRoot) : null;
        const key = identity === null ? undefined : dedupeKey(identity);
        const privateInput = (sha256: string): Partial<UploadJobInput> =>
          encryptTo === undefined ? {} : { encryptTo, ...(key ? { tags: [{ name: DEDUPE_TAG, value: dedupeTag(key, sha256, encryptionOf(encryptTo) ?? '') }] } : {}) };
        const files = catalog.files.all(a.id).filter((f) => f.sha256 !== null);
        const r = enqueueUploads(
          jobs,
          files.map((f) => ({ assetId: a.id, relPath: f.relPath, path: join(a.rootPath, f.relPath), sha256: f.sha256 ?? '', size: f.size, network, ...privateInput(f.sha256 ?? '') })),
        );
        // Asked again: jobs already queued and waiting (for funds, for the node) try now.
        for (const j of r.jobs) if (j.batch !== r.batch || r.batch === null) jobs.poke({ id: j.id });
        const batchIds = [...new Set(r.jobs.flatMap((j) => (j.batch === null ? [] : [j.batch])))];
        return {
          assetId: a.id,
          network,
          files: r.jobs.length,
          queued: r.created,
          jobIds: r.jobs.map((j) => j.id),
          batches: batchIds,
          unbatchedJobIds: r.jobs.filter((j) => j.batch === null).map((j) => j.id),
        };
      },
      'uploads.list': (input) => {
        mustGet(input.assetId);
        const items = catalog.uploads.forAsset(input.assetId).map((u) => ({
          relPath: u.relPath,
          network: u.network,
          storageId: u.storageId,
          source: u.source,
          encrypted: u.encryption !== null,
          quoted: u.quotedAtomic,
          charged: u.chargedAtomic,
          warning: u.chargeWarning,
        }));
        return Promise.resolve({ items });
      },
    },
  };
}
