/** Hugging Face model-card fields (`license`, `license_name`, `license_link`, `base_model`, `datasets`) as README front matter. */
import { stringify } from 'yaml';
import type { PublicMetadata } from './document';
import { hfLicenseTag } from './license';

/** Hugging Face spells licenses in lower case; a license without an SPDX id is `other` with a name and link. */
export function modelCardFields(m: PublicMetadata): Record<string, string | string[]> {
  const custom = m.license.spdx.startsWith('LicenseRef-');
  const fields: Record<string, string | string[]> = custom
    ? { license: 'other', license_name: m.license.spdx.slice('LicenseRef-'.length).toLowerCase(), ...(m.license.url ? { license_link: m.license.url } : {}) }
    : { license: hfLicenseTag(m.license.spdx) };
  if (m.baseModel?.length) fields.base_model = m.baseModel;
  if (m.datasets?.length) fields.datasets = m.datasets;
  if (m.tags?.length) fields.tags = m.tags;
  return fields;
}

/** The `---` YAML block that opens a model card README. */
export function modelCardFrontMatter(m: PublicMetadata): string {
  return `---\n${stringify(modelCardFields(m), { lineWidth: 0 })}---\n`;
}
