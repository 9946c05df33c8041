/** Wei amounts for people: exact in data attributes and titles, rounded (6 decimals) in text. */
const WEI = 10n ** 18n;
const DECIMALS = 6;
/**
 * One formatter for every amount: `bigint.toLocaleString('en-US')` builds a new Intl formatter at
 * each call, which made scrolling 10,000 payouts spend its frames in ICU (issue 18).
 */
const GROUPING = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "1.234567 ETH"; amounts below 0.000001 but above 0 read "< 0.000001 ETH". */
export function formatEth(wei: string | bigint, currency = 'ETH'): string {
  const v = typeof wei === 'bigint' ? wei : BigInt(wei);
  const neg = v < 0n;
  const a = neg ? -v : v;
  const whole = a / WEI;
  const frac = (a % WEI).toString().padStart(18, '0').slice(0, DECIMALS).replace(/0+$/, '');
  if (whole === 0n && frac === '' && a > 0n) return `< 0.${'0'.repeat(DECIMALS - 1)}1 ${currency}`;
  return `${neg ? '-' : ''}${GROUPING.format(whole)}${frac ? `.${frac}` : ''} ${currency}`;
}

/** Wei as a float in ETH (charts only: not exact). */
export const weiToNumber = (wei: string): number => Number(BigInt(wei) / 10n ** 9n) / 1e9;

/** A network's name as people read it ("Sandbox", never "sandbox"). */
export const networkTitle = (n: string): string => (n === 'sandbox' ? 'Sandbox' : n === 'testnet' ? 'Testnet' : n === 'mainnet' ? 'Mainnet' : n);

/** This computer's time zone (IANA), for buckets by the person's own calendar; undefined when the browser cannot say. */
export function localTimeZone(): string | undefined {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return typeof tz === 'string' && tz !== '' ? tz : undefined;
}
