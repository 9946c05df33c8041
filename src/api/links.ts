/**
 * Links to an asset (issue 16): `ativo://asset/<chainId>/<registry>/<tokenId>`, opened by the
 * desktop app, and the same path as a route of the app (`#/asset/<chainId>/<registry>/<tokenId>`).
 * Pure and dependency-free: Electron's main process parses links it is handed by the OS with it,
 * so anything (a web page, another program) may have written them.
 */

export interface AssetLink {
  chainId: number;
  /** Lowercase 0x-prefixed address. */
  registry: string;
  /** Decimal, no leading zero. */
  tokenId: string;
}

/** Longest link accepted (a valid one is under 150 characters). */
const MAX_LINK = 512;
const PATH = /^asset\/([1-9]\d{0,15})\/(0x[0-9a-fA-F]{40})\/([1-9]\d{0,77})\/?$/;

function fromPath(path: string): AssetLink | null {
  const m = PATH.exec(path);
  if (m === null) return null;
  const chainId = Number(m[1]);
  if (!Number.isSafeInteger(chainId)) return null;
  // uint256 bound of a token id.
  if (BigInt(m[3] ?? '0') >= 2n ** 256n) return null;
  return { chainId, registry: (m[2] ?? '').toLowerCase(), tokenId: m[3] ?? '' };
}

/**
 * The asset a link names, or null when it is not exactly an asset link: `ativo://asset/…`
 * (scheme case-insensitive, `ativo:asset/…` too, no query, fragment, credentials or port) or
 * the app route `#/asset/…`. Nothing is decoded: a percent sign, a dot segment or a second
 * slash makes it no link.
 */
export function parseAssetLink(input: unknown): AssetLink | null {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_LINK) return null;
  const route = /^#\/(asset\/.*)$/.exec(input);
  if (route !== null) return fromPath(route[1] ?? '');
  const link = /^ativo:(?:\/\/)?(asset\/.*)$/i.exec(input);
  if (link !== null) return fromPath(link[1] ?? '');
  return null;
}

export const assetLinkUrl = (l: AssetLink): string => `ativo://asset/${l.chainId}/${l.registry}/${l.tokenId}`;
export const assetLinkRoute = (l: AssetLink): string => `#/asset/${l.chainId}/${l.registry}/${l.tokenId}`;

/** The first asset link among a process's arguments (how Windows and Linux hand a link to the app), or null. */
export function assetLinkInArgs(argv: readonly string[]): AssetLink | null {
  for (const a of argv) {
    if (/^ativo:/i.test(a)) {
      const l = parseAssetLink(a);
      if (l !== null) return l;
    }
  }
  return null;
}
