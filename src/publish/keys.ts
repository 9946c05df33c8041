/**
 * The age keys of private assets, one per VERSION (issue 12, attack 3: with one key per asset,
 * a grant for version 1 opened every later version's new files).
 *
 * Each content root published privately gets its own X25519 identity, created on first use and
 * kept in the keychain under `<asset id>@<created at>#<content root>`; the catalog records that
 * the version has one (version_keys, with its recipient). Versions published before this have
 * no row and keep the asset's key (`<asset id>@<created at>`), which stays readable.
 *
 * Files a version reuses from an earlier one are not encrypted or uploaded again: the version's
 * encrypted manifest carries their age headers re-wrapped to its key (src/crypto/rewrap.ts), so
 * the version's identity opens every file of that version and nothing else that is new.
 *
 * The approval path grants `identity(assetId, contentRoot)` (BackendContext.versionIdentity).
 */
import type { AssetRecord } from '../catalog/assets';
import type { Catalog } from '../catalog/db';
import { generateIdentity, recipientOf } from '../crypto/age';
import { AtivoFault } from '../util/errors';

/** Where asset identities are kept (the vault, over the OS keychain). */
export interface AssetKeyStore {
  getAssetIdentity(key: string): Promise<string | null>;
  putAssetIdentity(key: string, identity: string): Promise<void>;
  removeAssetIdentity?(key: string): Promise<boolean>;
}

type AssetRef = Pick<AssetRecord, 'id' | 'createdAt'>;

/** The keychain name of an asset's own key (versions published before per-version keys). */
export const assetKeyName = (a: AssetRef): string => `${a.id}@${a.createdAt}`;
/** The keychain name of a version's key. */
export const versionKeyName = (a: AssetRef, contentRoot: string): string => `${assetKeyName(a)}#${contentRoot}`;
/**
 * Where a process keeps the key it proposes for a version before the catalog has chosen one
 * (named by its recipient, so two proposals never overwrite each other).
 */
const candidateKeyName = (a: AssetRef, contentRoot: string, recipient: string): string => `${versionKeyName(a, contentRoot)}~${recipient}`;

export interface KnownKey {
  identity: string;
  recipient: string;
  /** The version it is the key of; null for the asset's own key (older versions). */
  contentRoot: string | null;
}

/** What a grant for one version carries: nothing (a public version) or exactly that version's key. */
export type GrantKey = { kind: 'public' } | { kind: 'private'; identity: string };

/** The certificate of the token a grant is for (this catalog's, CertificateRecord). */
export interface GrantCertificate {
  network: string;
  document: unknown;
  createdAt: string;
}

/** A grant cannot be made for this version (the sentence says why and what to do). */
export class GrantKeyError extends AtivoFault {
  readonly family = 'grant-key';
  override readonly name = 'GrantKeyError';
}

export class VersionKeys {
  private readonly creating = new Map<string, Promise<string>>();

  constructor(
    private readonly catalog: Catalog,
    private readonly store: AssetKeyStore,
  ) {}

  /**
   * The recipient a version's files are encrypted to: the version's own key, created on first
   * use. Concurrent first uses share one creation; two PROCESSES creating it at once agree too
   * (issue 12): each keeps its proposed identity in the keychain under its own name first, then
   * the catalog's insert (one row per version, the first one stays) chooses; the winner copies
   * its identity to the version's name, the loser drops its proposal and uses the winner's. So a
   * recorded recipient always has its identity kept, and nothing is ever encrypted to another.
   */
  recipient(asset: AssetRef, contentRoot: string): Promise<string> {
    const name = versionKeyName(asset, contentRoot);
    const inflight = this.creating.get(name);
    if (inflight) return inflight;
    const p = this.create(asset, contentRoot).finally(() => this.creating.delete(name));
    this.creating.set(name, p);
    return p;
  }

  private async create(asset: AssetRef, contentRoot: string): Promise<string> {
    const name = versionKeyName(asset, contentRoot);
    const recorded = this.catalog.versionKeys.get(asset.id, contentRoot);
    if (recorded !== undefined) {
      if ((await this.kept(asset, contentRoot, recorded.recipient)) === null) throw this.notKept(asset.id, contentRoot);
      return recorded.recipient;
    }
    // A key kept under the version's name without a row (a run that stopped in between) is adopted.
    const leftover = await this.store.getAssetIdentity(name);
    const identity = leftover ?? (await generateIdentity()).identity;
    const recipient = await recipientOf(identity);
    const candidate = candidateKeyName(asset, contentRoot, recipient);
    if (leftover === null) await this.store.putAssetIdentity(candidate, identity);
    const row = this.catalog.versionKeys.add(asset.id, contentRoot, recipient, new Date().toISOString());
    if (row.recipient === recipient) {
      if (leftover === null) {
        await this.store.putAssetIdentity(name, identity);
        await this.store.removeAssetIdentity?.(candidate).catch(() => false);
      }
      return recipient;
    }
    // Another process recorded its key first: that one is the version's key.
    if (leftover === null) await this.store.removeAssetIdentity?.(candidate).catch(() => false);
    if ((await this.kept(asset, contentRoot, row.recipient)) === null) throw this.notKept(asset.id, contentRoot);
    return row.recipient;
  }

