/**
 * The inbox's virtualized request list. Each row: a selection checkbox, the request itself as a
 * button (asset, requester, age, the start of the message, amount, state; Enter opens it), and a copy button for the
 * requester's address. The list is one stop in the Tab order (a roving tab stop on the row last
 * focused, else the open one): arrow keys, Home/End and PageUp/PageDown move between rows, Tab
 * moves through the row's controls and then on to the request's details.
 */
import { useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { Icon } from '../../components/Icon';
import { focusRow, nextRowIndex, usePagedVirtualizer } from '../../hooks/paged';
import type { PagedList } from '../../hooks/paged';
import { plural } from '../../lib/format';
import { shortAddress } from '../../lib/wallet';
import { notify, useApp } from '../../state/store';
import { ageText, amountText, chipOf, chipText, chipTone, isActionable } from './model';
import type { Chip, RequestView } from './model';
import { retryAction } from './actions';

const ROW_HEIGHT = 72;

export interface InboxQuery {
  state?: RequestView['state'];
  unreadOnly: boolean;
}

export function StateChip({ chip, testId = 'request-state' }: { chip: Chip; testId?: string }) {
  return (
    <span className={`inbox-chip inbox-chip-${chipTone(chip)}`} data-testid={testId}>
      {chipText(chip)}
    </span>
  );
}

/** Copies the requester's address (a row control, so it takes part in the roving tab stop). */
function CopyAddress({ address, label, tabIndex }: { address: string; label: string; tabIndex: number }) {
  const [copied, setCopied] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(address);
      setCopied(true);
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        setCopied(false);
      }, 2000);
    } catch {
      notify('info', `The clipboard is not available here. The address is ${address} (also shown in full in the request's details).`);
    }
  };
  return (
    <button type="button" className="icon-button icon-button-bordered" aria-label={copied ? `${label}: copied` : label} title={label} tabIndex={tabIndex} onClick={() => void copy()}>
      <Icon name={copied ? 'check' : 'copy'} size={16} />
    </button>
  );
}

function RequestRow({
  r,
  index,
  now,
  current,
  tabbable,
  checked,
  onToggle,
  onOpen,
}: {
  r: RequestView;
  index: number;
  now: number;
  current: boolean;
  /** This row holds the list's tab stop. */
  tabbable: boolean;
  checked: boolean;
  onToggle: (id: number, chip: Chip, on: boolean) => void;
  onOpen: (id: number) => void;
}) {
  const live = useApp((s) => (r.action?.jobId != null ? s.jobs[r.action.jobId] : undefined));
  const chip = chipOf(r, live);
  const asset = r.assetName ?? `Token #${r.tokenId}`;
  const who = shortAddress(r.requester);
  const age = ageText(r.createdAt, now);
  const preview = r.message.trim().replace(/\s+/g, ' ');
  const label = `${r.read ? '' : 'Unread, '}${asset}, from ${who}, ${amountText(r.amountWei)}, ${age}, ${chipText(chip)}${r.decision !== null ? `, ${r.decision}` : ''}${preview !== '' ? `, message: ${preview.slice(0, 140)}` : ''}`;
  const tabIndex = tabbable ? 0 : -1;
  return (
    <div className={`inbox-row${r.read ? '' : ' inbox-row-unread'}${current ? ' inbox-row-current' : ''}`} data-testid="request-row" data-request-id={r.id}>
      <input
        type="checkbox"
        className="inbox-check"
        checked={checked}
        disabled={!isActionable(chip)}
        tabIndex={tabIndex}
        aria-label={`Select the request for ${asset} from ${who}`}
        onChange={(e) => {
          onToggle(r.id, chip, e.target.checked);
        }}
      />
      <button
        type="button"
        className="inbox-open"
        data-index={index}
        tabIndex={tabIndex}
        aria-label={label}
        aria-current={current ? 'true' : undefined}
        title={asset}
        onClick={() => {
          onOpen(r.id);
        }}
      >
        <span className="inbox-cell-main">
          <span className="inbox-asset">
            {!r.read && <span className="inbox-dot" aria-hidden="true" />}
            <span className="inbox-asset-name" title={asset}>
              {asset}
            </span>
          </span>
          <span className="inbox-sub">
            <span className="inbox-from mono-text" title={r.requester}>
              {who}
            </span>
            <span aria-hidden="true">·</span>
            <span className="inbox-age" title={new Date(r.createdAt).toLocaleString()}>
              {age}
            </span>
          </span>
          <span className={`inbox-preview${preview === '' ? ' inbox-preview-none' : ''}`} data-testid="request-preview">
            {preview === '' ? 'No message' : preview}
          </span>
          {r.decision !== null && (
            <span className="inbox-decision" data-testid="request-decision" title={r.decidedBy ?? undefined}>
              {r.decision}
            </span>
          )}
        </span>
        <span className="inbox-cell-side">
          <span className="inbox-amount">{amountText(r.amountWei)}</span>
          <StateChip chip={chip} />
        </span>
      </button>
      <span className="inbox-row-tools">
        {chip.kind === 'failed' && chip.jobId !== null && (
          <button
            type="button"
            className="button button-sm"
            tabIndex={tabIndex}
            aria-label={`Retry the ${chip.action === 'approve' ? 'approval' : 'denial'} for ${asset} from ${who}`}
            onClick={() => void retryAction(chip.jobId ?? 0)}
          >
            Retry
          </button>
        )}
        <CopyAddress address={r.requester} label={`Copy the address of ${who}`} tabIndex={tabIndex} />
      </span>
    </div>
  );
}

