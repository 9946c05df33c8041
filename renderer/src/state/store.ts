/**
 * App-wide UI state (zustand): the route, live scan progress, adds in flight, notices, and
 * change counters that tell views to refetch. Server data itself (asset pages, file pages,
 * one asset's detail) is fetched by the views that show it (hooks/), keyed on these counters.
 */
import { create } from 'zustand';
import { ApiError, call, messageOf, on } from '../api/client';
import type { AssetKind, EventPayload, NetworkName } from '../api/client';
import type { ConnectionState } from '../bridge/web';
import { baseName, ethText, formatBytes, plural } from '../lib/format';
import { shortAddress } from '../lib/wallet';
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

/** A batch of jobs (a publication's file uploads) as the UI knows it, live from `jobs.batch`. */
export type BatchState = EventPayload<'jobs.batch'>;

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
  /**
   * Batches by id (a publication's file uploads: one summary instead of a job each), live from
   * `jobs.batch`. A batch leaves the map when it finished without failures; one with failed jobs
   * stays (it offers Retry) until those are retried or the app reloads it from `jobs.batches`.
   */
  batches: Record<number, BatchState>;
  /** What the Activity badge counts (see activityCount); kept up to date as events arrive. */
  activeCount: number;
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
  batches: {},
  activeCount: 0,
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

/** A batch still has work going on (queued, running or waiting jobs): it counts as one on the badge. */
export const isActiveBatch = (b: Pick<BatchState, 'counts'>): boolean => b.counts.queued + b.counts.running + b.counts.waiting > 0;

/** Nothing of the batch is left to run (every job done, failed or cancelled). */
const batchFinished = (b: Pick<BatchState, 'counts'>): boolean => b.counts.queued + b.counts.running + b.counts.waiting + b.counts.paused === 0;

/** A finished batch without failures has nothing left to show. */
const batchGone = (b: BatchState): boolean => b.finished && b.counts.failed === 0;

/**
 * The Activity badge: jobs on their own that are in progress, plus batches with work left (one
 * each). Kept in the state (updated once per event flush), so reading it costs nothing.
 */
export const activityCount = (s: Pick<AppState, 'activeCount'>): number => s.activeCount;

function countActive(jobs: Record<number, LiveJob>, batches: Record<number, BatchState>): number {
  let n = 0;
  for (const j of Object.values(jobs)) if (isActiveJob(j)) n++;
  for (const b of Object.values(batches)) if (isActiveBatch(b)) n++;
  return n;
}

// Events arrive much faster than a person can read (20,000 uploads): they are buffered and
// applied in one state update per flush. A timer, not requestAnimationFrame: the queue must
// keep up in a background tab too (where animation frames stop).
const FLUSH_MS = 50;
let pendingJobs: EventPayload<'job.changed'>[] = [];
const pendingBatches = new Map<number, BatchState>();
let flushTimer: ReturnType<typeof setTimeout> | null = null;
/**
 * Event stamps while a seed (loadJobs) is in flight, so its answer, which may be older than an
 * event that arrived meanwhile, does not overwrite what the event said.
 */
let stamp = 0;
const jobStamps = new Map<number, number>();
const batchStamps = new Map<number, number>();
let loadsInFlight = 0;

function scheduleFlush(): void {
  flushTimer ??= setTimeout(flushEvents, FLUSH_MS);
}

/** Applies the buffered job and batch events in one `set` (the Activity list refetches at most once). */
function flushEvents(): void {
  flushTimer = null;
  const jobEvents = pendingJobs;
  pendingJobs = [];
  const batchEvents = [...pendingBatches.values()];
  pendingBatches.clear();
  if (jobEvents.length === 0 && batchEvents.length === 0) return;

  const s = get();
  const finishedPublications: EventPayload<'job.changed'>[] = [];
  let jobs = s.jobs;
  let changedState = false;
  let active = s.activeCount;
  if (jobEvents.length > 0) {
    jobs = { ...s.jobs };
    for (const j of jobEvents) {
      const prev = jobs[j.id];
      if (prev?.state !== j.state) {
        changedState = true;
        if (j.kind === 'publish' && (j.state === 'done' || j.state === 'failed')) finishedPublications.push(j);
      }
      if (prev !== undefined && isActiveJob(prev)) active--;
      if (isActiveJob(j)) active++;
      jobs[j.id] = { id: j.id, kind: j.kind, assetId: j.assetId, state: j.state, progress: j.progress, detail: j.detail, error: j.error };
    }
  }
  let batches = s.batches;
  if (batchEvents.length > 0) {
    const next = new Map(Object.values(s.batches).map((b) => [b.id, b]));
    for (const b of batchEvents) {
      const prev = next.get(b.id);
      if (prev !== undefined && isActiveBatch(prev)) active--;
      if (batchGone(b)) {
        next.delete(b.id);
      } else {
        next.set(b.id, b);
        if (isActiveBatch(b)) active++;
      }
    }
    batches = Object.fromEntries(next);
  }
  set((st) => ({ jobs, batches, activeCount: Math.max(0, active), jobsVersion: changedState ? st.jobsVersion + 1 : st.jobsVersion }));

  for (const b of batchEvents) {
    // The asset screen shows the publication's progress; its state may have moved on.
    if (b.finished && b.assetId !== null) bumpAsset(b.assetId);
  }
  for (const j of finishedPublications) tellPublication(j);
}

