/**
 * Downloads from My access as durable jobs (issue 16): `buyer.download` queues the
 * `access.download` job (src/access/download-job.ts) of a request of the wallet in use, after the
 * checks a person should hear about at once (the destination); the request's own state is
 * checked by the job, from the chain. `downloadView` gives My access each request's latest download.
 */
import { resolve } from 'node:path';
import { getAddress } from 'ethers';
import { DownloadCheckpoint, downloadsOf, enqueueDownload, registerDownloadJobs } from '../access/download-job';
import { checkOut } from '../access/fetch';
import { fingerprintFolder } from '../ingest/fingerprint';
import { AtivoError } from '../util/errors';
import type { MyRequest } from './buyer-contract';
import type { BackendContext, Handlers } from './context';

export function createDownloadHandlers(ctx: BackendContext): Pick<Handlers, 'buyer.download'> {
  registerDownloadJobs(ctx.jobs, {
    fetchDeps: async (network, wallet) => {
      ctx.onCurrent(network);
      const h = await ctx.chain.chain();
      if (h.registry === null) throw new AtivoError('NOT_CONFIGURED', `The ${network} network has no Ativo registry yet: add its registry address in the network settings.`);
      return {
        chain: { conn: h.conn, registry: h.registry, chainId: h.chainId, network: h.network },
        storageUrl: async () => (await ctx.storage.client(wallet)).nodeUrl,
        wallet: getAddress(wallet),
        requesterIdentity: () => ctx.wallets.vault.requesterIdentity(wallet),
      };
    },
    contentRoot: async (folder) => (await fingerprintFolder(folder, ctx.pool)).contentRoot,
  });
  return {
    'buyer.download': async (input) => {
      const w = await ctx.wallets.current();
      const out = resolve(input.out);
      // Said now rather than by a failed job: the folder must be new or empty, under an existing one.
      await checkOut(out);
      const { job, created } = enqueueDownload(ctx.jobs, { network: ctx.networks.current(), requestId: input.requestId, out, wallet: w.address });
      return { jobId: job.id, created };
    },
  };
}

/** Each request's latest download job of the wallet on the network, as My access shows it. */
export function downloadViews(ctx: BackendContext, network: string, wallet: string): Map<string, NonNullable<MyRequest['download']>> {
  const out = new Map<string, NonNullable<MyRequest['download']>>();
  for (const [requestId, j] of downloadsOf(ctx.jobs, network, wallet)) {
    const cp = DownloadCheckpoint.safeParse(j.checkpoint);
    const result = (j.result ?? null) as { files?: unknown; contentRoot?: unknown } | null;
    out.set(requestId, {
      jobId: j.id,
      state: j.state,
      out: cp.success ? cp.data.out : '',
      files: typeof result?.files === 'number' ? result.files : null,
      contentRoot: typeof result?.contentRoot === 'string' ? result.contentRoot : null,
      error: j.error,
    });
  }
  return out;
}
