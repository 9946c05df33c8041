/** Thrown by a handler for an error that retrying cannot fix (bad input, a rejected transaction): no retry. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

/**
 * Thrown (through ctx.wait) when a job is blocked on something outside Ativo, e.g. an unfunded
 * storage account. The job goes to 'waiting' with `message` for a person, and runs again after
 * retryAfterMs or when poked. Waiting does not use up an attempt. With `forChildren` (through
 * ctx.waitForChildren) there is no timer: the job's last child to end wakes it.
 */
export class JobWaitError extends Error {
  override readonly name = 'JobWaitError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    readonly forChildren = false,
  ) {
    super(message);
  }
}

export type InterruptReason = 'pause' | 'cancel' | 'stop';

/** The reason of a handler's AbortSignal: why the queue interrupted the run. */
export class JobInterruptedError extends Error {
  override readonly name = 'JobInterruptedError';
  constructor(readonly reason: InterruptReason) {
    super(reason === 'cancel' ? 'The job was cancelled.' : reason === 'pause' ? 'The job was paused.' : 'The job queue is stopping.');
  }
}
