/**
 * App-wide UI state (zustand): the route, live scan progress, adds in flight, notices, and
 * change counters that tell views to refetch. Server data itself (asset pages, file pages,
 * one asset's detail) is fetched by the views that show it (hooks/), keyed on these counters.
 */
import { create } from 'zustand';
import { ApiError, call, messageOf, on } from '../api/client';
import type { AssetKind, EventPayload, NetworkName } from '../api/client';
import type { ConnectionState } from '../bridge/web';
import { baseName, formatBytes, plural } from '../lib/format';
import { hrefFor, parseHash } from './router';
import type { Route } from './router';

export type ScanProgress = EventPayload<'scan.progress'> & { name: string | null };

export interface PendingAdd {
  key: number;
  path: string;
  kind: AssetKind;
  name: string | null;
  assetId: number | null;
}

/** A background job as the UI knows it (seeded from jobs.list, then kept live by job.changed). */
export interface LiveJob {
  id: number;
  kind: string;
  assetId: number | null;
  state: EventPayload<'job.changed'>['state'];
  progress: number;
  detail: string | null;
  error: string | null;
}

export interface Notice {
  id: number;
  tone: 'info' | 'success' | 'error';
  text: string;
  /** Where clicking the notice goes (e.g. `#/inbox/7` for a new access request). */
  href?: string;
}

export interface AppState {
  shell: 'electron' | 'browser';
  route: Route;
  /** Web bridge event socket state; Electron's IPC is always 'open'. */
  connection: ConnectionState;
  /** Bumped whenever any asset changes: the library list refetches what it shows. */
  libraryVersion: number;
  /** Per-asset change counters: the detail view refetches its asset. */
  assetVersions: Record<number, number>;
  progress: Record<number, ScanProgress>;
  pendingAdds: PendingAdd[];
  notices: Notice[];
  busy: Record<number, 'rescan' | 'remove' | undefined>;
  /** The current network profile (null until known), shown in the top bar. */
  network: NetworkName | null;
  /** Bumped when wallet and network data may be stale (reconnect): the Wallet screen refetches. */
  walletVersion: number;
  /** Bumped when the backend says wallets or networks changed: the Wallet screen reloads in place. */
  settingsVersion: number;
  /** Jobs by id, live from `job.changed` (the Activity badge, progress bars). */
  jobs: Record<number, LiveJob>;
  /** The whole queue is paused (`jobs.pauseAll`). */
  jobsPaused: boolean;
  /** Bumped when a job appears or changes state: the Activity list refetches. */
  jobsVersion: number;
  /** Unread access requests (the Inbox badge), live from `access.changed`. */
  unreadRequests: number;
  /** Bumped when access requests change: the Inbox refetches. */
  accessVersion: number;
  /** Bumped when earnings change: the Earnings screen refetches. */
  earningsVersion: number;
}

export const useApp = create<AppState>()(() => ({
  shell: 'browser',
  route: parseHash(window.location.hash),
  connection: 'open',
  libraryVersion: 0,
  assetVersions: {},
  progress: {},
  pendingAdds: [],
  notices: [],
  busy: {},
  network: null,
  walletVersion: 0,
  settingsVersion: 0,
  jobs: {},
  jobsPaused: false,
  jobsVersion: 0,
  unreadRequests: 0,
  accessVersion: 0,
  earningsVersion: 0,
}));

const set = useApp.setState;
const get = useApp.getState;

let nextId = 1;
const NOTICE_MS = 7000;

export function notify(tone: Notice['tone'], text: string, href?: string): void {
  const id = nextId++;
  set((s) => ({ notices: [...s.notices.slice(-3), { id, tone, text, ...(href !== undefined ? { href } : {}) }] }));
  if (tone !== 'error') setTimeout(() => { dismissNotice(id); }, NOTICE_MS);
}

export function dismissNotice(id: number): void {
  set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}

export function navigate(route: Route): void {
  const href = hrefFor(route);
  if (window.location.hash !== href) window.location.hash = href;
  set({ route });
}

function bumpAsset(id: number): void {
  set((s) => ({
    libraryVersion: s.libraryVersion + 1,
    assetVersions: { ...s.assetVersions, [id]: (s.assetVersions[id] ?? 0) + 1 },
  }));
}

export function refreshAll(): void {
  set((s) => ({
    libraryVersion: s.libraryVersion + 1,
    assetVersions: Object.fromEntries(Object.entries(s.assetVersions).map(([k, v]) => [k, v + 1])),
    walletVersion: s.walletVersion + 1,
  }));
  loadNetwork();
  loadJobs();
}

/** Jobs that count as "in progress" (the Activity badge). */
export const isActiveJob = (j: Pick<LiveJob, 'state'>): boolean => j.state === 'running' || j.state === 'waiting' || j.state === 'queued';

