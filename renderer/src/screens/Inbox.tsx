/**
 * The access-request inbox (issue 6): requests for your certified assets, live from
 * `access.changed` / `job.changed`; open one (marks it read) to see its details and history,
 * approve or deny it (durable jobs with visible progress), or select several and act on all.
 */
import { useEffect, useState } from 'react';
import { call, messageOf } from '../api/client';
import { Icon } from '../components/Icon';
import { WalletLine } from '../components/WalletContext';
import { NetworkDownBanner } from '../components/NetworkDownBanner';
import { useNetworkDown } from '../state/network-health';
import { usePaged } from '../hooks/paged';
import type { PageFetcher } from '../hooks/paged';
import { plural } from '../lib/format';
import { navigate, notify, useApp } from '../state/store';
import type { LiveJob } from '../state/store';
import { markAllRead, markRead } from './inbox/actions';
import { ApproveDialog, DenyDialog } from './inbox/dialogs';
import { STATE_FILTERS, useNow } from './inbox/model';
import type { Chip, RequestState, RequestView } from './inbox/model';
import { RequestDetailPane } from './inbox/RequestDetail';
import { RequestList } from './inbox/RequestList';
import { InboxProposals } from './inbox/ProposalItem';
import type { InboxQuery } from './inbox/RequestList';
import './inbox/inbox.css';

/** The Inbox's list and detail stack at this width (inbox.css, layout.css). */
const STACKED = '(max-width: 1100px)';

const fetchRequests: PageFetcher<InboxQuery, RequestView> = async (p, offset, limit) => {
  const r = await call('access.list', { ...(p.state !== undefined ? { state: p.state } : {}), unreadOnly: p.unreadOnly, offset, limit });
  useApp.setState({ unreadRequests: r.unread });
  return { items: r.items, total: r.total };
};

/** Approval/denial jobs that finished: a change here refetches the list (the chain event may lag). */
const settledAccessJobs = (jobs: Record<number, LiveJob>): number =>
  Object.values(jobs).filter((j) => /access|approve|deny|grant/.test(j.kind) && (j.state === 'done' || j.state === 'failed' || j.state === 'cancelled')).length;

function NotificationsOffer() {
  const shell = useApp((s) => s.shell);
  const [permission, setPermission] = useState(() => ('Notification' in window ? Notification.permission : 'denied'));
  if (shell !== 'browser' || permission !== 'default') return null;
  return (
    <button
      type="button"
      className="button"
      onClick={() => {
        void Notification.requestPermission().then((p) => {
          setPermission(p);
          if (p === 'granted') notify('success', 'New requests will show a notification, even while this tab is in the background.');
        });
      }}
    >
      Turn on notifications
    </button>
  );
}

function EmptyInbox({ filtered }: { filtered: boolean }) {
  const network = useApp((s) => s.network);
  const net = useNetworkDown();
  if (net.down && !filtered) {
    // Not "no requests": Ativo cannot ask the chain now.
    return (
      <div className="card inbox-empty" data-testid="inbox-empty">
        <Icon name="inbox" size={28} />
        <h2>No requests known yet on {net.title}</h2>
        <p className="muted">Ativo cannot reach {net.title} now, so requests made meanwhile show here once it answers again.</p>
      </div>
    );
  }
  if (filtered) {
    return (
      <div className="card inbox-empty" data-testid="inbox-empty">
        <h2>No requests match</h2>
        <p className="muted">Choose “All requests” to see every request.</p>
      </div>
    );
  }
  return (
    <div className="card inbox-empty" data-testid="inbox-empty">
      <Icon name="inbox" size={28} />
      <h2>No access requests yet</h2>
      <p className="muted">
        When someone wants one of your certified assets, they find it in Discover (or open its link), request access and pay its price into escrow. The
        request appears here within seconds. Approve it and they receive the files; deny it and they are refunded.
      </p>
      {network === 'sandbox' && (
        <p className="muted">
          On the Sandbox network you can try it offline: open a certified asset in your <a href="#/">Library</a> and choose <strong>Simulate a buyer</strong>.
        </p>
      )}
    </div>
  );
}

