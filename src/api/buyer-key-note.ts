/**
 * What My access says about the key of a request approved by one of the owner's approvers
 * (issue 17): the approver holds no key, so the owner's Ativo delivers it after the approval is
 * mined. Until a grant signed by the owner for this request is on the storage node, the buyer is
 * told the key is on its way (a public asset needs none: nothing is said).
 */
import { toBeHex } from 'ethers';
import { findDeliveredGrants } from '../access/delivered-grant';
import type { RequesterChain } from '../access/requester';
import { parseRegistryLogs, registryTopic } from '../chain/client';
import { isEncryptedManifest } from '../publish/manifest';
import { StorageGateway } from '../storage/gateway';

export const KEY_ON_ITS_WAY = "Approved by one of the owner's approvers: the key is on its way from the owner's Ativo, usually within minutes. Download once it arrives.";

/** The note for an approved request whose chain grant id is empty, or null when there is nothing to wait for. Never throws. */
export async function keyNote(chain: RequesterChain, storageUrl: () => Promise<string>, requestId: bigint, tokenId: bigint): Promise<string | null> {
  try {
    const asset = await chain.registry.asset(tokenId);
    if (asset === null) return null;
    const logs = await chain.conn.provider.getLogs({ address: chain.registry.address, fromBlock: 0, toBlock: 'latest', topics: [registryTopic('Decided'), toBeHex(requestId, 32)] });
    const decided = parseRegistryLogs(logs, chain.registry.address).find((e) => e.name === 'Decided' && e.requestId === requestId);
    if (decided?.name !== 'Decided' || decided.decider.toLowerCase() === asset.owner.toLowerCase()) return null;
    const gw = new StorageGateway(await storageUrl());
    // A public asset's file list is in the clear: no key to wait for.
    const res = await gw.open(asset.manifestId, AbortSignal.timeout(30_000));
    const reader = res.body?.getReader();
    const first = reader === undefined ? undefined : await reader.read();
    await reader?.cancel().catch(() => undefined);
    if (first?.value === undefined || !isEncryptedManifest(first.value as Uint8Array)) return null;
    const { grants } = await findDeliveredGrants(gw, { requestId, tokenId, registry: chain.registry.address, owner: asset.owner }, 64 * 1024);
    return grants.length > 0 ? null : KEY_ON_ITS_WAY;
  } catch {
    return null; // a hint only: the download says what is wrong when it is
  }
}
