/** Background jobs and their batches: list, pause, resume, cancel, retry. */
import type { JobRecord } from '../catalog/jobs';
import { PUBLISH_JOB_KIND } from '../publish/pipeline';
import { AtivoError } from '../util/errors';
import { jobView } from './batches';
import type { BackendContext, FeatureService } from './context';

export type JobsCommand =
  | 'jobs.list'
  | 'jobs.batches'
  | 'jobs.retryBatch'
  | 'jobs.pauseBatch'
  | 'jobs.resumeBatch'
  | 'jobs.cancelBatch'
  | 'jobs.pause'
  | 'jobs.resume'
  | 'jobs.cancel'
  | 'jobs.retry'
  | 'jobs.pauseAll'
  | 'jobs.resumeAll';

export function createJobsService(ctx: BackendContext): FeatureService<JobsCommand> {
  const { jobs, catalog, batches } = ctx;
  const mustJob = (id: number): JobRecord => {
    const j = jobs.get(id);
    if (!j) throw new AtivoError('NOT_FOUND', `No job with id ${id}.`);
    return j;
  };
  const mustBatch = (batch: number): void => {
    if (!jobs.batchSummary(batch)) throw new AtivoError('NOT_FOUND', `No batch ${batch}.`);
  };
  return {
    handlers: {
      'jobs.list': (input) => {
        const { items, total } = jobs.list(input);
        return Promise.resolve({ items: items.map(jobView), total, paused: jobs.isPaused(), runner: ctx.isRunner(), resumed: ctx.resumedAtStart() });
      },
      'jobs.batches': () => Promise.resolve({ items: batches.list() }),
      'jobs.retryBatch': (input) => {
        const b = jobs.batchSummary(input.batch);
        if (!b) throw new AtivoError('NOT_FOUND', `No batch ${input.batch}.`);
        const retried = jobs.retryBatch(input.batch);
        // The asset's latest publication, when it failed for want of these files (still the asset's
        // content, still at its uploads step), goes on with them.
        const asset = b.assetId === null ? undefined : catalog.assets.get(b.assetId);
        const p = asset === undefined ? undefined : jobs.list({ kind: PUBLISH_JOB_KIND, assetId: asset.id, limit: 1 }).items[0];
        if (retried > 0 && p?.state === 'failed' && p.checkpoint?.contentRoot === asset?.contentRoot && (p.checkpoint?.step ?? 'uploads') === 'uploads') {
          try {
            jobs.retry(p.id);
          } catch (e) {
            if (!(e instanceof AtivoError)) throw e; // another publication of it is live: it picks the files up
          }
        }
        return Promise.resolve({ retried });
      },
      'jobs.pauseBatch': async (input) => {
        mustBatch(input.batch);
        return { paused: await jobs.pauseBatch(input.batch) };
      },
      'jobs.resumeBatch': (input) => {
        mustBatch(input.batch);
        return Promise.resolve({ resumed: jobs.resumeBatch(input.batch) });
      },
      'jobs.cancelBatch': async (input) => {
        mustBatch(input.batch);
        return { cancelled: await jobs.cancelBatch(input.batch) };
      },
      'jobs.pause': async (input) => jobView(await jobs.pause(mustJob(input.id).id)),
      'jobs.resume': async (input) => jobView(await jobs.resume(mustJob(input.id).id)),
      'jobs.cancel': async (input) => jobView(await jobs.cancel(mustJob(input.id).id)),
      'jobs.retry': (input) => Promise.resolve(jobView(jobs.retry(mustJob(input.id).id))),
      'jobs.pauseAll': async () => {
        await jobs.pauseAll();
        return { paused: true };
      },
      'jobs.resumeAll': () => {
        jobs.resumeAll();
        return Promise.resolve({ paused: false });
      },
    },
  };
}
