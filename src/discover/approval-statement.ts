/**
 * An asset's approval mode on its public page (issue 16): is a request that pays the price
 * approved automatically, or does the owner decide? The chain does not hold it (the registry
 * knows only price, terms, split and listing).
 *
 * DECISION (the cheapest honest way): the owner's Ativo stores a small "approval statement" on
 * the network's storage node whenever the rule is set for a token: when a publication chosen
 * with automatic approval is certified, and whenever the owner changes the rule (either way;
 * a publication that keeps the registry's own rule, the owner decides, stores nothing more and
 * reads "Not stated" until then, so a publication's stored items stay as they were). It is a JSON document
 * naming the chain, registry, token, the mode and when it was said, stored as an item SIGNED BY
 * THE OWNER'S WALLET (the storage client signs with it) and tagged
 * `Type: approval-rule`, `Ativo-Token: <chainId>:<registry>:<tokenId>`. A buyer's Ativo asks the
 * node for those items signed by the token's CURRENT owner (from the chain, through the Discover
 * index), reads them capped and validated, and the latest statement (its own `at`) wins. A
 * statement by anyone else (a previous owner after a transfer, a stranger) is ignored, so the
 * page says "Not stated" rather than trust it. Not in the version's metadata document: that would
 * change the publish pipeline and the document's format for a value that changes after publishing.
 * What this does not prove: that the owner's app really approves automatically (it is the
 * owner's word, like the description); a node that hides the newest statement shows an older one.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { JobQueue, JobRecord, JsonObject } from '../jobs';
import { MAX_GRAPHQL_BYTES, readCapped } from '../storage/bounded';
import type { StorageClient } from '../storage/client';
import { AtivoError } from '../util/errors';
import { eachLimited } from './metadata-fetch';

export const APPROVAL_RULE_TYPE = 'approval-rule';
export const TOKEN_TAG = 'Ativo-Token';
export const APPROVAL_JOB_KIND = 'approval.statement';
const MAX_STATEMENT_BYTES = 4096;

export const ApprovalStatement = z
  .object({
    type: z.literal('ativo-approval-rule'),
    v: z.literal(1),
    chainId: z.number().int().positive(),
    registry: z.string().regex(/^0x[0-9a-f]{40}$/),
    tokenId: z.string().regex(/^[1-9]\d{0,77}$/),
    approval: z.enum(['auto', 'manual']),
    at: z.iso.datetime(),
  })
  .strict();
export type ApprovalStatement = z.infer<typeof ApprovalStatement>;

export const tokenTag = (chainId: number, registry: string, tokenId: string): string => `${chainId}:${registry.toLowerCase()}:${tokenId}`;

/** The statement's bytes: its fields in a fixed order. */
export function encodeStatement(s: ApprovalStatement): Uint8Array {
  const p = ApprovalStatement.parse(s);
  return new TextEncoder().encode(JSON.stringify({ type: p.type, v: p.v, chainId: p.chainId, registry: p.registry, tokenId: p.tokenId, approval: p.approval, at: p.at }));
}