/** Seeds the live job map from the backend (quietly: the Activity screen reports errors). */
export function loadJobs(): void {
  call('jobs.list', { limit: 1000 }).then(
    (r) => {
      const jobs: Record<number, LiveJob> = {};
      for (const j of r.items) {
        const prev = get().jobs[j.id];
        jobs[j.id] = { id: j.id, kind: j.kind, assetId: j.assetId, state: j.state, progress: j.progress, detail: prev?.detail ?? null, error: j.error };
      }
      set((st) => ({ jobs, jobsPaused: r.paused, jobsVersion: st.jobsVersion + 1 }));
    },
    () => undefined,
  );
}

/** Fetches the current network for the top bar (quietly: the Wallet screen reports errors). */
export function loadNetwork(): void {
  call('network.list', {}).then(
    (n) => {
      set({ network: n.current });
    },
    () => undefined,
  );
}

export function setNetwork(network: NetworkName): void {
  set({ network });
}

// ---- events --------------------------------------------------------------------------

const clearTimers = new Map<number, ReturnType<typeof setTimeout>>();

function handleProgress(p: EventPayload<'scan.progress'>): void {
  const s = get();
  const existing = s.progress[p.assetId];
  let name = existing?.name ?? null;
  let pendingAdds = s.pendingAdds;
  if (existing === undefined) {
    // A scan we have not seen yet: if we are adding a folder, this is most likely it.
    const pending = pendingAdds.find((a) => a.assetId === null);
    if (pending !== undefined) {
      name = pending.name ?? baseName(pending.path);
      pendingAdds = pendingAdds.map((a) => (a === pending ? { ...a, assetId: p.assetId } : a));
    } else {
      void call('assets.get', { id: p.assetId }).then(
        (a) => {
          const cur = get().progress[p.assetId];
          if (cur !== undefined) set((st) => ({ progress: { ...st.progress, [p.assetId]: { ...cur, name: a.name } } }));
        },
        () => undefined,
      );
    }
  }
  const timer = clearTimers.get(p.assetId);
  if (timer !== undefined) clearTimeout(timer);
  set((st) => ({ pendingAdds, progress: { ...st.progress, [p.assetId]: { ...p, name } } }));
  if (p.phase === 'done' || p.phase === 'failed') {
    // Keep the finished bar on screen a moment, then let the asset's own state speak.
    clearTimers.set(
      p.assetId,
      setTimeout(() => {
        clearTimers.delete(p.assetId);
        set((st) => {
          const { [p.assetId]: _gone, ...rest } = st.progress;
          return { progress: rest };
        });
      }, 1500),
    );
    bumpAsset(p.assetId);
  }
}

function handleChanged(c: EventPayload<'asset.changed'>): void {
  if (c.removed) {
    set((st) => {
      const { [c.assetId]: _gone, ...rest } = st.progress;
      return { progress: rest };
    });
    const s = get();
    if (s.route.name === 'asset' && s.route.id === c.assetId && s.busy[c.assetId] !== 'remove') {
      navigate({ name: 'library' });
      notify('info', 'That asset was removed from the catalog.');
    }
  }
  bumpAsset(c.assetId);
}

function handleJob(j: EventPayload<'job.changed'>): void {
  const prev = get().jobs[j.id];
  const changedState = prev?.state !== j.state;
  set((st) => ({
    jobs: { ...st.jobs, [j.id]: { id: j.id, kind: j.kind, assetId: j.assetId, state: j.state, progress: j.progress, detail: j.detail, error: j.error } },
    jobsVersion: changedState ? st.jobsVersion + 1 : st.jobsVersion,
  }));
  if (!changedState || j.kind !== 'publish' || (j.state !== 'done' && j.state !== 'failed')) return;
  const assetId = j.assetId;
  if (assetId !== null) bumpAsset(assetId);
  const tell = (name: string): void => {
    if (j.state === 'done') notify('success', `“${name}” is certified.`);
    else notify('error', `Publishing “${name}” failed: ${j.error ?? 'unknown error'}`);
  };
  if (assetId === null) {
    tell('The asset');
    return;
  }
  call('assets.get', { id: assetId }).then(
    (a) => {
      tell(a.name);
    },
    () => {
      tell(`Asset #${assetId}`);
    },
  );
}

/** The Inbox badge's first value (then `access.changed` keeps it live). */
export function loadUnread(): void {
  call('access.list', { limit: 1 }).then(
    (r) => {
      set({ unreadRequests: r.unread });
    },
    () => undefined,
  );
}

/** "0.01 ETH" from wei (decimal string), for notification texts. */
function ethText(wei: string): string {
  if (!/^\d+$/.test(wei)) return wei;
  const v = BigInt(wei);
  const unit = 10n ** 18n;
  const frac = (v % unit).toString().padStart(18, '0').replace(/0+$/, '');
  return `${(v / unit).toString()}${frac === '' ? '' : `.${frac}`} ETH`;
}

/**
 * A new access request: a system notification in the browser shell when the person allowed
 * them (clicking it opens the request), else an in-app notice linking to it. The Electron
 * shell's main process shows its own OS notification; the window gets the notice.
 */
