/**
 * Croissant 1.0 (mlcommons) JSON-LD for a dataset version: the core fields, with the version's
 * content root as the distribution's `sha256`. `recordSet` is omitted: Ativo does not know the
 * records inside the files.
 */
import type { PublicMetadata } from './document';

/** The JSON-LD context recommended by Croissant 1.0 (its Appendix 1). */
export const CROISSANT_CONTEXT = {
  '@language': 'en',
  '@vocab': 'https://schema.org/',
  citeAs: 'cr:citeAs',
  column: 'cr:column',
  conformsTo: 'dct:conformsTo',
  cr: 'http://mlcommons.org/croissant/',
  rai: 'http://mlcommons.org/croissant/RAI/',
  data: { '@id': 'cr:data', '@type': '@json' },
  dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
  dct: 'http://purl.org/dc/terms/',
  examples: { '@id': 'cr:examples', '@type': '@json' },
  extract: 'cr:extract',
  field: 'cr:field',
  fileProperty: 'cr:fileProperty',
  fileObject: 'cr:fileObject',
  fileSet: 'cr:fileSet',
  format: 'cr:format',
  includes: 'cr:includes',
  isLiveDataset: 'cr:isLiveDataset',
  jsonPath: 'cr:jsonPath',
  key: 'cr:key',
  md5: 'cr:md5',
  parentField: 'cr:parentField',
  path: 'cr:path',
  recordSet: 'cr:recordSet',
  references: 'cr:references',
  regex: 'cr:regex',
  repeated: 'cr:repeated',
  replace: 'cr:replace',
  sc: 'https://schema.org/',
  separator: 'cr:separator',
  source: 'cr:source',
  subField: 'cr:subField',
  transform: 'cr:transform',
} as const;

export const CROISSANT_CONFORMS_TO = 'http://mlcommons.org/croissant/1.0';

export interface CroissantInput {
  metadata: PublicMetadata;
  /** Where the dataset is described (its public page or `ativo://` link). */
  url: string;
  /**
   * Where the version's manifest is: its `sha256sum` listing, whose sha256 is the content root.
   * For a private asset that listing is encrypted, so give the asset's public page instead.
   */
  contentUrl: string;
  /** ISO 8601 date of the registration. */
  datePublished: string;
  /** The media type of what `contentUrl` serves (the manifest is text/plain). */
  encodingFormat?: string;
  citeAs?: string;
}

/** The Croissant JSON-LD document (a plain object; serialize with JSON.stringify). */
export function toCroissant(i: CroissantInput): Record<string, unknown> {
  const m = i.metadata;
  const creators = m.contributors.filter((c) => c.role === 'author');
  return {
    '@context': CROISSANT_CONTEXT,
    '@type': 'sc:Dataset',
    conformsTo: CROISSANT_CONFORMS_TO,
    name: m.name,
    description: m.description || m.name,
    license: m.license.url || m.license.spdx,
    url: i.url,
    version: `${String(m.version)}.0.0`,
    datePublished: i.datePublished,
    creator: (creators.length ? creators : m.contributors).map((c) => ({
      '@type': 'sc:Person',
      name: c.name,
      ...(c.orcid ? { identifier: `https://orcid.org/${c.orcid}` } : {}),
    })),
    ...(i.citeAs ? { citeAs: i.citeAs } : {}),
    ...(m.tags?.length ? { keywords: m.tags } : {}),
    distribution: [
      {
        '@type': 'cr:FileObject',
        '@id': 'content',
        name: 'content',
        description: `The manifest of version ${String(m.version)}: the sha256sum listing of its ${String(m.fileCount)} files. Its sha256 is the content root.`,
        contentUrl: i.contentUrl,
        contentSize: `${String(m.size)} B`,
        encodingFormat: i.encodingFormat ?? 'text/plain',
        sha256: m.contentRoot,
      },
    ],
  };
}
