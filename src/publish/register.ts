/**
 * Step 3 of a publication (src/publish/pipeline.ts): AtivoRegistry.register(content root,
 * manifest id), as a durable send.
 *
 *   - The signed transaction (hash and raw bytes) is saved BEFORE it is broadcast, under the
 *     wallet's send lock (no other job of this process takes the same nonce), so a restart
 *     re-broadcasts and waits for that very transaction instead of signing another.
 *   - Recovery: when that transaction can never be mined (its nonce went to another transaction
 *     of the wallet, the node dropped it, it reverted), the registry is asked who holds the
 *     content root. Ours (mined by this transaction's twin, or by an earlier run whose record
 *     was lost): it is adopted, with the manifest id the chain holds. Someone else's: a
 *     permanent failure naming them. Nobody's: the saved transaction is dropped and the next
 *     run signs a new one.
 *   - A registration adopted with another manifest id than this run prepared is adopted only
 *     when that manifest has this publication's encryption: a private publication never
 *     publishes under a file list in the clear, and a public one never uploads its files in the
 *     clear under an encrypted file list (issue 12).
 */
import { rm } from 'node:fs/promises';
import type { Wallet } from 'ethers';
import type { Catalog } from '../catalog/db';
import { broadcastTx, isChainError, withAccountLock, type ChainConnection, type RegisterParams, type RegistryClient } from '../chain/client';
import { PermanentJobError } from '../jobs';
import { tagsOfItems } from '../storage/bounded';
import { faultPoint } from '../util/fault';

export interface RegisterInput {
  catalog: Catalog;
  /** The asset's name, for messages. */
  name: string;
  network: string;
  contentRoot: string;
  owner: string;
  /** This publication's encryption marker (null: public). */
  encryption: string | null;
  /** The manifest id this run prepared (what it registers). */
  manifestId: string | undefined;
  conn: ChainConnection;
  registry: RegistryClient;
  /** The owner's signer, connected. */
  signer: Wallet;
  params: RegisterParams;
  /** The storage node's URL (to read a registered manifest's encryption marker when the catalog has no record of it). */
  storageUrl: () => Promise<string>;
  /** The transaction saved in the checkpoint (undefined: none yet). */
  tx: { hash: string; raw: string } | undefined;
  /** Saves (or, with undefined, forgets) the signed transaction in the checkpoint. */
  saveTx(tx: { hash: string; raw: string } | undefined): void;
  progress(line: string): void;
}

export interface Registration {
  /** The manifest id on chain (another than the one prepared when an earlier registration is adopted). */
  manifestId: string;
  tokenId: string;
  txHash: string;
  blockNumber: number;
}

export async function registerContent(r: RegisterInput): Promise<Registration> {
  let tx = r.tx;
  if (tx === undefined) {
    const adopted = await adoptRegistration(r);
    if (adopted) return adopted;
    // Prepared, saved and sent under the wallet's lock: no other job takes the same nonce.
    tx = await withAccountLock(r.conn, r.owner, async () => {
      const prepared = await r.registry.prepare(r.signer, r.registry.calls.register(r.params));
      const saved = { hash: prepared.hash, raw: prepared.raw };
      // Saved before it leaves: after a crash we wait for this very transaction.
      r.saveTx(saved);
      faultPoint('publish:after-tx-saved');
      await broadcastTx(r.conn, { raw: prepared.raw, hash: prepared.hash, action: 'register' }).catch(() => undefined); // its errors are handled below
      return saved;
    });
  }
  r.progress('Registering on chain');
  try {
    // Sent again under the wallet's lock: a saved transaction not in the node's pool yet holds a nonce no other send may take meanwhile.
    const saved = tx;
    await withAccountLock(r.conn, r.owner, () => broadcastTx(r.conn, { raw: saved.raw, hash: saved.hash, action: 'register' }));
    faultPoint('publish:after-broadcast');
    const mined = await r.registry.resume('register', tx.hash);
    return { manifestId: r.manifestId ?? '', tokenId: mined.result.tokenId.toString(), txHash: tx.hash, blockNumber: mined.receipt.blockNumber };
  } catch (e) {
    if (!isChainError(e) || !['NONCE', 'TX_NOT_FOUND', 'REVERTED'].includes(e.code)) throw e;
    // This transaction will never be mined: is the content registered anyway (by another of ours, or by someone else)?
    const adopted = await adoptRegistration(r);
    if (adopted) return adopted;
    if (e.code === 'REVERTED') throw e;
    r.saveTx(undefined);
    throw new Error(`The registration transaction ${tx.hash} was replaced or dropped before it was mined; sending a new one.`, { cause: e });
  }
}

