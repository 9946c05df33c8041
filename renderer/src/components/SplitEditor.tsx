/**
 * The revenue split editor: payees (address and share), add and remove, the running total that
 * must reach 100%. Used by the Publish dialog and by the asset page's proposal of new terms.
 */
import type { ReactNode } from 'react';
import { Icon } from './Icon';

export const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export interface SplitRow {
  key: number;
  address: string;
  percent: string;
  label: string | null;
}

let rowKey = 1;
export const splitRow = (address = '', percent = '', label: string | null = null): SplitRow => ({ key: rowKey++, address, percent, label });

/** Each row's mistakes, in words: a bad or repeated address, a share out of range. */
export function splitErrors(rows: SplitRow[]): Record<number, { address?: string; percent?: string }> {
  const out: Record<number, { address?: string; percent?: string }> = {};
  const seen = new Set<string>();
  for (const r of rows) {
    const e: { address?: string; percent?: string } = {};
    const a = r.address.trim();
    if (!ADDRESS.test(a)) e.address = 'Enter a 0x address (0x followed by 40 hex digits).';
    else if (seen.has(a.toLowerCase())) e.address = 'This address is already in the split.';
    seen.add(a.toLowerCase());
    const p = Number(r.percent);
    if (r.percent.trim() === '' || !Number.isFinite(p) || p <= 0 || p > 100) e.percent = 'Enter a share above 0 and at most 100.';
    if (e.address !== undefined || e.percent !== undefined) out[r.key] = e;
  }
  return out;
}

export const splitTotal = (rows: SplitRow[]): number => Math.round(rows.reduce((s, r) => s + (Number.isFinite(Number(r.percent)) ? Number(r.percent) : 0), 0) * 1e6) / 1e6;
export const splitTotalOk = (rows: SplitRow[]): boolean => Math.abs(splitTotal(rows) - 100) < 1e-6;

export function SplitEditor({
  rows,
  setRows,
  tried,
  totalId,
  legend = 'Revenue split',
  children,
}: {
  rows: SplitRow[];
  setRows: (f: (rows: SplitRow[]) => SplitRow[]) => void;
  /** Show the rows' mistakes (after a first try). */
  tried: boolean;
  totalId: string;
  legend?: string;
  /** Below the total (hints). */
  children?: ReactNode;
}) {
  const total = splitTotal(rows);
  const totalOk = splitTotalOk(rows);
  const errs = splitErrors(rows);
  const update = (key: number, patch: Partial<SplitRow>): void => {
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  };
  return (
    <fieldset className="split" aria-describedby={totalId}>
      <legend className="field-label">{legend}</legend>
      <p className="hint">Who is paid from each access, and how much. The shares must add up to 100%.</p>
      <ul className="split-rows">
        {rows.map((r, i) => {
          const e = tried ? errs[r.key] : undefined;
          const n = i + 1;
          return (
            <li key={r.key} className="split-row" data-testid="split-row">
              <div className="field split-address">
                <label htmlFor={`split-${r.key}-a`}>
                  Payee {n} address{r.label !== null ? <span className="muted"> · {r.label}</span> : null}
                </label>
                <input
                  id={`split-${r.key}-a`}
                  className="input input-mono"
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="0x…"
                  value={r.address}
                  aria-invalid={e?.address !== undefined}
                  aria-describedby={e?.address !== undefined ? `split-${r.key}-ae` : undefined}
                  onChange={(ev) => {
                    update(r.key, { address: ev.target.value });
                  }}
                />
                {e?.address !== undefined && (
                  <p id={`split-${r.key}-ae`} className="field-error">
                    {e.address}
                  </p>
                )}
              </div>
              <div className="field split-percent">
                <label htmlFor={`split-${r.key}-p`}>Payee {n} share (%)</label>
                <input
                  id={`split-${r.key}-p`}
                  className="input"
                  type="text"
                  inputMode="decimal"
                  autoComplete="off"
                  value={r.percent}
                  aria-invalid={e?.percent !== undefined}
                  aria-describedby={e?.percent !== undefined ? `split-${r.key}-pe` : undefined}
                  onChange={(ev) => {
                    update(r.key, { percent: ev.target.value });
                  }}
                />
                {e?.percent !== undefined && (
                  <p id={`split-${r.key}-pe`} className="field-error">
                    {e.percent}
                  </p>
                )}
              </div>
              <button
                type="button"
                className="icon-button split-remove"
                aria-label={`Remove payee ${n}`}
                disabled={rows.length === 1}
                onClick={() => {
                  setRows((rs) => rs.filter((x) => x.key !== r.key));
                }}
              >
                <Icon name="trash" size={16} />
              </button>
            </li>
          );
        })}
      </ul>
      <div className="split-foot">
        <button
          type="button"
          className="button button-sm"
          onClick={() => {
            setRows((rs) => [...rs, splitRow()]);
          }}
        >
          <Icon name="plus" size={16} />
          Add payee
        </button>
        <span id={totalId} className={`split-total${totalOk ? ' split-total-ok' : ' split-total-bad'}`} data-testid="split-total" aria-live="polite">
          Total: {total}%{totalOk ? '' : ` — must be 100% (${total < 100 ? `${Math.round((100 - total) * 1e6) / 1e6}% left` : `${Math.round((total - 100) * 1e6) / 1e6}% too much`})`}
        </span>
      </div>
      {children}
    </fieldset>
  );
}
