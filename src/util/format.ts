/** Human-readable byte count in decimal units, like file managers (and the app's UI): 1.5 MB, 300 MB. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i] ?? 'PB'}`;
}

/**
 * Time left in words: "less than a minute left" (under 60 s), "about 3 min left",
 * "about 1 h 20 min left", "about 2 h left"; from 10 h on, whole hours ("about 14 h left").
 * Minutes are rounded to the nearest (90 s → "about 2 min left").
 */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'time left unknown';
  if (seconds < 60) return 'less than a minute left';
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return `about ${minutes} min left`;
  if (minutes >= 10 * 60) return `about ${Math.round(minutes / 60)} h left`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `about ${h} h left` : `about ${h} h ${m} min left`;
}

/**
 * An amount of a token with `decimals` decimals, for people: "0.01 ETH", "1 ETH", "0 ETH" (every
 * significant digit: these are money; no trailing ".0"). `up` rounds up to 6 decimals, for "about" amounts.
 * Plain bigint arithmetic rather than ethers' formatUnits, so that base code does not load ethers.
 */
export function unitsText(atomic: bigint, ticker: string, decimals = 18, up = false): string {
  const unit = 10n ** BigInt(decimals);
  let v = atomic < 0n ? -atomic : atomic;
  const step = decimals > 6 ? 10n ** BigInt(decimals - 6) : 1n;
  if (up && v % step !== 0n) v = (v / step + 1n) * step;
  const frac = decimals === 0 ? '' : (v % unit).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${atomic < 0n ? '-' : ''}${(v / unit).toString()}${frac === '' ? '' : `.${frac}`} ${ticker}`;
}

/**
 * The one wei-to-ETH text for people (app, CLI, Electron's notifications): "0.01 ETH", "1 ETH", "0 ETH".
 * `up` rounds up to 6 decimals, for "about" amounts. A string that is not whole wei is returned as is.
 */
export function ethText(wei: bigint | string, up = false): string {
  if (typeof wei === 'string' && !/^-?\d+$/.test(wei)) return wei;
  return unitsText(BigInt(wei), 'ETH', 18, up);
}

/** A price for people: "0.01 ETH"; 0 is "free". */
export const priceText = (wei: bigint | string): string => (BigInt(typeof wei === 'string' && !/^-?\d+$/.test(wei) ? -1 : wei) === 0n ? 'free' : ethText(wei));

/** An address shortened for people: "0x1234…abcd" (the renderer's copy is renderer/src/lib/wallet.ts, which may not import src/). */
export const shortAddress = (a: string): string => (a.length > 14 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a);
