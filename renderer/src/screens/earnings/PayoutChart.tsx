/** Credits per day / week / month as bars (uPlot: small, canvas, fast with thousands of points). */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatEth, weiToNumber } from './money';

export interface Point {
  start: string;
  amountWei: string;
}

const HEIGHT = 220;

/** The start (unix seconds, local midnight) of the bucket `n` buckets after the one starting at `t`. */
function shift(t: number, bucket: string, n: number): number {
  const d = new Date(t * 1000);
  if (bucket === 'month') d.setMonth(d.getMonth() + n);
  else d.setDate(d.getDate() + n * (bucket === 'week' ? 7 : 1));
  return d.getTime() / 1000;
}

/** A bucket's start (YYYY-MM-DD, the person's calendar: the backend buckets by this time zone) as local midnight. */
const localStart = (day: string): number => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1).getTime() / 1000;
};

const DAY = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const MONTH = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric' });

/** What one bar is, on the axis: "Mar 2" (a day), "Wk Mar 2" (the week starting that Monday), "Mar 2026" (a month). */
export function bucketLabel(t: number, bucket: string): string {
  const d = new Date(t * 1000);
  return bucket === 'month' ? MONTH.format(d) : bucket === 'week' ? `Wk ${DAY.format(d)}` : DAY.format(d);
}

/** Bars this wide (a share of the space between two buckets): days thin, weeks wider, months widest. */
const BAR_SHARE: Record<string, number> = { day: 0.45, week: 0.65, month: 0.85 };

export function PayoutChart({ points, bucket, currency }: { points: Point[]; bucket: string; currency: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // An empty bucket on each side, so one or two bars still get a readable time axis.
    const xs = points.map((p) => localStart(p.start));
    const ys = points.map((p) => weiToNumber(p.amountWei));
    if (xs.length > 0) {
      xs.unshift(shift(xs[0] ?? 0, bucket, -1));
      xs.push(shift(xs[xs.length - 1] ?? 0, bucket, 1));
      ys.unshift(0);
      ys.push(0);
    }
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        {
          stroke: '#4a5365',
          grid: { stroke: '#e3e6eb' },
          // One tick per bucket while they fit, each named as its bucket (so Day, Week and Month read differently).
          ...(xs.length <= 16 ? { splits: () => xs } : {}),
          values: (_u, vals) => vals.map((v) => bucketLabel(v, bucket)),
        },
        { stroke: '#4a5365', grid: { stroke: '#e3e6eb' }, size: 70, values: (_u, vals) => vals.map((v) => `${v}`) },
      ],
      series: [
        {},
        {
          label: `Credited (${currency})`,
          stroke: '#0f766e',
          fill: 'rgba(15, 118, 110, 0.35)',
          width: 1,
          paths: uPlot.paths.bars?.({ size: [BAR_SHARE[bucket] ?? 0.6, 96], align: 0 }),
          points: { show: false },
        },
      ],
    };
    const u = new uPlot(opts, [xs, ys], el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      u.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [points, currency, bucket]);

  const total = points.reduce((s, p) => s + BigInt(p.amountWei), 0n);
  const best = points.reduce<Point | null>((b, p) => (b === null || BigInt(p.amountWei) > BigInt(b.amountWei) ? p : b), null);
  const label =
    points.length === 0
      ? 'No payouts yet'
      : `Payouts per ${bucket}: ${formatEth(total, currency)} over ${points.length} ${bucket}${points.length === 1 ? '' : 's'} from ${points[0]?.start ?? ''}; highest ${formatEth(best?.amountWei ?? '0', currency)} on ${best?.start ?? ''}`;
  return <div className="earn-chart" ref={box} role="img" aria-label={label} data-testid="earnings-chart" data-points={points.length} />;
}