function handleNewRequest(r: EventPayload<'access.new'>): void {
  const href = hrefFor({ name: 'inbox', id: r.id });
  const who = r.requester.length > 14 ? `${r.requester.slice(0, 6)}…${r.requester.slice(-4)}` : r.requester;
  const what = r.assetName !== null ? `“${r.assetName}”` : 'one of your assets';
  const text = `${who} requests access to ${what} (${r.amountWei === '0' ? 'free' : ethText(r.amountWei)}).`;
  const open = (): void => {
    navigate({ name: 'inbox', id: r.id });
  };
  if (get().shell === 'browser' && 'Notification' in window && Notification.permission === 'granted') {
    try {
      const n = new Notification('New access request', { body: text, tag: `ativo-request-${r.id}` });
      n.onclick = () => {
        window.focus();
        open();
        n.close();
      };
      return;
    } catch {
      // Some browsers only allow notifications from a service worker: fall back to the notice.
    }
  }
  notify('info', `New request: ${text}`, href);
}

/** Subscribe to backend events and the URL hash; returns the unsubscribe function. */
export function wireEvents(): () => void {
  const offs = [
    on('scan.progress', handleProgress),
    on('asset.changed', handleChanged),
    on('job.changed', handleJob),
    on('jobs.paused', (p) => {
      set((st) => ({ jobsPaused: p.paused, jobsVersion: st.jobsVersion + 1 }));
    }),
    // Wallets or networks changed elsewhere (another window, the CLI through `ativo serve`): refetch them.
    on('settings.changed', () => {
      // Another wallet or network: the inbox, its badge and the earnings are someone else's now.
      set((st) => ({ settingsVersion: st.settingsVersion + 1, accessVersion: st.accessVersion + 1, earningsVersion: st.earningsVersion + 1 }));
      loadUnread();
    }),
    on('access.changed', (p) => {
      set((st) => ({ unreadRequests: p.unread, accessVersion: st.accessVersion + 1 }));
    }),
    on('access.new', handleNewRequest),
    on('earnings.changed', () => {
      set((st) => ({ earningsVersion: st.earningsVersion + 1 }));
    }),
  ];
  const onHash = (): void => {
    set({ route: parseHash(window.location.hash) });
  };
  window.addEventListener('hashchange', onHash);
  loadJobs();
  loadUnread();
  return () => {
    for (const off of offs) off();
    window.removeEventListener('hashchange', onHash);
  };
}

// ---- actions -------------------------------------------------------------------------

let addKey = 1;

export async function addFolder(input: { path: string; kind: AssetKind; name?: string | undefined }): Promise<void> {
  const key = addKey++;
  const name = input.name?.trim() ? input.name.trim() : null;
  set((s) => ({ pendingAdds: [...s.pendingAdds, { key, path: input.path, kind: input.kind, name, assetId: null }] }));
  try {
    const asset = await call('assets.add', { path: input.path, kind: input.kind, ...(name !== null ? { name } : {}) });
    if (asset.state === 'error') {
      notify('error', `“${asset.name}” was added, but its scan failed: ${asset.error ?? 'unknown error'}`);
    } else {
      notify('success', `Added “${asset.name}”: ${plural(asset.fileCount, 'file')}, ${formatBytes(asset.totalBytes)}.`);
    }
    bumpAsset(asset.id);
  } catch (e) {
    notify('error', `Could not add ${input.path}: ${messageOf(e)}`);
    set((s) => ({ libraryVersion: s.libraryVersion + 1 }));
  } finally {
    set((s) => ({ pendingAdds: s.pendingAdds.filter((a) => a.key !== key) }));
  }
}

function setBusy(id: number, what: 'rescan' | 'remove' | undefined): void {
  set((s) => ({ busy: { ...s.busy, [id]: what } }));
}

export async function rescan(id: number): Promise<void> {
  setBusy(id, 'rescan');
  try {
    const asset = await call('assets.rescan', { id });
    if (asset.state === 'error') notify('error', `Rescan of “${asset.name}” failed: ${asset.error ?? 'unknown error'}`);
    else notify('success', `Rescanned “${asset.name}”: ${plural(asset.fileCount, 'file')}.`);
  } catch (e) {
    notify('error', `Rescan failed: ${messageOf(e)}`);
  } finally {
    setBusy(id, undefined);
    bumpAsset(id);
  }
}

/** Removes an asset from the catalog (never touches files on disk). */
export async function removeAsset(id: number, name: string): Promise<boolean> {
  setBusy(id, 'remove');
  try {
    await call('assets.remove', { id });
    navigate({ name: 'library' });
    notify('success', `Removed “${name}” from the catalog. The files on disk were not touched.`);
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.code === 'NOT_FOUND') {
      navigate({ name: 'library' });
      return true;
    }
    notify('error', `Could not remove “${name}”: ${messageOf(e)}`);
    return false;
  } finally {
    setBusy(id, undefined);
    bumpAsset(id);
  }
}
