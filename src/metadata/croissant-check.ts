/**
 * Checks a Croissant 1.0 JSON-LD document against what the spec requires of a dataset (its
 * "Dataset-level information" and "FileObject" sections): the recommended context, the required
 * fields, and a distribution whose files name a checksum. Hand-written: no JSON-LD processor is a
 * dependency, and these checks need none (every term we emit is in the context or schema.org's
 * vocabulary, which the context sets as @vocab). Returns the problems found (empty: valid).
 */
import { CROISSANT_CONFORMS_TO, CROISSANT_CONTEXT } from './croissant';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.trim() !== '';

export function checkCroissant(doc: unknown): string[] {
  if (!isObject(doc)) return ['the document is not a JSON object'];
  const problems: string[] = [];
  const ctx = doc['@context'];
  if (!isObject(ctx)) problems.push('@context is missing');
  else {
    for (const [k, v] of Object.entries(CROISSANT_CONTEXT)) {
      if (JSON.stringify(ctx[k]) !== JSON.stringify(v)) problems.push(`@context.${k} is not the Croissant 1.0 one`);
    }
  }
  if (doc['@type'] !== 'sc:Dataset') problems.push('@type must be sc:Dataset');
  if (doc.conformsTo !== CROISSANT_CONFORMS_TO) problems.push(`conformsTo must be ${CROISSANT_CONFORMS_TO}`);
  for (const f of ['name', 'description', 'license', 'url']) if (!nonEmpty(doc[f])) problems.push(`${f} is required`);
  for (const f of ['url']) if (nonEmpty(doc[f]) && !/^[a-z][a-z0-9+.-]*:/.test(String(doc[f]))) problems.push(`${f} must be a URL`);
  if (doc.creator !== undefined && !(Array.isArray(doc.creator) && doc.creator.every((c) => isObject(c) && nonEmpty(c.name)))) problems.push('every creator needs a name');
  const dist = doc.distribution;
  if (!Array.isArray(dist) || dist.length === 0) problems.push('distribution must list the files');
  else {
    dist.forEach((d, i) => {
      if (!isObject(d)) {
        problems.push(`distribution[${i}] is not an object`);
        return;
      }
      if (d['@type'] !== 'cr:FileObject' && d['@type'] !== 'cr:FileSet') problems.push(`distribution[${i}] must be a cr:FileObject or cr:FileSet`);
      if (!nonEmpty(d['@id']) && !nonEmpty(d.name)) problems.push(`distribution[${i}] needs an @id`);
      if (d['@type'] === 'cr:FileObject') {
        for (const f of ['contentUrl', 'encodingFormat']) if (!nonEmpty(d[f])) problems.push(`distribution[${i}].${f} is required`);
        if (!(typeof d.sha256 === 'string' && /^[0-9a-f]{64}$/.test(d.sha256)) && !nonEmpty(d.md5)) problems.push(`distribution[${i}] needs a sha256 (or md5)`);
      }
    });
  }
  // recordSet: optional, omitted when the records are unknown; when present each needs fields.
  if (doc.recordSet !== undefined && !Array.isArray(doc.recordSet)) problems.push('recordSet must be a list');
  return problems;
}
