/** Hash routes (work the same under file:// in Electron and http:// in the browser shell). */
export type Route =
  | { name: 'library' }
  | { name: 'asset'; id: number }
  | { name: 'wallet' }
  | { name: 'activity' }
  /** The access-request inbox; `id` selects one request (catalog row id). */
  | { name: 'inbox'; id?: number }
  | { name: 'earnings' }
  /** Buying (issue 16): an asset by its registration (links), the wallet's requests, a certificate for people, checking a certificate. */
  | { name: 'public'; chainId: number; registry: string; tokenId: string }
  | { name: 'myaccess' }
  | { name: 'certificate'; id: number }
  | { name: 'verify' }
  /** The first-run steps (welcome, wallet, backup, sandbox); shown on its own when there is no wallet. */
  | { name: 'welcome' }
  /** Discover: every asset registered on the current network (issue 16). */
  | { name: 'discover' };

/** `#/asset/<chainId>/<registry>/<tokenId>`: the same rules as src/api/links.ts (the renderer may import only types from src/api). */
const PUBLIC = /^#\/asset\/([1-9]\d{0,15})\/(0x[0-9a-fA-F]{40})\/([1-9]\d{0,77})\/?$/;

export function parseHash(hash: string): Route {
  const m = /^#\/assets\/(\d+)\/?$/.exec(hash);
  if (m?.[1] !== undefined) {
    const id = Number(m[1]);
    if (Number.isSafeInteger(id) && id > 0) return { name: 'asset', id };
  }
  const inbox = /^#\/inbox(?:\/(\d+))?\/?$/.exec(hash);
  if (inbox) {
    const id = inbox[1] === undefined ? undefined : Number(inbox[1]);
    return id !== undefined && Number.isSafeInteger(id) && id > 0 ? { name: 'inbox', id } : { name: 'inbox' };
  }
  const pub = PUBLIC.exec(hash);
  if (pub?.[1] !== undefined && pub[2] !== undefined && pub[3] !== undefined && Number.isSafeInteger(Number(pub[1])) && BigInt(pub[3]) < 2n ** 256n) {
    return { name: 'public', chainId: Number(pub[1]), registry: pub[2].toLowerCase(), tokenId: pub[3] };
  }
  const cert = /^#\/certificate\/(\d+)\/?$/.exec(hash);
  if (cert?.[1] !== undefined && Number.isSafeInteger(Number(cert[1])) && Number(cert[1]) > 0) return { name: 'certificate', id: Number(cert[1]) };
  if (/^#\/my-access\/?$/.test(hash)) return { name: 'myaccess' };
  if (/^#\/verify\/?$/.test(hash)) return { name: 'verify' };
  if (/^#\/earnings\/?$/.test(hash)) return { name: 'earnings' };
  if (/^#\/discover\/?$/.test(hash)) return { name: 'discover' };
  const found = /^#\/discover\/(\d{1,15})\/(0x[0-9a-fA-F]{40})\/(\d{1,78})\/?$/.exec(hash);
  if (found?.[1] !== undefined && found[2] !== undefined && found[3] !== undefined) {
    const chainId = Number(found[1]);
    if (Number.isSafeInteger(chainId) && chainId > 0) return { name: 'public', chainId, registry: found[2].toLowerCase(), tokenId: found[3] };
  }
  if (/^#\/wallet\/?$/.test(hash)) return { name: 'wallet' };
  if (/^#\/activity\/?$/.test(hash)) return { name: 'activity' };
  if (/^#\/welcome\/?$/.test(hash)) return { name: 'welcome' };
  return { name: 'library' };
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'asset':
      return `#/assets/${route.id}`;
    case 'wallet':
      return '#/wallet';
    case 'activity':
      return '#/activity';
    case 'inbox':
      return route.id === undefined ? '#/inbox' : `#/inbox/${route.id}`;
    case 'earnings':
      return '#/earnings';
    case 'discover':
      return '#/discover';
    case 'public':
      return `#/asset/${route.chainId}/${route.registry}/${route.tokenId}`;
    case 'myaccess':
      return '#/my-access';
    case 'certificate':
      return `#/certificate/${route.id}`;
    case 'verify':
      return '#/verify';
    case 'welcome':
      return '#/welcome';
    case 'library':
      return '#/';
  }
}
