/**
 * Proposals and answers on the storage network (issue 17): each one a small JSON data item tagged
 * with the app, the registry, the chain id, the token and (answers) the proposal id, found again
 * by GraphQL tags and read with a cap. The node is not trusted: its tag filter only narrows the
 * search; every document is checked against the chain (proposal.ts) and the proposal's digest
 * against the contract's own termsChangeDigest for the token's current nonce.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryClient } from '../chain/client';
import { registryInterface } from '../chain/abi';
import type { ChainConnection } from '../chain/provider';
import { MAX_GRAPHQL_BYTES, readCapped } from '../storage/bounded';
import type { StorageClient } from '../storage/client';
import { ANSWER_TYPE, MAX_DOCUMENT_BYTES, PROPOSAL_TYPE, checkAnswer, checkProposal, termsChangeValue, type AnswerDoc, type ProposalDoc, type TokenState } from './proposal';

export const REGISTRY_TAG = 'Ativo-Registry';
export const CHAIN_TAG = 'Ativo-Chain-Id';
export const TOKEN_TAG = 'Ativo-Token';
export const PROPOSAL_TAG = 'Proposal-Id';

/** The token as the chain holds it now (null when it is not registered). */
export async function tokenState(conn: ChainConnection, registry: RegistryClient, chainId: number, tokenId: string): Promise<TokenState | null> {
  const a = await registry.asset(BigInt(tokenId));
  if (a === null) return null;
  const data = registryInterface.encodeFunctionData('governanceOf', [BigInt(tokenId)]);
  const g = registryInterface.decodeFunctionResult('governanceOf', await conn.provider.call({ to: registry.address, data }));
  const block = await conn.provider.getBlock('latest');
  return {
    chainId,
    registry: registry.address.toLowerCase(),
    tokenId,
    contentRoot: a.contentRoot,
    owner: a.owner,
    payees: a.split,
    consentBps: Number(g[0]),
    nonce: (g[1] as bigint).toString(),
    now: block?.timestamp ?? Math.floor(Date.now() / 1000),
  };
}

/** A token's consent rule (bps, 0 = the owner alone); 0 on a registry from before consent rules. */
export async function consentRuleOf(conn: ChainConnection, registry: string, tokenId: string): Promise<number> {
  try {
    const data = registryInterface.encodeFunctionData('governanceOf', [BigInt(tokenId)]);
    return Number(registryInterface.decodeFunctionResult('governanceOf', await conn.provider.call({ to: registry, data }))[0]);
  } catch {
    return 0;
  }
}

/** The contract's own digest of proposal `p` (its encoding, not ours, decides). */
export async function contractDigest(conn: ChainConnection, registry: string, p: ProposalDoc): Promise<string> {
  const v = termsChangeValue(p);
  const terms = { termsHash: v.termsHash, price: v.price, accessPeriod: v.accessPeriod, payees: v.payees, bps: v.bps };
  const data = registryInterface.encodeFunctionData('termsChangeDigest', [v.tokenId, v.contentRoot, terms, v.nonce, v.deadline]);
  const r = registryInterface.decodeFunctionResult('termsChangeDigest', await conn.provider.call({ to: registry, data }));
  return (r[0] as string).toLowerCase();
}

