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

/** Where asset identities are kept (the vault, over the OS keychain). */
export interface AssetKeyStore {
  getAssetIdentity(key: string): Promise<string | null>;
  putAssetIdentity(key: string, identity: string): Promise<void>;
}

type AssetRef = Pick<AssetRecord, 'id' | 'createdAt'>;

/** The keychain name of an asset's own key (versions published before per-version keys). */
export const assetKeyName = (a: AssetRef): string => `${a.id}@${a.createdAt}`;
/** The keychain name of a version's key. */
export const versionKeyName = (a: AssetRef, contentRoot: string): string => `${assetKeyName(a)}#${contentRoot}`;

export interface KnownKey {
  identity: string;
  recipient: string;
  /** The version it is the key of; null for the asset's own key (older versions). */
  contentRoot: string | null;
}

export class VersionKeys {
  private readonly creating = new Map<string, Promise<string>>();

  constructor(
    private readonly catalog: Catalog,
    private readonly store: AssetKeyStore,
  ) {}

  /**
   * The recipient a version's files are encrypted to: the version's own key, created on first
   * use (in the keychain first, then recorded in the catalog, so nothing is ever encrypted to a
   * key that is not kept). Concurrent first uses share one creation.
   */
  recipient(asset: AssetRef, contentRoot: string): Promise<string> {
    const name = versionKeyName(asset, contentRoot);
    const inflight = this.creating.get(name);
    if (inflight) return inflight;
    const p = (async () => {
      let identity = await this.store.getAssetIdentity(name);
      if (identity === null) {
        identity = (await generateIdentity()).identity;
        await this.store.putAssetIdentity(name, identity);
      }
      const recipient = await recipientOf(identity);
      const row = this.catalog.versionKeys.add(asset.id, contentRoot, recipient, new Date().toISOString());
      if (row.recipient !== recipient) throw new Error(`The keychain's key of version ${contentRoot.slice(0, 12)}… of asset ${asset.id} is not the one its files were encrypted to.`);
      return recipient;
    })().finally(() => this.creating.delete(name));
    this.creating.set(name, p);
    return p;
  }

  /**
   * The identity that opens one version of a private asset (what a grant for that version
   * holds): the version's own key, or for a version published before per-version keys the
   * asset's key. Null when this keychain does not hold it (or holds another key than the one
   * recorded for the version).
   */
  async identity(assetId: number, contentRoot: string): Promise<string | null> {
    const asset = this.catalog.assets.get(assetId);
    if (!asset) return null;
    const row = this.catalog.versionKeys.get(assetId, contentRoot);
    if (row === undefined) return this.store.getAssetIdentity(assetKeyName(asset));
    const identity = await this.store.getAssetIdentity(versionKeyName(asset, contentRoot));
    return identity !== null && (await recipientOf(identity)) === row.recipient ? identity : null;
  }

  /** Every key of the asset this keychain holds: the asset's own, then each version's. */
  async known(assetId: number): Promise<KnownKey[]> {
    const asset = this.catalog.assets.get(assetId);
    if (!asset) return [];
    const out: KnownKey[] = [];
    const own = await this.store.getAssetIdentity(assetKeyName(asset));
    if (own !== null) out.push({ identity: own, recipient: await recipientOf(own), contentRoot: null });
    for (const v of this.catalog.versionKeys.forAsset(assetId)) {
      const identity = await this.store.getAssetIdentity(versionKeyName(asset, v.contentRoot));
      if (identity !== null && (await recipientOf(identity)) === v.recipient) out.push({ identity, recipient: v.recipient, contentRoot: v.contentRoot });
    }
    return out;
  }
}
