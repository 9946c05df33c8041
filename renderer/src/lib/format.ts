const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/** Human-readable size, decimal units (1 KB = 1000 B) like most file managers. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1000) return `${bytes} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit] ?? 'B'}`;
}

const integer = new Intl.NumberFormat('en-US');
export const formatCount = (n: number): string => integer.format(n);

export const plural = (n: number, one: string, many = `${one}s`): string => `${formatCount(n)} ${n === 1 ? one : many}`;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export function formatDate(iso: string | null): string {
  if (iso === null) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export const ROOT_SHORT = 12;
export const shortHash = (hex: string, n = ROOT_SHORT): string => (hex.length > n ? hex.slice(0, n) : hex);

/** Percent (0–100) of a scan, by bytes when known, else by files. */
export function scanPercent(p: { bytesDone: number; bytesTotal: number; filesDone: number; filesTotal: number }): number | null {
  if (p.bytesTotal > 0) return Math.min(100, Math.floor((p.bytesDone / p.bytesTotal) * 100));
  if (p.filesTotal > 0) return Math.min(100, Math.floor((p.filesDone / p.filesTotal) * 100));
  return null;
}

/** Last segment of a path (POSIX or Windows separators). */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i >= 0 ? trimmed.slice(i + 1) : trimmed;
}

const WEI_PER_ETH = 10n ** 18n;

/** Wei (decimal string) as an exact ETH amount ("0.01", "1"); anything that is not whole wei is returned as is. */
export function weiToEth(wei: string): string {
  if (!/^\d+$/.test(wei)) return wei;
  const v = BigInt(wei);
  const frac = (v % WEI_PER_ETH).toString().padStart(18, '0').replace(/0+$/, '');
  return frac === '' ? (v / WEI_PER_ETH).toString() : `${(v / WEI_PER_ETH).toString()}.${frac}`;
}

/** Wei as "0.01 ETH" (exact; the same text as the backend's). */
export const ethText = (wei: string): string => `${weiToEth(wei)} ETH`;