export function RequestList({
  list,
  total,
  now,
  selectedId,
  checked,
  onToggle,
  onOpen,
}: {
  list: PagedList<InboxQuery, RequestView>;
  total: number;
  now: number;
  selectedId: number | null;
  checked: ReadonlySet<number>;
  onToggle: (id: number, chip: Chip, on: boolean) => void;
  onOpen: (id: number) => void;
}) {
  const { scrollRef, virtualizer, items } = usePagedVirtualizer(list, total, ROW_HEIGHT, 6);
  const [focused, setFocused] = useState<number | null>(null);
  // The tab stop: the row last focused, else the open request, else the first row on screen.
  let selectedIndex: number | null = null;
  for (const item of items) if (list.row(item.index)?.id === selectedId) selectedIndex = item.index;
  const rendered = (i: number | null): boolean => i !== null && i < total && items.some((it) => it.index === i);
  const tabStop = rendered(focused) ? focused : rendered(selectedIndex) ? selectedIndex : (items[0]?.index ?? 0);

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>): void => {
    const current = (e.target as HTMLElement).closest<HTMLElement>('.inbox-item')?.querySelector<HTMLElement>('[data-index]');
    if (!current) return;
    const index = Number(current.dataset.index);
    const next = nextRowIndex(e.key, index, total);
    if (next === null) return;
    if ((e.target as HTMLElement).tagName === 'INPUT' && (e.key === 'Home' || e.key === 'End')) return;
    e.preventDefault();
    focusRow(scrollRef.current, virtualizer, next);
  };

  return (
    <div className="inbox-list-scroll" ref={scrollRef}>
      <ul className="inbox-list-body" aria-label={`Access requests, ${plural(total, 'request')}`} style={{ height: virtualizer.getTotalSize() }} onKeyDown={onKeyDown}>
        {items.map((item) => {
          const r = list.row(item.index);
          return (
            <li
              key={item.key}
              className="inbox-item"
              style={{ transform: `translateY(${item.start}px)`, height: item.size }}
              aria-posinset={item.index + 1}
              aria-setsize={total}
              onFocus={() => {
                setFocused(item.index);
              }}
            >
              {r ? (
                <RequestRow
                  r={r}
                  index={item.index}
                  now={now}
                  current={r.id === selectedId}
                  tabbable={item.index === tabStop}
                  checked={checked.has(r.id)}
                  onToggle={onToggle}
                  onOpen={onOpen}
                />
              ) : (
                <div className="inbox-row inbox-row-loading" aria-hidden="true">
                  <span className="skeleton" />
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
