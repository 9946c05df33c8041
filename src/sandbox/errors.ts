/** The sandbox chain's error, apart from anvil.ts so that wording an error never loads the sandbox (nor ethers). */
export type SandboxErrorCode = 'ANVIL_MISSING' | 'PORT_IN_USE' | 'ALREADY_RUNNING' | 'START_FAILED';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
