/** The chain's error type, apart from errors.ts (which decodes reverts with ethers) so that wording an error never loads ethers. */
import { AtivoFault } from '../util/errors';
export type ChainErrorCode =
  | 'UNREACHABLE' // no answer from the RPC endpoint
  | 'TIMEOUT' // the endpoint or a transaction took too long
  | 'RPC_ERROR' // the endpoint answered with an error we do not recognise
  | 'WRONG_CHAIN' // chain id differs from the expected one
  | 'NO_REGISTRY' // no contract code at the registry address
  | 'REVERTED' // the contract refused the call
  | 'INSUFFICIENT_FUNDS'
  | 'NONCE' // nonce already used / replacement underpriced
  | 'INVALID_ARGUMENT' // rejected before anything was sent
  | 'TX_NOT_FOUND'
  | 'UNKNOWN';

/** The registry's action names, as used for context in messages. */
export type RegistryAction =
  | 'deploy'
  | 'register'
  | 'requestAccess'
  | 'approve'
  | 'deny'
  | 'cancel'
  | 'withdraw'
  | 'withdrawTo'
  | 'updateTerms'
  | 'setForSale'
  | 'changeTerms'
  | 'setConsentRule'
  | 'setApprover'
  | 'registerVersion'
  | 'transfer'
  | 'read';

export interface DecodedRevert {
  /** Solidity error name ("WrongPrice", "Error", "Panic"), or undefined if not recognised. */
  name?: string;
  args: readonly unknown[];
  /** Raw revert data (0x...) if there was any. */
  data?: string;
}

export class ChainError extends AtivoFault {
  readonly family = 'chain';
  override readonly name = 'ChainError';
  constructor(
    readonly code: ChainErrorCode,
    message: string,
    readonly details: { url?: string; action?: RegistryAction; revert?: DecodedRevert; txHash?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isChainError = (e: unknown): e is ChainError => e instanceof ChainError;
