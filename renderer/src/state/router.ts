/** Hash routes (work the same under file:// in Electron and http:// in the browser shell). */
export type Route = { name: 'library' } | { name: 'asset'; id: number } | { name: 'wallet' } | { name: 'activity' };

export function parseHash(hash: string): Route {
  const m = /^#\/assets\/(\d+)\/?$/.exec(hash);
  if (m?.[1] !== undefined) {
    const id = Number(m[1]);
    if (Number.isSafeInteger(id) && id > 0) return { name: 'asset', id };
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
    case 'library':
      return '#/';
  }
}