export function InboxScreen({ selected }: { selected: number | null }) {
  const accessVersion = useApp((s) => s.accessVersion);
  const settled = useApp((s) => settledAccessJobs(s.jobs));
  const unread = useApp((s) => s.unreadRequests);
  const now = useNow();
  const [filter, setFilter] = useState<RequestState | 'all'>('all');
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [checked, setChecked] = useState<ReadonlySet<number>>(new Set());
  const [bulk, setBulk] = useState<'approve' | 'deny' | null>(null);
  const [syncing, setSyncing] = useState(false);
  const version = `${accessVersion}:${settled}`;
  const query: InboxQuery = { ...(filter !== 'all' ? { state: filter } : {}), unreadOnly };
  const { list, snapshot } = usePaged(query, fetchRequests, version, 200);
  const total = snapshot.total ?? 0;

  // Opening a request marks it read.
  const selectedRow = (() => {
    if (selected === null) return undefined;
    for (let i = 0; i < Math.min(total, 1000); i++) {
      const r = list.row(i);
      if (r?.id === selected) return r;
    }
    return undefined;
  })();
  const unreadSelected = selected !== null && (selectedRow === undefined ? unread > 0 : !selectedRow.read);
  useEffect(() => {
    if (selected !== null && unreadSelected) markRead([selected]);
  }, [selected, unreadSelected]);
  // Stacked (narrow window): the request opened is below the list; bring it into view.
  useEffect(() => {
    if (selected === null || !window.matchMedia(STACKED).matches) return;
    const t = setTimeout(() => {
      document.querySelector('.inbox-panes .inbox-detail')?.scrollIntoView({ block: 'start' });
    }, 0);
    return () => {
      clearTimeout(t);
    };
  }, [selected]);

  // Selection keeps only rows still on screen.
  const loadedIds = new Set<number>();
  for (let i = 0; i < Math.min(total, 1000); i++) {
    const r = list.row(i);
    if (r) loadedIds.add(r.id);
  }
  const picked = [...checked].filter((id) => loadedIds.has(id));
  // A request past its time limit can only be denied (the buyer may take the payment back).
  const expiredIds = new Set<number>();
  for (let i = 0; i < Math.min(total, 1000); i++) {
    const r = list.row(i);
    if (r?.state === 'expired') expiredIds.add(r.id);
  }
  const pickedExpired = picked.filter((id) => expiredIds.has(id)).length;
  const actionable: number[] = [];
  const jobs = useApp((s) => s.jobs);
  for (let i = 0; i < Math.min(total, 1000); i++) {
    const r = list.row(i);
    if (!r || (r.state !== 'pending' && r.state !== 'expired')) continue;
    const live = r.action?.jobId != null ? jobs[r.action.jobId] : undefined;
    const st = live?.state ?? r.action?.state;
    if (r.action === null || st === 'failed' || st === 'cancelled') actionable.push(r.id);
  }
  const allPicked = actionable.length > 0 && actionable.every((id) => checked.has(id));

  const toggle = (id: number, _chip: Chip, on: boolean): void => {
    setChecked((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  };
  const open = (id: number): void => {
    navigate({ name: 'inbox', id });
  };
  const sync = async (): Promise<void> => {
    setSyncing(true);
    try {
      const r = await call('access.sync', {});
      notify('info', r.added === 0 ? 'No new requests on chain.' : `Found ${plural(r.added, 'new request')}.`);
    } catch (e) {
      notify('error', `Could not check the chain for requests: ${messageOf(e)}`);
    } finally {
      setSyncing(false);
      useApp.setState((s) => ({ accessVersion: s.accessVersion + 1 }));
    }
  };

  const filtered = filter !== 'all' || unreadOnly;
  const net = useNetworkDown();
  const empty = snapshot.total === 0 && snapshot.error === null;

  return (
    <section className="inbox-page" aria-labelledby="inbox-title">
      <div className="page-head">
        <div className="title-block">
          <h1 id="inbox-title">Inbox</h1>
          <p className="page-sub">
            <WalletLine prefix="Requests for" />{' '}
            {unread > 0 ? <span data-testid="inbox-unread-summary">{plural(unread, 'unread request')}.</span> : 'Nothing unread.'}
          </p>
        </div>
        <div className="page-actions">
          <NotificationsOffer />
          {unread > 0 && (
            <button type="button" className="button" onClick={() => void markAllRead()}>
              Mark all read
            </button>
          )}
          <button type="button" className="button" onClick={() => void sync()} disabled={syncing}>
            <Icon name="refresh" size={16} />
            {syncing ? 'Checking…' : 'Check now'}
          </button>
        </div>
      </div>

      <NetworkDownBanner shows="the requests Ativo knew of when it last reached the network" />

      {/* Governance (issue 17): proposals of new terms, above the requests. */}
      <InboxProposals />

      <div className="inbox-toolbar">
        <div className="inbox-filter">
          <label className="field-label" htmlFor="inbox-filter">
            Show
          </label>
          <select
            id="inbox-filter"
            className="input"
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value as RequestState | 'all');
              setChecked(new Set());
            }}
          >
            {STATE_FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </div>
        <label className="checkbox inbox-unread-only">
          <input
            type="checkbox"
            checked={unreadOnly}
            onChange={(e) => {
              setUnreadOnly(e.target.checked);
              setChecked(new Set());
            }}
          />
          Unread only
        </label>
        <div className="inbox-bulk" role="group" aria-label="Selected requests">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={allPicked}
              disabled={actionable.length === 0}
              data-testid="select-all"
              onChange={(e) => {
                setChecked(e.target.checked ? new Set(actionable) : new Set());
              }}
            />
            Select all unanswered
          </label>
          <span className="inbox-picked" aria-live="polite">
            {picked.length > 0 ? `${picked.length} selected` : ''}
            {pickedExpired > 0 ? ` (${plural(pickedExpired, 'expired request')} can only be denied)` : ''}
          </span>
          <button
            type="button"
            className="button button-sm button-primary"
            disabled={picked.length === 0 || pickedExpired > 0 || net.down}
            title={net.reason || undefined}
            onClick={() => {
              setBulk('approve');
            }}
          >
            Approve selected
          </button>
          <button
            type="button"
            className="button button-sm button-danger-outline"
            disabled={picked.length === 0 || net.down}
            title={net.reason || undefined}
            onClick={() => {
              setBulk('deny');
            }}
          >
            Deny selected…
          </button>
        </div>
      </div>

      {snapshot.error !== null && (
        <div className="panel panel-error" role="alert">
          <Icon name="alert" />
          <div>
            <strong>The inbox could not be loaded.</strong>
            <p>{snapshot.error.message}</p>
          </div>
          <button type="button" className="button button-sm" onClick={() => { list.retry(); }}>
            Try again
          </button>
        </div>
      )}

      {snapshot.total === null && snapshot.error === null ? (
        <div className="panel panel-muted" role="status">
          Loading…
        </div>
      ) : empty && selected === null ? (
        <EmptyInbox filtered={filtered} />
      ) : (
        <div className="inbox-panes">
          <div className="inbox-list">
            {empty ? (
              <p className="table-message">{filtered ? 'No requests match.' : 'No requests.'}</p>
            ) : (
              <RequestList list={list} total={total} now={now} selectedId={selected} checked={checked} onToggle={toggle} onOpen={open} />
            )}
            <p className="asset-list-foot">{total > 0 ? plural(total, 'request') : ''}</p>
          </div>
          {selected !== null ? (
            <RequestDetailPane key={selected} id={selected} now={now} version={version} />
          ) : (
            <div className="inbox-detail inbox-detail-none card">
              <p className="muted">Choose a request to see who asked, their message and their history with you.</p>
            </div>
          )}
        </div>
      )}

      {bulk === 'approve' && (
        <ApproveDialog
          ids={picked}
          subject={`${plural(picked.length, 'request')} selected.`}
          onClose={() => {
            setBulk(null);
          }}
          onDone={() => {
            setChecked(new Set());
          }}
        />
      )}
      {bulk === 'deny' && (
        <DenyDialog
          ids={picked}
          subject={`${plural(picked.length, 'request')} selected. The same reason goes to each requester.`}
          onClose={() => {
            setBulk(null);
          }}
          onDone={() => {
            setChecked(new Set());
          }}
        />
      )}
    </section>
  );
}
