/**
 * Schemas shared by the feature contracts (`*-contract.ts`): ids, paging, paths, addresses,
 * amounts. Free of Node and DOM APIs, like the contract.
 */
import { z } from 'zod';

export const AssetKind = z.enum(['dataset', 'model']);
export const Visibility = z.enum(['public', 'private']);
export const AssetState = z.enum(['scanning', 'ready', 'error']);

export const Id = z.number().int().positive();
export const Paging = {
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(100),
};


export const AbsolutePath = z
  .string()
  .min(1, 'a folder path is required')
  .max(4096, 'path is too long')
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte');

/** A file name without a folder (no separator, no control character, not `.` or `..`). */
export const FileName = z
  .string()
  .trim()
  .min(1, 'a file name is required')
  .max(200, 'file name is too long')
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  .refine((n) => !/[/\\\u0000-\u001f\u007f]/.test(n) && n !== '.' && n !== '..', 'give a file name only, without a folder or control characters');

export const NetworkName = z.enum(['sandbox', 'testnet', 'mainnet']);

export const HttpUrl = z
  .string()
  .max(2000)
  .refine((u) => /^https?:\/\/[^\s]+$/.test(u) && URL.canParse(u), 'must be an http:// or https:// URL');
export const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address');

export const JobState = z.enum(['queued', 'running', 'paused', 'waiting', 'done', 'failed', 'cancelled']);

/** Wei amounts travel as decimal strings (they exceed 2^53). */
export const Wei = z.string().regex(/^\d{1,78}$/, 'must be an amount in wei (a whole number)');
/** An on-chain id (token id, request id) as a decimal string. */
export const ChainId = z.string().regex(/^[1-9]\d{0,77}$/, 'must be a positive whole number');

export const Amount = z.object({ atomic: z.string(), formatted: z.string() });

export type AssetKind = z.infer<typeof AssetKind>;
export type AssetState = z.infer<typeof AssetState>;
export type NetworkName = z.infer<typeof NetworkName>;
