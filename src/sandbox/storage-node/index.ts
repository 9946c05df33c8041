/**
 * The local storage node (sandbox default and test double of the Irys network): see README.md.
 */
export {
  startStorageNode,
  StorageNodeError,
  STORAGE_NODE_HOST,
  STORAGE_NODE_TOKEN,
  type StartStorageNodeOptions,
  type StorageNode,
  type StorageNodeErrorCode,
  type StorageNodeStats,
  type StoragePricing,
} from './node';
export { verifyReceipt, readIdentityPublicKey, type Receipt } from './receipts';
export { parseManifest, resolveManifestPath, MANIFEST_CONTENT_TYPES, type PathManifest } from './manifest';
export { attachStorageNode, type AttachedStorageNode } from './attach';
