/** What a folder says about itself: README, Hugging Face front matter, CITATION.cff, CONTRIBUTORS. */
import { parseCitation, parseContributors, type Citation, type Contributor } from './cff';
import { parseReadme, type HfFrontMatter } from './readme';
import { README_CAP, SMALL_FILE_CAP, readText } from './text';

export interface FolderMetadata {
  description?: string;
  frontMatter?: HfFrontMatter;
  citation?: Citation;
  /** Authors from CITATION.cff, then CONTRIBUTORS entries not already named. */
  contributors: Contributor[];
}

const README_NAMES = ['README.md', 'README.markdown', 'README.txt', 'README', 'readme.md'];
const CONTRIBUTOR_NAMES = ['CONTRIBUTORS', 'CONTRIBUTORS.md', 'CONTRIBUTORS.txt'];

async function firstText(dir: string, names: string[], cap: number, truncate: boolean): Promise<string | undefined> {
  for (const n of names) {
    const t = await readText(dir, n, cap, truncate);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** Reads the metadata files at the top of `dir`; a missing file is simply absent. */
export async function readFolderMetadata(dir: string): Promise<FolderMetadata> {
  const readme = await firstText(dir, README_NAMES, README_CAP, true);
  const { description, frontMatter } = readme === undefined ? {} : parseReadme(readme);
  const cff = await readText(dir, 'CITATION.cff', SMALL_FILE_CAP);
  const citation = cff === undefined ? undefined : parseCitation(cff);
  const listed = await firstText(dir, CONTRIBUTOR_NAMES, SMALL_FILE_CAP, false);
  const contributors = [...(citation?.authors ?? [])];
  const seen = new Set(contributors.map((c) => c.name.toLowerCase()));
  for (const c of listed === undefined ? [] : parseContributors(listed)) {
    if (seen.has(c.name.toLowerCase())) continue;
    seen.add(c.name.toLowerCase());
    contributors.push(c);
  }
  return { description, frontMatter, citation, contributors };
}
