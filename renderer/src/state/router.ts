/** Hash routes (work the same under file:// in Electron and http:// in the browser shell). */
export type Route =
  | { name: 'library' }
  | { name: 'asset'; id: number }
  | { name: 'wallet' }
  | { name: 'activity' }
  /** The access-request inbox; `id` selects one request (catalog row id). */
  | { name: 'inbox'; id?: number }
  | { name: 'earnings' }
  /** The first-run steps (welcome, wallet, backup, sandbox); shown on its own when there is no wallet. */
  | { name: 'welcome' };

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
    case 'welcome':
      return '#/welcome';
    case 'library':
      return '#/';
  }
}