/** Stores one document (staged as a file: the storage client uploads files); returns its item id. */
export async function storeDocument(storage: StorageClient, stagingDir: string, owner: string, doc: ProposalDoc | AnswerDoc, signal?: AbortSignal): Promise<string> {
  const bytes = Buffer.from(JSON.stringify(doc));
  const sha = createHash('sha256').update(bytes).digest('hex');
  const dir = join(stagingDir, 'proposals');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${sha}.json`);
  await writeFile(path, bytes);
  const tags = [
    { name: 'Type', value: doc.type },
    { name: REGISTRY_TAG, value: doc.registry.toLowerCase() },
    { name: CHAIN_TAG, value: String(doc.chainId) },
    { name: TOKEN_TAG, value: doc.tokenId },
    ...(doc.type === ANSWER_TYPE ? [{ name: PROPOSAL_TAG, value: doc.proposalId.toLowerCase() }] : []),
  ];
  try {
    const r = await storage.uploadFile(path, { expectedSha256: sha, expectedSize: bytes.length, contentType: 'application/json', tags, owner, ...(signal ? { signal } : {}) });
    return r.id;
  } finally {
    await rm(path, { force: true }).catch(() => undefined);
  }
}

interface Found {
  id: string;
  type: string;
  tokenId: string;
}

/**
 * The ids of proposal and answer items the node lists for these tokens of one registry (every
 * token when `tokenIds` is empty). Its filter only narrows: documents are checked when read.
 */
export async function findItems(storageUrl: string, chainId: number, registry: string, tokenIds: readonly string[], timeoutMs = 30_000): Promise<Found[]> {
  const out: Found[] = [];
  const pages: (readonly string[] | null)[] = [];
  for (let i = 0; i < tokenIds.length; i += 100) pages.push(tokenIds.slice(i, i + 100));
  if (pages.length === 0) pages.push(null);
  for (const page of pages) {
    const tokenFilter = page === null ? '' : `{ name: "${TOKEN_TAG}", values: ${JSON.stringify(page)} }, `;
    const query = `query { transactions(tags: [{ name: "${REGISTRY_TAG}", values: ${JSON.stringify([registry.toLowerCase()])} }, { name: "${CHAIN_TAG}", values: ${JSON.stringify([String(chainId)])} }, ${tokenFilter}{ name: "Type", values: ${JSON.stringify([PROPOSAL_TYPE, ANSWER_TYPE])} }], first: 1000, order: DESC) { edges { node { id tags { name value } } } } }`;
    const raw = await readCapped(`${storageUrl}/graphql`, MAX_GRAPHQL_BYTES, 'the storage node’s answer to a search', timeoutMs, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new Error('the storage node answered a search with something that is not JSON');
    }
    const edges = (body as { data?: { transactions?: { edges?: unknown } } } | null)?.data?.transactions?.edges;
    if (!Array.isArray(edges)) continue;
    for (const e of edges as unknown[]) {
      const node = (e as { node?: { id?: unknown; tags?: unknown } } | null)?.node;
      if (typeof node?.id !== 'string' || !/^[A-Za-z0-9_-]{20,100}$/.test(node.id) || !Array.isArray(node.tags)) continue;
      const tags = node.tags as { name?: unknown; value?: unknown }[];
      const type = tags.find((t) => t.name === 'Type')?.value;
      const tokenId = tags.find((t) => t.name === TOKEN_TAG)?.value;
      if (typeof type !== 'string' || typeof tokenId !== 'string' || !/^\d{1,78}$/.test(tokenId) || (page !== null && !page.includes(tokenId))) continue;
      if (!out.some((f) => f.id === node.id)) out.push({ id: node.id, type, tokenId });
    }
  }
  return out;
}

async function readDoc(storageUrl: string, id: string, timeoutMs: number): Promise<unknown> {
  const bytes = await readCapped(`${storageUrl}/${encodeURIComponent(id)}`, MAX_DOCUMENT_BYTES, 'a proposal', timeoutMs);
  return JSON.parse(bytes.toString('utf8')) as unknown;
}

export interface OpenProposal {
  id: string;
  itemId: string;
  doc: ProposalDoc;
  answers: { itemId: string; doc: AnswerDoc }[];
}

/**
 * The valid open proposals of one token, with their valid answers (one per signer: a signature
 * wins over a decline, the first of each kind counts). `ignored` lists what was refused, and why.
 */
export async function readProposals(
  storageUrl: string,
  conn: ChainConnection,
  t: TokenState,
  items: readonly Found[],
  timeoutMs = 30_000,
): Promise<{ proposals: OpenProposal[]; ignored: { itemId: string; why: string }[] }> {
  const ignored: { itemId: string; why: string }[] = [];
  const proposals = new Map<string, OpenProposal>();
  const answers: { itemId: string; raw: unknown }[] = [];
  for (const f of items.filter((i) => i.tokenId === t.tokenId)) {
    let raw: unknown;
    try {
      raw = await readDoc(storageUrl, f.id, timeoutMs);
    } catch (e) {
      ignored.push({ itemId: f.id, why: e instanceof Error ? e.message : String(e) });
      continue;
    }
    if ((raw as { type?: unknown } | null)?.type === ANSWER_TYPE) {
      answers.push({ itemId: f.id, raw });
      continue;
    }
    const c = checkProposal(raw, t);
    if (!c.ok) {
      ignored.push({ itemId: f.id, why: c.why });
      continue;
    }
    if (proposals.has(c.id)) continue;
    // The contract's encoding decides: a digest it would not compute is never signed.
    if ((await contractDigest(conn, t.registry, c.doc)) !== c.id) {
      ignored.push({ itemId: f.id, why: 'its digest is not the registry’s' });
      continue;
    }
    proposals.set(c.id, { id: c.id, itemId: f.id, doc: c.doc, answers: [] });
  }
  for (const a of answers) {
    const claimed = (a.raw as { proposalId?: unknown }).proposalId;
    const pid = typeof claimed === 'string' ? claimed.toLowerCase() : '';
    const p = proposals.get(pid);
    if (p === undefined) {
      ignored.push({ itemId: a.itemId, why: 'it answers no open proposal' });
      continue;
    }
    const c = checkAnswer(a.raw, p.doc, t);
    if (!c.ok) {
      ignored.push({ itemId: a.itemId, why: c.why });
      continue;
    }
    const same = p.answers.findIndex((x) => x.doc.signer.toLowerCase() === c.doc.signer.toLowerCase());
    if (same === -1) p.answers.push({ itemId: a.itemId, doc: c.doc });
    else if (p.answers[same]?.doc.decision === 'decline' && c.doc.decision === 'sign') p.answers[same] = { itemId: a.itemId, doc: c.doc };
  }
  return { proposals: [...proposals.values()], ignored };
}
