/** The licenses offered when publishing; the terms text is what the on-chain terms hash covers. */
export const LICENSES = {
  'CC-BY-4.0': 'Creative Commons Attribution 4.0 International (CC-BY-4.0): https://creativecommons.org/licenses/by/4.0/legalcode',
  'CC-BY-NC-4.0': 'Creative Commons Attribution-NonCommercial 4.0 International (CC-BY-NC-4.0): https://creativecommons.org/licenses/by-nc/4.0/legalcode',
  'CC0-1.0': 'Creative Commons Zero v1.0 Universal (CC0-1.0): https://creativecommons.org/publicdomain/zero/1.0/legalcode',
  'ODC-By-1.0': 'Open Data Commons Attribution License v1.0 (ODC-By-1.0): https://opendatacommons.org/licenses/by/1-0/',
  'OpenRAIL-M': 'Open Responsible AI License for models (OpenRAIL-M): https://www.licenses.ai/ai-licenses',
} as const;

export type LicenseId = keyof typeof LICENSES | 'custom';
export const LICENSE_IDS = [...(Object.keys(LICENSES) as (keyof typeof LICENSES)[]), 'custom'] as const;

/** Percent shares (up to 2 decimals, summing to 100) as basis points summing to 10000. */
export function percentToBps(split: readonly { address: string; percent: number }[]): { address: string; bps: number }[] {
  const out = split.map((s) => ({ address: s.address, bps: Math.round(s.percent * 100) }));
  const total = out.reduce((a, s) => a + s.bps, 0);
  if (out.some((s) => s.bps <= 0) || total !== 10_000) {
    throw new Error(`The shares must be positive and add up to 100% (they add up to ${total / 100}%).`);
  }
  return out;
}
