/**
 * The sandbox's error types, for wording errors (public-errors.ts) without loading the sandbox
 * itself: with the network runtime (chain.ts), the only production code that imports src/sandbox.
 */
export { SandboxError } from '../sandbox/errors';
export { StorageNodeError } from '../sandbox/storage-node/errors';