/** Seeds the live job map (jobs on their own) and the batches from the backend (quietly: the Activity screen reports errors). */
export function loadJobs(): void {
  // Events that arrived before the question are applied first (their transitions notify);
  // those arriving while it is asked are stamped and win over the answer.
  if (flushTimer !== null) {
    clearTimeout(flushTimer);
    flushEvents();
  }
  const since = stamp;
  loadsInFlight++;
  const settle = (): void => {
    loadsInFlight--;
    if (loadsInFlight === 0) {
      jobStamps.clear();
      batchStamps.clear();
    }
  };
  // The batches are optional for the seed: a failure there must not keep the jobs from loading.
  const batchesCall = call('jobs.batches', {}).then(
    (r) => r.items,
    () => null,
  );
  Promise.all([call('jobs.list', { batched: false, limit: 1000 }), batchesCall]).then(
    ([r, seeded]) => {
      const s = get();
      const seededJobs = new Map<number, LiveJob>();
      for (const j of r.items) {
        const prev = s.jobs[j.id];
        seededJobs.set(j.id, { id: j.id, kind: j.kind, assetId: j.assetId, state: j.state, progress: j.progress, detail: prev?.detail ?? null, error: j.error });
      }
      // Jobs an event told us about after the question was asked: the event is newer (and one
      // still buffered must find the state before it, so that its transition notifies).
      for (const [id, at] of jobStamps) {
        if (at <= since) continue;
        const cur = s.jobs[id];
        if (cur !== undefined) seededJobs.set(id, cur);
        else seededJobs.delete(id);
      }
      const jobs = Object.fromEntries(seededJobs);
      let batches = s.batches;
      if (seeded !== null) {
        const next = new Map<number, BatchState>();
        for (const b of seeded) {
          const view: BatchState = { ...b, finished: batchFinished(b) };
          if (!batchGone(view)) next.set(b.id, view);
        }
        // Batches an event told us about after the question was asked: the event is newer.
        for (const [id, at] of batchStamps) {
          if (at <= since) continue;
          const cur = s.batches[id];
          if (cur !== undefined) next.set(id, cur);
          else next.delete(id);
        }
        batches = Object.fromEntries(next);
      }
      set((st) => ({ jobs, batches, activeCount: countActive(jobs, batches), jobsPaused: r.paused, jobsVersion: st.jobsVersion + 1 }));
      settle();
    },
    () => {
      settle();
    },
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
  if (loadsInFlight > 0) jobStamps.set(j.id, ++stamp);
  pendingJobs.push(j);
  scheduleFlush();
}

function handleBatch(b: EventPayload<'jobs.batch'>): void {
  if (loadsInFlight > 0) batchStamps.set(b.id, ++stamp);
  // Only the latest summary of a batch matters.
  pendingBatches.set(b.id, b);
  scheduleFlush();
}

/** "“Songbirds” is certified." / "Publishing “Songbirds” failed: …" (once per finished publish job). */
function tellPublication(j: EventPayload<'job.changed'>): void {
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

/**
 * A new access request: a system notification in the browser shell when the person allowed
 * them (clicking it opens the request), else an in-app notice linking to it. The Electron
 * shell's main process shows its own OS notification; the window gets the notice.
 */
function handleNewRequest(r: EventPayload<'access.new'>): void {
  const href = hrefFor({ name: 'inbox', id: r.id });
  const who = shortAddress(r.requester);
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
    on('jobs.batch', handleBatch),
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
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
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