/** Stores one statement, signed by `owner`'s storage client; returns its item id. */
export async function storeStatement(storage: StorageClient, stagingDir: string, owner: string, s: ApprovalStatement, signal?: AbortSignal): Promise<string> {
  const bytes = encodeStatement(s);
  const sha = createHash('sha256').update(bytes).digest('hex');
  const dir = join(stagingDir, 'approval-rules');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${sha}.json`);
  await writeFile(path, bytes);
  try {
    const r = await storage.uploadFile(path, {
      expectedSha256: sha,
      expectedSize: bytes.length,
      contentType: 'application/json',
      tags: [
        { name: 'Type', value: APPROVAL_RULE_TYPE },
        { name: TOKEN_TAG, value: tokenTag(s.chainId, s.registry, s.tokenId) },
      ],
      owner,
      ...(signal ? { signal } : {}),
    });
    return r.id;
  } finally {
    await rm(path, { force: true }).catch(() => undefined);
  }
}

/**
 * The token's approval mode as its current owner last stated it, or null when no valid statement
 * signed by `owner` is on the node. Throws (a sentence) when the node cannot be asked.
 */
export async function readApproval(storageUrl: string, owner: string, chainId: number, registry: string, tokenId: string, timeoutMs = 15_000): Promise<'auto' | 'manual' | null> {
  const tag = tokenTag(chainId, registry, tokenId);
  const signer = owner.toLowerCase();
  const query = `query { transactions(owners: ${JSON.stringify([signer])}, tags: [{ name: "Type", values: ["${APPROVAL_RULE_TYPE}"] }, { name: "${TOKEN_TAG}", values: ${JSON.stringify([tag])} }], first: 20, order: DESC) { edges { node { id address } } } }`;
  const raw = await readCapped(`${storageUrl}/graphql`, MAX_GRAPHQL_BYTES, 'the storage node’s answer to a search', timeoutMs, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  let edges: unknown;
  try {
    edges = (JSON.parse(raw.toString('utf8')) as { data?: { transactions?: { edges?: unknown } } } | null)?.data?.transactions?.edges;
  } catch {
    throw new Error('the storage node answered a search with something that is not JSON');
  }
  if (!Array.isArray(edges)) return null;
  // The node's filter is not trusted: the signer is checked here again, and each document read and validated.
  const ids = (edges as unknown[])
    .map((e) => (e as { node?: { id?: unknown; address?: unknown } } | null)?.node)
    .filter((n): n is { id: string; address: string } => typeof n?.id === 'string' && /^[A-Za-z0-9_-]{20,100}$/.test(n.id) && typeof n.address === 'string' && n.address.toLowerCase() === signer)
    .map((n) => n.id)
    .slice(0, 10);
  let best: ApprovalStatement | null = null;
  await eachLimited(ids, 4, async (id) => {
    try {
      const bytes = await readCapped(`${storageUrl}/${encodeURIComponent(id)}`, MAX_STATEMENT_BYTES, 'an approval statement', timeoutMs);
      const s = ApprovalStatement.parse(JSON.parse(bytes.toString('utf8')));
      if (tokenTag(s.chainId, s.registry, s.tokenId) !== tag) return;
      if (best === null || s.at > best.at) best = s;
    } catch {
      // Not a valid statement of this token: skipped.
    }
  });
  return (best as ApprovalStatement | null)?.approval ?? null;
}

export const ApprovalJobCheckpoint = z.looseObject({
  network: z.string().min(1),
  /** The wallet that owns the token and signs the statement. */
  owner: z.string().min(1),
  statement: ApprovalStatement,
  itemId: z.string().optional(),
});
export type ApprovalJobCheckpoint = z.infer<typeof ApprovalJobCheckpoint>;

export interface ApprovalJobDeps {
  stagingDir: string;
  /** The storage client of a network signing with `owner` (throws NOT_CONFIGURED while another network is in use: the job waits). */
  storage(network: string, owner: string): Promise<StorageClient>;
}

/** Statements are stored by a durable job: the statement (its `at` fixed when queued) is stored exactly as it was said. */
export function registerApprovalJobs(queue: JobQueue, deps: ApprovalJobDeps): void {
  queue.register(APPROVAL_JOB_KIND, {
    checkpoint: ApprovalJobCheckpoint,
    input: ApprovalJobCheckpoint,
    concurrency: 1,
    retry: { baseMs: 5_000, factor: 2, maxDelayMs: 10 * 60_000, maxAttempts: 12 },
    run: async (ctx) => {
      const cp = ctx.checkpoint;
      if (cp.itemId !== undefined) return { itemId: cp.itemId };
      let storage: StorageClient;
      try {
        storage = await deps.storage(cp.network, cp.owner);
      } catch (e) {
        if (e instanceof AtivoError && e.code === 'NOT_CONFIGURED') ctx.wait(`Waiting for the ${cp.network} network: ${e.message}`, 60_000);
        throw e;
      }
      const itemId = await storeStatement(storage, deps.stagingDir, cp.owner, cp.statement, ctx.signal);
      ctx.saveCheckpoint({ ...cp, itemId }, 1);
      return { itemId };
    },
  });
}

/** Queues the statement of a token's mode. */
export function enqueueApprovalStatement(queue: JobQueue, network: string, owner: string, statement: ApprovalStatement): { job: JobRecord; created: boolean } {
  const cp: ApprovalJobCheckpoint = { network, owner, statement };
  return queue.enqueue(APPROVAL_JOB_KIND, { checkpoint: JSON.parse(JSON.stringify(cp)) as JsonObject });
}