  private notKept(assetId: number, contentRoot: string): Error {
    return new Error(`The keychain's key of version ${contentRoot.slice(0, 12)}… of asset ${assetId} is not the one its files were encrypted to.`);
  }

  /** The kept identity of a version whose recorded recipient is `recipient` (under its name, or still under the winner's proposal). */
  private async kept(asset: AssetRef, contentRoot: string, recipient: string): Promise<string | null> {
    for (const name of [versionKeyName(asset, contentRoot), candidateKeyName(asset, contentRoot, recipient)]) {
      const identity = await this.store.getAssetIdentity(name);
      if (identity !== null && (await recipientOf(identity)) === recipient) return identity;
    }
    return null;
  }

  /**
   * The identity that opens one version of a private asset: the version's own key, or for a
   * version published before per-version keys the asset's key. Null when this keychain does not
   * hold it (or holds another key than the one recorded for the version). For reading and
   * publishing; a grant uses grantKey, which never guesses.
   */
  async identity(assetId: number, contentRoot: string): Promise<string | null> {
    const asset = this.catalog.assets.get(assetId);
    if (!asset) return null;
    const row = this.catalog.versionKeys.get(assetId, contentRoot);
    if (row === undefined) return this.store.getAssetIdentity(assetKeyName(asset));
    return this.kept(asset, contentRoot, row.recipient);
  }

  /**
   * What a grant for one token carries, decided by what that token's version was PUBLISHED with
   * (never by the asset's visibility today, which a later version may have changed):
   *   - a version with its own key (version_keys) → exactly that key;
   *   - else, certified since per-version keys came to this catalog (every private publication
   *     since records its key first) → it was public: nothing to hand over;
   *   - else (published before) the items its certificate names, as this catalog stored them:
   *     all plaintext → public; all encrypted to the asset's own key → that key opens it (the
   *     only case the asset's key is ever granted);
   *   - anything else (no certificate here, mixed or other keys) → refused.
   * Throws GrantKeyError with a sentence for the owner.
   */
  async grantKey(assetId: number, contentRoot: string, cert: GrantCertificate | undefined): Promise<GrantKey> {
    const asset = this.catalog.assets.get(assetId);
    if (!asset) throw new GrantKeyError(`Asset ${assetId} is no longer in this catalog, so no key can be given for it.`);
    const short = `version ${contentRoot.slice(0, 12)}… of ${asset.name}`;
    const row = this.catalog.versionKeys.get(assetId, contentRoot);
    if (row !== undefined) {
      const identity = await this.kept(asset, contentRoot, row.recipient);
      if (identity === null) throw new GrantKeyError(`The key of ${short} is not in this computer's keychain: its files cannot be opened for the buyer. Deny the request to return the payment.`);
      return { kind: 'private', identity };
    }
    const doc = cert?.document as { asset?: { contentRoot?: unknown }; storage?: { receipts?: unknown } } | undefined;
    const receipts = Array.isArray(doc?.storage?.receipts) ? (doc.storage.receipts as unknown[]) : [];
    const certRoot = doc?.asset?.contentRoot;
    if (cert === undefined || typeof certRoot !== 'string' || certRoot.replace(/^0x/i, '').toLowerCase() !== contentRoot) {
      throw new GrantKeyError(`This catalog has no certificate of ${short}, so it cannot tell which key opens it. Deny the request to return the payment.`);
    }
    const since = this.catalog.versionKeys.since();
    if (since !== null && cert.createdAt >= since) return { kind: 'public' };
    const encryptions = new Set<string | null>();
    for (const r of receipts) {
      const id = (r as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') continue;
      const up = this.catalog.uploads.byStorageId(cert.network, id);
      if (up !== undefined) encryptions.add(up.encryption); // the manifest item has no row: not counted
    }
    if (encryptions.size === 1 && encryptions.has(null)) return { kind: 'public' };
    const own = await this.store.getAssetIdentity(assetKeyName(asset));
    if (own !== null && encryptions.size === 1 && encryptions.has(`age:${await recipientOf(own)}`)) return { kind: 'private', identity: own };
    throw new GrantKeyError(`Ativo cannot tell which key opens ${short} (its stored files are not all encrypted to one key this computer holds), so it gives none. Deny the request to return the payment.`);
  }

  /** Every key of the asset this keychain holds: the asset's own, then each version's. */
  async known(assetId: number): Promise<KnownKey[]> {
    const asset = this.catalog.assets.get(assetId);
    if (!asset) return [];
    const out: KnownKey[] = [];
    const own = await this.store.getAssetIdentity(assetKeyName(asset));
    if (own !== null) out.push({ identity: own, recipient: await recipientOf(own), contentRoot: null });
    for (const v of this.catalog.versionKeys.forAsset(assetId)) {
      const identity = await this.kept(asset, v.contentRoot, v.recipient);
      if (identity !== null) out.push({ identity, recipient: v.recipient, contentRoot: v.contentRoot });
    }
    return out;
  }
}