/**
 * The content root's registration when it exists already: ours is adopted (with the manifest id
 * it registered, when that manifest has this publication's encryption); anyone else's is a
 * permanent failure. undefined when the root is not registered.
 */
async function adoptRegistration(r: RegisterInput): Promise<Registration | undefined> {
  const existing = await r.registry.tokenOfContentRoot(`0x${r.contentRoot}`);
  if (existing === null || existing === 0n) return undefined;
  const owner = await r.registry.ownerOf(existing);
  if (owner?.toLowerCase() !== r.owner.toLowerCase()) {
    throw new PermanentJobError(`This exact content (root ${r.contentRoot.slice(0, 12)}…) is already registered as asset #${existing} by ${owner ?? 'someone else'}.`);
  }
  // Ours already (registered by a run whose checkpoint write was lost, by a transaction that
  // replaced the one saved, or by an earlier publication of the same content).
  const onChain = await r.registry.asset(existing);
  const reg = (await r.registry.events(0)).find((e) => e.name === 'Registered' && e.tokenId === existing);
  const manifestId = onChain?.manifestId ?? r.manifestId ?? '';
  if (manifestId !== r.manifestId) {
    await checkEncryption(r, manifestId, existing);
    const ours = r.manifestId === undefined ? undefined : r.catalog.prepared.byItemId(r.network, r.manifestId);
    if (ours) {
      // Prepared by this run but never registered: the registered one stands.
      r.catalog.prepared.remove(ours.id);
      if (ours.dataPath !== null) await rm(ours.dataPath, { force: true }).catch(() => undefined);
    }
  }
  return { manifestId, tokenId: existing.toString(), txHash: reg?.transactionHash ?? '', blockNumber: reg?.blockNumber ?? 0 };
}

/** Refuses a registered manifest whose encryption is not this publication's (from the catalog's record of it, else its tags on the node). */
async function checkEncryption(r: RegisterInput, manifestId: string, tokenId: bigint): Promise<void> {
  const prepared = r.catalog.prepared.byItemId(r.network, manifestId);
  let encryption: string | null | undefined = prepared?.encryption;
  if (prepared === undefined) {
    const tags = (await tagsOfItems(await r.storageUrl(), [manifestId]).catch(() => undefined))?.get(manifestId);
    // On the node: its marker tells encrypted or not (not to which key: the key is checked when it is read).
    if (tags !== undefined) encryption = tags.some((t) => t.name === 'Ativo-Encryption') ? (r.encryption ?? 'age') : null;
  }
  if (encryption === undefined || encryption === r.encryption) return;
  const again = 'or change the folder and publish it again as a new version';
  if (r.encryption === null) {
    throw new PermanentJobError(
      `${r.name} is registered already (asset #${tokenId}) by an earlier publication made as private, whose file list is encrypted, so this exact content cannot be published as public: publish it as private, ${again}.`,
    );
  }
  if (encryption === null) {
    throw new PermanentJobError(
      `${r.name} is registered already (asset #${tokenId}) by an earlier publication made as public, whose file list is in the clear, so this exact content cannot be published as private: publish it as public, ${again}.`,
    );
  }
  throw new PermanentJobError(`${r.name} is registered already (asset #${tokenId}) with a file list encrypted to another key than this publication's, so its files cannot be opened with it: ${again}.`);
}
