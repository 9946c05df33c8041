/**
 * The public metadata document, published with every version (also for private assets: the
 * metadata is public, the files are not). Versioned with a zod schema; its bytes are RFC 8785
 * canonical JSON, so the same inputs always give the same bytes (to store, sign and re-derive).
 */
import { z } from 'zod';
import { canonicalJson } from '../util/canonical-json';
import { AtivoError } from '../util/errors';
import type { FolderMetadata } from './folder';
import { DESCRIPTION_MAX } from './readme';
import { normalizeLicense, safeUrl } from './license';

const hex32 = z.string().regex(/^[0-9a-f]{64}$/);
const text = (max: number) => z.string().trim().min(1).max(max);

export const MetadataContributor = z.strictObject({
  name: text(300),
  role: z.enum(['author', 'contributor']),
  orcid: z.string().regex(/^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/).optional(),
});

export const PublicMetadataV1 = z.strictObject({
  schema: z.literal('ativo.metadata/1'),
  name: text(200),
  kind: z.enum(['dataset', 'model', 'other']),
  description: z.string().max(DESCRIPTION_MAX),
  license: z.strictObject({
    spdx: z.string().regex(/^(?:[A-Za-z0-9.+-]+|LicenseRef-[A-Za-z0-9.-]+)$/),
    url: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]),
  }),
  size: z.number().int().nonnegative(),
  fileCount: z.number().int().nonnegative(),
  version: z.number().int().positive(),
  /** The version this one follows: its token id (when registered) and content root. */
  previous: z.strictObject({ tokenId: z.string().regex(/^\d+$/).optional(), contentRoot: hex32 }).optional(),
  contributors: z.array(MetadataContributor).max(200),
  /** The creator's optional public contact (an email or an https URL). */
  contact: z.union([z.email(), z.url({ protocol: /^https$/ })]).optional(),
  contentRoot: hex32,
  /** Model-card fields, for models (Hugging Face names). */
  baseModel: z.array(text(200)).max(64).optional(),
  datasets: z.array(text(200)).max(64).optional(),
  tags: z.array(text(100)).max(64).optional(),
});
export type PublicMetadata = z.infer<typeof PublicMetadataV1>;

export interface MetadataInput {
  name: string;
  kind: PublicMetadata['kind'];
  size: number;
  fileCount: number;
  version: number;
  contentRoot: string;
  previous?: { tokenId?: string; contentRoot: string };
  contact?: string;
  folder?: FolderMetadata;
  /** What the creator edited: wins over what the folder says. */
  overrides?: { description?: string; license?: string; licenseName?: string; licenseUrl?: string; name?: string };
}

/** The public metadata for a version, from its facts, its folder and the creator's edits. */
export function buildMetadata(input: MetadataInput): PublicMetadata {
  const f = input.folder;
  const o = input.overrides ?? {};
  const fm = f?.frontMatter;
  const license = o.license
    ? normalizeLicense(o.license, o.licenseName, o.licenseUrl)
    : (normalizeLicense(fm?.license, fm?.license_name, fm?.license_link) ?? normalizeLicense(f?.citation?.license));
  const description = (o.description ?? f?.description ?? '').trim();
  const doc = {
    schema: 'ativo.metadata/1' as const,
    name: (o.name ?? input.name).trim(),
    kind: input.kind,
    description: description.length > DESCRIPTION_MAX ? description.slice(0, DESCRIPTION_MAX) : description,
    license: license ?? { spdx: 'LicenseRef-all-rights-reserved', url: '' },
    size: input.size,
    fileCount: input.fileCount,
    version: input.version,
    previous: input.previous,
    contributors: (f?.contributors ?? []).map((c) => ({ name: c.name, role: c.role, orcid: c.orcid })),
    contact: input.contact?.trim() || undefined,
    contentRoot: input.contentRoot.replace(/^0x/, '').toLowerCase(),
    ...(input.kind === 'model'
      ? { baseModel: fm?.base_model.length ? fm.base_model : undefined, datasets: fm?.datasets.length ? fm.datasets : undefined }
      : {}),
    tags: fm?.tags.length ? fm.tags : undefined,
  };
  if (doc.license.url && !safeUrl(doc.license.url)) doc.license = { ...doc.license, url: '' };
  const parsed = PublicMetadataV1.safeParse(doc);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new AtivoError('INVALID_INPUT', `The public description of this asset is not valid (${plainField(field)}). Edit it and try again.`);
  }
  return parsed.data;
}

const plainField = (path: string): string =>
  path.startsWith('contact') ? 'the contact must be an email address or an https link'
  : path.startsWith('name') ? 'the name must be 1 to 200 characters'
  : path.startsWith('contentRoot') || path.startsWith('previous') ? 'a content fingerprint is malformed'
  : path.startsWith('license') ? 'the license is not recognised'
  : 'a value is out of range';

/** The canonical bytes of a metadata document (RFC 8785), what is stored and signed. */
export const encodeMetadata = (m: PublicMetadata): Uint8Array => new TextEncoder().encode(canonicalJson(PublicMetadataV1.parse(m)));

/** A stored metadata document read back: must parse, validate and be canonical. */
export function decodeMetadata(bytes: Uint8Array): PublicMetadata {
  if (bytes.length > 256 * 1024) throw new AtivoError('INVALID_INPUT', 'This asset description is too large to be genuine. Ask the owner to publish it again.');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new AtivoError('INVALID_INPUT', 'This asset description is unreadable. Ask the owner to publish it again.', { cause: e });
  }
  const parsed = PublicMetadataV1.safeParse(raw);
  if (!parsed.success || canonicalJson(parsed.data) !== new TextDecoder().decode(bytes)) {
    throw new AtivoError('INVALID_INPUT', 'This asset description is not in the expected form. Ask the owner to publish it again.');
  }
  return parsed.data;
}
