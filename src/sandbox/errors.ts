/** The sandbox chain's error, apart from anvil.ts so that wording an error never loads the sandbox (nor ethers). */
import { codedError } from '../util/errors';
export type SandboxErrorCode = 'ANVIL_MISSING' | 'PORT_IN_USE' | 'ALREADY_RUNNING' | 'START_FAILED';

export class SandboxError extends codedError<'sandbox', SandboxErrorCode>('sandbox', 'SandboxError') {}
