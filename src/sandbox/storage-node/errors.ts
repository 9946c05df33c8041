/** The storage node's error, apart from node.ts so that wording an error never loads the node (nor Irys, ethers). */
import { codedError } from '../../util/errors';
export type StorageNodeErrorCode = 'PORT_IN_USE' | 'ALREADY_RUNNING' | 'BAD_OPTIONS' | 'START_FAILED';

export class StorageNodeError extends codedError<'storage-node', StorageNodeErrorCode>('storage-node', 'StorageNodeError') {}
