/**
 * A README's description (its first paragraph as plain text) and its Hugging Face front matter
 * (`license`, `license_name`, `license_link`, `base_model`, `datasets`, `tags`).
 */
import { FRONT_MATTER_CAP, parseYamlMapping, str, strList } from './text';
import { AtivoError } from '../util/errors';

export interface HfFrontMatter {
  license?: string;
  license_name?: string;
  license_link?: string;
  base_model: string[];
  datasets: string[];
  tags: string[];
}

/** The most characters a description keeps. */
export const DESCRIPTION_MAX = 2000;
/** The most raw markdown looked at for it (keeps every regex below linear in practice). */
const RAW_MAX = 3 * DESCRIPTION_MAX;

/** Splits `---\n…\n---` front matter off the top of a README. */
export function splitFrontMatter(text: string): { front?: string; body: string } {
  const m = /^---[ \t]*\r?\n/.exec(text);
  if (!m) return { body: text };
  const end = /\r?\n---[ \t]*(?:\r?\n|$)/.exec(text.slice(m[0].length - 1));
  if (!end) return { body: text };
  const front = text.slice(m[0].length, m[0].length - 1 + end.index);
  return { front, body: text.slice(m[0].length - 1 + end.index + end[0].length) };
}

export function parseFrontMatter(front: string): HfFrontMatter {
  if (front.length > FRONT_MATTER_CAP) {
    throw new AtivoError('INVALID_INPUT', 'The README front matter is too long. Shorten it and try again.');
  }
  const y = parseYamlMapping(front, 'The README front matter');
  return {
    license: str(y.license, 100),
    license_name: str(y.license_name, 100),
    license_link: str(y.license_link, 500),
    base_model: strList(y.base_model),
    datasets: strList(y.datasets),
    tags: strList(y.tags),
  };
}

/** Markdown inline syntax and HTML removed, whitespace collapsed. */
export function plainText(md: string): string {
  return md
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]{0,500}>/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/`+([^`]*)`+/g, '$1')
    .replace(/(\*\*|__)(.*?)\1/g, '$2')
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,;:!?]|$)/g, '$1$2')
    .replace(/~~(.*?)~~/g, '$1')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The first paragraph of prose: headings, badges-only lines, code fences, tables, rules and
 * HTML blocks are skipped.
 */
export function firstParagraph(body: string): string | undefined {
  const lines = body.split(/\r?\n/);
  const para: string[] = [];
  let fence = false;
  for (const line of lines) {
    const t = line.trim().slice(0, RAW_MAX);
    if (/^(```|~~~)/.test(t)) {
      fence = !fence;
      if (para.length) break;
      continue;
    }
    if (fence) continue;
    const skip = t === '' || /^#{1,6}(\s|$)/.test(t) || /^(-{3,}|\*{3,}|_{3,}|=+|-+)$/.test(t) || t.startsWith('|') || /^\s*<\/?[a-z!]/i.test(t);
    if (skip) {
      if (para.length) break;
      continue;
    }
    const noBadges = t.replace(/\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)/g, '').replace(/!\[[^\]]*\]\([^)]*\)/g, '').trim();
    if (noBadges === '') {
      if (para.length) break;
      continue; // a line of badges or images only
    }
    para.push(t);
    if (para.join(' ').length >= RAW_MAX) break;
  }
  const text = plainText(para.join(' ').slice(0, RAW_MAX));
  if (!text) return undefined;
  return text.length > DESCRIPTION_MAX ? `${text.slice(0, DESCRIPTION_MAX - 1).trimEnd()}…` : text;
}

export interface ReadmeInfo {
  description?: string;
  frontMatter?: HfFrontMatter;
}

export function parseReadme(text: string): ReadmeInfo {
  const { front, body } = splitFrontMatter(text);
  return { description: firstParagraph(body), frontMatter: front === undefined ? undefined : parseFrontMatter(front) };
}
