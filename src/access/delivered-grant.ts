/**
 * Grants delivered by the owner's Ativo after one of the token's approvers approved (issue 17).
 *
 * Key delivery decision: an approver holds no version key, so it cannot make the grant. It
 * approves with an empty grant id; the OWNER's Ativo (its access follower sees an approval
 * decided by someone else, src/access/approver-delivery.ts) makes the grant, signs it with the
 * owner's wallet and stores it tagged with the request id, the token id and the registry. No key
 * before payment: the owner delivers only once the approval is mined.
 *
 * The buyer finds it by those tags (the storage node's GraphQL), and accepts a candidate ONLY when
 * its signature verifies and names the token's owner (the node's own claims count for nothing:
 * src/storage/item-verify.ts), its signed tags name this request, token and registry, it opens
 * with the requester's identity (encrypted to the request's recipient), and it is for the token's
 * content root. Anything else (a grant by another wallet, for another request, a forged item) is
 * skipped.
 */
import { getAddress } from 'ethers';
import { MAX_GRAPHQL_BYTES, readCapped } from '../storage/bounded';
import type { StorageGateway } from '../storage/gateway';
import { fetchVerifiedItem } from '../storage/item-verify';

export const GRANT_TYPE = 'grant';
export const REQUEST_ID_TAG = 'Request-Id';
export const TOKEN_ID_TAG = 'Token-Id';
export const REGISTRY_TAG = 'Ativo-Registry';
/** The tags of a grant the owner delivers for an approver's approval (besides Type). */
export const deliveredGrantTags = (requestId: string, tokenId: string, registry: string): { name: string; value: string }[] => [
  { name: 'Type', value: GRANT_TYPE },
  { name: REQUEST_ID_TAG, value: requestId },
  { name: TOKEN_ID_TAG, value: tokenId },
  { name: REGISTRY_TAG, value: registry.toLowerCase() },
];

const MAX_CANDIDATES = 20;

export interface WantedGrant {
  requestId: bigint;
  tokenId: bigint;
  registry: string;
  /** The token's owner: the only signer accepted. */
  owner: string;
}

/** Candidate ids (newest first) the node says are grants for this request; the node may lie. */
async function candidates(gw: StorageGateway, w: WantedGrant): Promise<string[]> {
  const tags = deliveredGrantTags(w.requestId.toString(), w.tokenId.toString(), w.registry).map((t) => ({ name: t.name, values: [t.value] }));
  const query = `query { transactions(owners: ${JSON.stringify([w.owner.toLowerCase()])}, tags: ${JSON.stringify(tags).replace(/"(name|values)":/g, '$1:')}, first: ${MAX_CANDIDATES}, order: DESC) { edges { node { id } } } }`;
  const raw = await readCapped(`${gw.url}/graphql`, MAX_GRAPHQL_BYTES, 'the storage node’s answer to a search', 30_000, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return [];
  }
  const edges = (body as { data?: { transactions?: { edges?: unknown } } } | null)?.data?.transactions?.edges;
  if (!Array.isArray(edges)) return [];
  const ids = (edges as unknown[]).map((e) => (e as { node?: { id?: unknown } } | null)?.node?.id).filter((id): id is string => typeof id === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(id));
  return [...new Set(ids)].slice(0, MAX_CANDIDATES);
}

export interface DeliveredGrant {
  id: string;
  bytes: Uint8Array;
}

/**
 * The grants the token's owner signed for this request, as verified items (signer, signed tags);
 * `refused` says why each other candidate was skipped. The caller still opens each with the
 * requester's identity and checks its content root.
 */
export async function findDeliveredGrants(gw: StorageGateway, w: WantedGrant, maxBytes: number): Promise<{ grants: DeliveredGrant[]; refused: { id: string; why: string }[] }> {
  const owner = getAddress(w.owner);
  const want = new Map(deliveredGrantTags(w.requestId.toString(), w.tokenId.toString(), w.registry).map((t) => [t.name, t.value]));
  const grants: DeliveredGrant[] = [];
  const refused: { id: string; why: string }[] = [];
  for (const id of await candidates(gw, w)) {
    const got = await fetchVerifiedItem(gw, id, maxBytes, `the grant ${id}`).catch((e: unknown) => ({ ok: false as const, why: e instanceof Error ? e.message : String(e) }));
    if (!got.ok) {
      refused.push({ id, why: got.why });
      continue;
    }
    if (got.item.signer !== owner) {
      refused.push({ id, why: `it is signed by ${got.item.signer}, not by the owner ${owner}` });
      continue;
    }
    const wrong = [...want].find(([name, value]) => got.item.tags.find((t) => t.name === name)?.value !== value);
    if (wrong !== undefined) {
      refused.push({ id, why: `its ${wrong[0]} tag is not ${wrong[1]}` });
      continue;
    }
    grants.push({ id, bytes: new Uint8Array(got.item.data) });
  }
  return { grants, refused };
}
