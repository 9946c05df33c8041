import { describe, expect, it } from 'vitest';
import { registryInterface } from '../chain/abi';
import { csvField, toCsv } from './csv';
import { bucketStart, bucketize, diffFigures, type Figures } from './figures';
import { decodeLog, type RawLog } from './logs';

describe('buckets (UTC)', () => {
  it('days, ISO weeks starting Monday, months', () => {
    expect(bucketStart('2026-03-01T23:59:59.000Z', 'day')).toBe('2026-03-01');
    expect(bucketStart('2026-03-01T23:59:59.000Z', 'week')).toBe('2026-02-23'); // a Sunday belongs to the week of the Monday before
    expect(bucketStart('2026-03-02T00:00:00.000Z', 'week')).toBe('2026-03-02');
    expect(bucketStart('2026-12-31T12:00:00.000Z', 'month')).toBe('2026-12-01');
    expect(() => bucketStart('nope', 'day')).toThrow(RangeError);
  });

  it("by the person's time zone: a 5 PM payout counts on that day there, in its week and month there", () => {
    // 2026-03-02T01:00Z is 5 PM on Sunday 1 March in Los Angeles (UTC-8), and 10 AM on Monday 2 March in Tokyo.
    const at = '2026-03-02T01:00:00.000Z';
    expect(bucketStart(at, 'day', 'America/Los_Angeles')).toBe('2026-03-01');
    expect(bucketStart(at, 'week', 'America/Los_Angeles')).toBe('2026-02-23');
    expect(bucketStart('2026-04-01T00:30:00.000Z', 'month', 'America/Los_Angeles')).toBe('2026-03-01');
    expect(bucketStart(at, 'day', 'Asia/Tokyo')).toBe('2026-03-02');
    expect(bucketStart(at, 'day', 'UTC')).toBe('2026-03-02');
    expect(bucketize([{ blockTime: at, amountWei: '7' }], 'day', true, 5000, 'America/Los_Angeles')).toEqual([{ start: '2026-03-01', amountWei: '7' }]);
    expect(() => bucketStart(at, 'day', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('sums per bucket exactly (beyond 2^53) and fills the gaps for the chart', () => {
    const big = (2n ** 70n).toString();
    const rows = [
      { blockTime: '2026-01-01T01:00:00.000Z', amountWei: big },
      { blockTime: '2026-01-01T02:00:00.000Z', amountWei: '1' },
      { blockTime: '2026-01-04T00:00:00.000Z', amountWei: '5' },
    ];
    expect(bucketize(rows, 'day')).toEqual([
      { start: '2026-01-01', amountWei: (2n ** 70n + 1n).toString() },
      { start: '2026-01-04', amountWei: '5' },
    ]);
    expect(bucketize(rows, 'day', true).map((p) => p.start)).toEqual(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04']);
    expect(bucketize(rows, 'month', true)).toEqual([{ start: '2026-01-01', amountWei: (2n ** 70n + 6n).toString() }]);
    expect(bucketize([], 'week', true)).toEqual([]);
  });
});

describe('log decoding by hand agrees with the ABI', () => {
  const log = (name: string, args: unknown[]): RawLog => {
    const ev = registryInterface.getEvent(name);
    if (!ev) throw new Error(name);
    const { data, topics } = registryInterface.encodeEventLog(ev, args);
    return { address: '0x0', topics, data, blockNumber: '0x10', transactionHash: '0xAB', logIndex: '0x2' };
  };
  const payee = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';

  it('Credited, Withdrawn, AccessRequested, AccessGranted, Refunded, Transfer', () => {
    expect(decodeLog(log('Credited', [payee, 7n, 9n, 123n]))).toEqual({ name: 'Credited', payee: payee.toLowerCase(), tokenId: '7', requestId: '9', amount: 123n, blockNumber: 16, txHash: '0xab', logIndex: 2 });
    expect(decodeLog(log('Withdrawn', [payee, payee, 2n ** 200n]))).toMatchObject({ name: 'Withdrawn', account: payee.toLowerCase(), amount: 2n ** 200n });
    expect(decodeLog(log('AccessRequested', [3n, 7n, payee, 'age1recipient', 555n, 'a message, long enough to span words '.repeat(5)]))).toMatchObject({
      name: 'AccessRequested',
      requestId: '3',
      tokenId: '7',
      requester: payee.toLowerCase(),
      amount: 555n,
    });
    expect(decodeLog(log('AccessGranted', [3n, 7n, 'grant-id', 555n]))).toMatchObject({ name: 'AccessGranted', requestId: '3', tokenId: '7', amount: 555n });
    expect(decodeLog(log('Refunded', [payee, 4n, 8n]))).toMatchObject({ name: 'Refunded', requester: payee.toLowerCase(), requestId: '4', amount: 8n });
    expect(decodeLog(log('Transfer', ['0x0000000000000000000000000000000000000000', payee, 7n]))).toMatchObject({ name: 'Transfer', to: payee.toLowerCase(), tokenId: '7' });
    expect(decodeLog(log('AccessDenied', [3n, 7n, 'no']))).toBeNull();
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and neutralises formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(null)).toBe('');
    const csv = toCsv([
      { kind: 'credit', tokenId: '1', assetName: 'Birds, vol. 2', requestId: '5', account: '0xabc', amountWei: '1500000000000000000', blockNumber: 9, at: '2026-01-01T00:00:00.000Z', txHash: '0x01' },
    ]);
    expect(csv).toBe(
      'kind,token_id,asset,request_id,account,amount_wei,amount_eth,block,time_utc,tx_hash\r\ncredit,1,"Birds, vol. 2",5,0xabc,1500000000000000000,1.5,9,2026-01-01T00:00:00.000Z,0x01\r\n',
    );
  });
});

describe('diffFigures', () => {
  const base: Figures = {
    earnedWei: '10',
    withdrawnWei: '0',
    refundsWei: '0',
    payouts: 2,
    assets: [{ tokenId: '1', requests: 2, approvals: 2, revenueWei: '10' }],
    contributors: [{ tokenId: '1', payee: '0xa', bps: 10000, earnedWei: '10' }],
    daily: [{ start: '2026-01-01', amountWei: '10' }],
  };
  it('is empty when equal, and names every difference', () => {
    expect(diffFigures(base, structuredClone(base))).toEqual([]);
    const other: Figures = { ...structuredClone(base), earnedWei: '7', assets: [], contributors: [{ tokenId: '1', payee: '0xa', bps: 10000, earnedWei: '7' }] };
    const d = diffFigures(base, other);
    expect(d).toContain('earned (wei): cached 10, chain 7');
    expect(d.some((x) => x.startsWith('asset #1: cached 2 requests'))).toBe(true);
    expect(d.some((x) => x.startsWith('contributor #1 0xa'))).toBe(true);
  });
});
