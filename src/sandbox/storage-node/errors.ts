/** The storage node's error, apart from node.ts so that wording an error never loads the node (nor Irys, ethers). */
import { AtivoFault } from '../../util/errors';
export type StorageNodeErrorCode = 'PORT_IN_USE' | 'ALREADY_RUNNING' | 'BAD_OPTIONS' | 'START_FAILED';

export class StorageNodeError extends AtivoFault {
  readonly family = 'storage-node';
  override readonly name = 'StorageNodeError';
  constructor(
    readonly code: StorageNodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
