import type { JobRun } from '../jobs';
import type { UploadProgress } from './client';
import { EtaTracker } from './eta';
import { phaseLine, type ProgressPhase } from './format';

/** Overall progress range [from, to] of each phase of a run. */
type Ranges = Record<UploadProgress['phase'], readonly [number, number]>;
const PUBLIC_RANGES: Ranges = { checking: [0, 0.05], encrypting: [0.05, 0.05], uploading: [0.05, 1] };
/** Private files: the client's phases (checking the ciphertext, uploading). */
const PRIVATE_RANGES: Ranges = { checking: [0.45, 0.5], encrypting: [0.05, 0.45], uploading: [0.5, 1] };
/** Private files: making the staged copy (checking the plaintext, encrypting it). */
const STAGING_RANGES: Ranges = { checking: [0, 0.05], encrypting: [0.05, 0.45], uploading: [0.5, 1] };
const PHASE_WORD: Record<UploadProgress['phase'], ProgressPhase> = { checking: 'Hashing', encrypting: 'Encrypting', uploading: 'Uploading' };

/** What the reporter calls besides the job's progress (see UploadJobDeps). */
export interface ReporterDeps {
  onProgress?: ((jobId: number, p: UploadProgress) => void) | undefined;
  now?: (() => number) | undefined;
}

/** Turns progress reports into the job's progress (overall fraction + phase line) and deps.onProgress calls. */
export function progressReporter(ctx: JobRun<unknown>, deps: ReporterDeps, encrypted: boolean): { staging: (p: UploadProgress) => void; upload: (p: UploadProgress) => void } {
  const now = deps.now ?? ((): number => performance.now());
  let eta: EtaTracker | null = null;
  const reporter = (ranges: Ranges) => (p: UploadProgress): void => {
    deps.onProgress?.(ctx.job.id, p);
    const [from, to] = ranges[p.phase];
    let seconds: number | null = null;
    if (p.phase === 'uploading') {
      eta ??= new EtaTracker(p.total);
      seconds = eta.sample(p.bytes, now());
    }
    ctx.progress(from + (to - from) * p.fraction, phaseLine(PHASE_WORD[p.phase], p.bytes, p.total, seconds));
  };
  return { staging: reporter(STAGING_RANGES), upload: reporter(encrypted ? PRIVATE_RANGES : PUBLIC_RANGES) };
}
