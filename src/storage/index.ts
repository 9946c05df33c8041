/**
 * Storage (DESIGN.md: src/storage): the Irys client per network profile — price, balance, fund,
 * chunked resumable uploads with receipts — and the `upload` job. Backend process only.
 */
export {
  StorageClient,
  type ExistingItem,
  type FundResult,
  type Quote,
  type ResumeState,
  type StorageClientOptions,
  type StorageProfile,
  type StorageReceipt,
  type UploadFileOptions,
  type UploadFileResult,
  type UploadProgress,
} from './client';
export { StorageError, isStorageError, type BalanceShortfall, type StorageErrorCode } from './errors';
export { amount, formatAtomic, formatBytes, progressLine, type Amount } from './format';
export { APP_NAME, CONTENT_SHA256_TAG, DEDUPE_TAG, ENCRYPTION_TAG, computeItemId, fileTags, hashFile, newAnchor, signFileItem, type Tag } from './item';
export {
  DEFAULT_UPLOAD_RETRY,
  UPLOAD_JOB_KIND,
  encryptionOf,
  enqueueUpload,
  registerUploadJobs,
  uploadDedupeKey,
  type UploadCheckpoint,
  type UploadJobDeps,
  type UploadJobInput,
  type UploadJobResult,
} from './jobs';
