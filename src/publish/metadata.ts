/**
 * The public metadata of a version (issue 16), stored beside its manifest once the registration
 * is mined (never before: the document names the content root, and nothing of a new publication
 * is on the node before its registration, see pipeline.ts). Also for private assets: the
 * metadata is public, the files are not.
 *
 * - The metadata document (src/metadata/document.ts, canonical JSON), tagged
 *   `Type: metadata` and `Ativo-Metadata-Root: <content root>`, so an indexer finds the
 *   document of a registered content root by GraphQL and accepts it only when its signer is the
 *   token's registrant (src/discover/indexer.ts).
 * - For datasets, the Croissant 1.0 JSON-LD (`Type: croissant`, same root tag).
 * - For models, the Hugging Face model-card fields are inside the metadata document itself
 *   (license, baseModel, datasets, tags).
 *
 * Never paid twice: the same bytes stored by this wallet are found on the node (Content-Sha256,
 * StorageClient's dedupe) and reused. The metadata document carries no token id or date, so an
 * unchanged version (published again on a reset sandbox, a resumed publication) has the same
 * bytes; the Croissant document names the token, so it is new only when the token is.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AssetRecord } from '../catalog/assets';
import { toCroissant } from '../metadata/croissant';
import { buildMetadata, encodeMetadata, type PublicMetadata } from '../metadata/document';
import { readFolderMetadata, type FolderMetadata } from '../metadata/folder';
import type { StorageClient } from '../storage/client';

export const METADATA_ROOT_TAG = 'Ativo-Metadata-Root';
export const METADATA_TYPE = 'metadata';
export const CROISSANT_TYPE = 'croissant';

/** What the certificate's storage section names (storage.metadata). */
export interface MetadataItems {
  id: string;
  croissantId?: string;
}

export interface VersionFacts {
  asset: Pick<AssetRecord, 'name' | 'kind' | 'rootPath' | 'fileCount' | 'totalBytes'>;
  contentRoot: string;
  version: number;
  previous?: { tokenId: string | null; contentRoot: string };
  /** The publication's license id (CC-BY-4.0, …, OpenRAIL-M, custom): the chain's terms win over the folder's. */
  license: string;
  /** The creator's description (wins over the README's first paragraph). */
  description?: string;
}

/** The folder's own description files; a folder whose files are malformed publishes without them (the publication is not stopped by a README). */
async function folderOf(rootPath: string): Promise<FolderMetadata | undefined> {
  return readFolderMetadata(rootPath).catch(() => undefined);
}

/** The version's metadata document. */
export async function versionMetadata(f: VersionFacts): Promise<PublicMetadata> {
  return buildMetadata({
    name: f.asset.name,
    kind: f.asset.kind,
    size: f.asset.totalBytes,
    fileCount: f.asset.fileCount,
    version: f.version,
    contentRoot: f.contentRoot,
    ...(f.previous ? { previous: { ...(f.previous.tokenId ? { tokenId: f.previous.tokenId } : {}), contentRoot: f.previous.contentRoot } } : {}),
    folder: await folderOf(f.asset.rootPath),
    overrides: {
      license: f.license,
      ...(f.license === 'custom' ? { licenseName: 'custom' } : {}),
      ...(f.description !== undefined && f.description.trim() !== '' ? { description: f.description } : {}),
    },
  });
}

export const assetUri = (chainId: number, registry: string, tokenId: string): string => `ativo://asset/${chainId}/${registry.toLowerCase()}/${tokenId}`;

export interface StoreMetadataOptions {
  storage: StorageClient;
  stagingDir: string;
  owner: string;
  facts: VersionFacts;
  chain: { chainId: number; registry: string; tokenId: string; registeredAt: string };
  signal?: AbortSignal;
}

/** Stores one small document (staged as a file: the storage client uploads files) and returns its item id. */
async function storeDocument(o: StoreMetadataOptions, bytes: Uint8Array, type: string, contentType: string): Promise<string> {
  const sha = createHash('sha256').update(bytes).digest('hex');
  const dir = join(o.stagingDir, 'metadata');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${sha}.json`);
  await writeFile(path, bytes);
  try {
    const r = await o.storage.uploadFile(path, {
      expectedSha256: sha,
      expectedSize: bytes.length,
      contentType,
      tags: [
        { name: 'Type', value: type },
        { name: METADATA_ROOT_TAG, value: o.facts.contentRoot },
      ],
      owner: o.owner,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return r.id;
  } finally {
    await rm(path, { force: true }).catch(() => undefined);
  }
}

/** Builds and stores the version's public metadata (and, for a dataset, its Croissant document). */
export async function storeMetadata(o: StoreMetadataOptions): Promise<MetadataItems> {
  const m = await versionMetadata(o.facts);
  const id = await storeDocument(o, encodeMetadata(m), METADATA_TYPE, 'application/json');
  if (m.kind !== 'dataset') return { id };
  const uri = assetUri(o.chain.chainId, o.chain.registry, o.chain.tokenId);
  const croissant = toCroissant({ metadata: m, url: uri, contentUrl: uri, datePublished: o.chain.registeredAt });
  const croissantId = await storeDocument(o, new TextEncoder().encode(JSON.stringify(croissant)), CROISSANT_TYPE, 'application/ld+json');
  return { id, croissantId };
}
