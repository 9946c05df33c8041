/** Hash routes (work the same under file:// in Electron and http:// in the browser shell). */
export type Route = { name: 'library' } | { name: 'asset'; id: number };

export function parseHash(hash: string): Route {
  const m = /^#\/assets\/(\d+)\/?$/.exec(hash);
  if (m?.[1] !== undefined) {
    const id = Number(m[1]);
    if (Number.isSafeInteger(id) && id > 0) return { name: 'asset', id };
  }
  return { name: 'library' };
}

export function hrefFor(route: Route): string {
  return route.name === 'asset' ? `#/assets/${route.id}` : '#/';
}
