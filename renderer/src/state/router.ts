/** Hash routes (work the same under file:// in Electron and http:// in the browser shell). */
export type Route =
  | { name: 'library' }
  | { name: 'asset'; id: number }
  | { name: 'wallet' }
  | { name: 'activity' }
  /** The access-request inbox; `id` selects one request (catalog row id). */
  | { name: 'inbox'; id?: number }
  | { name: 'earnings' }
  /** Discover: every asset registered on the current network (issue 16). */
  | { name: 'discover' }
  /** An asset's public page, by its registration (chain, registry, token). */
  | { name: 'public'; chainId: number; registry: string; tokenId: string };

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
  if (/^#\/earnings\/?$/.test(hash)) return { name: 'earnings' };
  if (/^#\/discover\/?$/.test(hash)) return { name: 'discover' };
  const pub = /^#\/discover\/(\d{1,15})\/(0x[0-9a-fA-F]{40})\/(\d{1,78})\/?$/.exec(hash);
  if (pub?.[1] !== undefined && pub[2] !== undefined && pub[3] !== undefined) {
    const chainId = Number(pub[1]);
    if (Number.isSafeInteger(chainId) && chainId > 0) return { name: 'public', chainId, registry: pub[2].toLowerCase(), tokenId: pub[3] };
  }
  if (/^#\/wallet\/?$/.test(hash)) return { name: 'wallet' };
  if (/^#\/activity\/?$/.test(hash)) return { name: 'activity' };
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
      return `#/discover/${route.chainId}/${route.registry}/${route.tokenId}`;
    case 'library':
      return '#/';
  }
}
