/** Plain words for Discover and the public page: licenses, and the public record's figures. */
import type { PublicRecordRow } from '../catalog/discover';

const LICENSE_WORDS: Record<string, string> = {
  'CC-BY-4.0': 'You may use, share and adapt it for any purpose, also commercially, as long as you credit the creator.',
  'CC-BY-NC-4.0': 'You may use, share and adapt it, but not commercially, and you must credit the creator.',
  'CC-BY-SA-4.0': 'You may use, share and adapt it, also commercially, crediting the creator; what you make from it must carry the same license.',
  'CC0-1.0': 'Anyone may use it for anything, without asking and without credit: the creator gave up their rights.',
  'ODC-By-1.0': 'You may use, share and adapt this database for any purpose, as long as you credit the creator.',
  'ODbL-1.0': 'You may use, share and adapt this database, crediting the creator; databases you make from it must stay open under the same license.',
  MIT: 'You may use it for anything, also commercially, as long as the copyright notice stays with it.',
  'Apache-2.0': 'You may use, change and share it for anything, also commercially, keeping its notices; it grants a patent license too.',
  'LicenseRef-OpenRAIL-M': 'You may use, share and adapt this model, but not for the harmful uses its license lists; those limits pass on to anyone you share it with.',
  'LicenseRef-all-rights-reserved': 'All rights are reserved: you may use it only as its owner agrees when granting access.',
  'LicenseRef-custom': 'The owner wrote their own terms: they come with the access you are granted, and you accept them by requesting.',
};

export function licenseWords(spdx: string | null): string {
  if (spdx === null) return 'Its license is not known here: the owner’s terms apply, and you accept them by requesting access.';
  return LICENSE_WORDS[spdx] ?? (spdx.startsWith('LicenseRef-') ? LICENSE_WORDS['LicenseRef-custom'] ?? '' : `The ${spdx} license applies (see its text for what it allows).`);
}

/** The public record's figures: approval rate among decided requests, median time to a decision. */
export function recordFigures(r: PublicRecordRow): { approvalRate: number | null; medianDecisionSeconds: number | null } {
  const decided = r.approved + r.denied;
  const sorted = [...r.decisions].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length === 0 ? null : sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { approvalRate: decided === 0 ? null : r.approved / decided, medianDecisionSeconds: median };
}

/**
 * A token's consent rule (issue 17) for people looking at its public page: who must agree before
 * its price, license, access period or split change. `bps` as the registry's governanceOf gives it
 * (0 = the owner alone, 10000 = every payee).
 */
export function consentWords(bps: number): string {
  if (bps <= 0) return 'Changes of terms: the owner alone decides them.';
  if (bps >= 10_000) return 'Changes of terms need every payee’s agreement.';
  return `Changes of terms need the agreement of payees holding at least ${bps / 100}% of the split.`;
}
