import { describe, expect, it } from 'vitest';
import { ethText, priceText } from '../util/format';
import { lifecycle, type LifecycleInput } from './lifecycle';

const cert = { version: 1, priceWei: '10000000000000000', approval: 'manual' as const };
const base: LifecycleInput = { certificate: null, job: null, changedSinceCertified: false, forSale: null };

describe('lifecycle status', () => {
  it('never published', () => {
    expect(lifecycle(base)).toEqual({ state: 'not-published', label: 'Not published', detail: null, version: null, priceWei: null });
    // A scan of a never-published folder is not a change since a version.
    expect(lifecycle({ ...base, changedSinceCertified: true }).label).toBe('Not published');
  });

  it('publishing n% while the publish job is queued, running, waiting or paused', () => {
    expect(lifecycle({ ...base, job: { state: 'running', progress: 0.426, error: null } })).toMatchObject({ state: 'publishing', label: 'Publishing 42%', detail: null });
    expect(lifecycle({ ...base, job: { state: 'queued', progress: 0, error: null } }).label).toBe('Publishing 0%');
    // Never 100% before it is done.
    expect(lifecycle({ ...base, job: { state: 'running', progress: 1, error: null } }).label).toBe('Publishing 99%');
    expect(lifecycle({ ...base, job: { state: 'paused', progress: 0.5, error: null } })).toMatchObject({ label: 'Publishing 50%', detail: 'Paused: resume it from Activity.' });
    expect(lifecycle({ ...base, job: { state: 'waiting', progress: 0.2, error: 'Waiting for storage funds.' } }).detail).toBe('Waiting for storage funds.');
    // A version 2 in flight says so over the live version 1.
    expect(lifecycle({ ...base, certificate: cert, changedSinceCertified: true, job: { state: 'running', progress: 0.1, error: null } })).toMatchObject({ state: 'publishing', version: 1 });
  });

  it('live with its price and approval mode', () => {
    expect(lifecycle({ ...base, certificate: cert, job: { state: 'done', progress: 1, error: null } })).toEqual({
      state: 'live',
      label: 'Live · 0.01 ETH · manual approval',
      detail: null,
      version: 1,
      priceWei: '10000000000000000',
    });
    expect(lifecycle({ ...base, certificate: { version: 3, priceWei: '0', approval: 'auto' }, forSale: true }).label).toBe('Live · free · automatic approval');
  });

  it('changed since the certified version', () => {
    const s = lifecycle({ ...base, certificate: { ...cert, version: 2 }, changedSinceCertified: true });
    expect(s).toMatchObject({ state: 'changed', label: 'Changed since version 2', version: 2 });
    expect(s.detail).toBe('Version 2 is live at 0.01 ETH; publish to certify the files as they are now.');
  });

  it('failed, with the reason', () => {
    const s = lifecycle({ ...base, certificate: cert, changedSinceCertified: true, job: { state: 'failed', progress: 0.3, error: 'a.csv changed since it was published.' } });
    expect(s).toMatchObject({ state: 'failed', label: 'Failed: a.csv changed since it was published.', detail: 'a.csv changed since it was published.', version: 1 });
    expect(lifecycle({ ...base, job: { state: 'failed', progress: 0, error: null } }).label).toBe('Failed: The publication stopped without saying why.');
    // A cancelled publication is no failure: the status is what is certified.
    expect(lifecycle({ ...base, certificate: cert, job: { state: 'cancelled', progress: 0.3, error: null } }).state).toBe('live');
  });

  it('not for sale only when the chain says so (unknown is not "not for sale")', () => {
    expect(lifecycle({ ...base, certificate: cert, forSale: false })).toMatchObject({ state: 'not-for-sale', label: 'Not for sale' });
    expect(lifecycle({ ...base, certificate: cert, forSale: null }).state).toBe('live');
    expect(lifecycle({ ...base, forSale: false }).state).toBe('not-published');
  });

  it('prices in ETH', () => {
    expect(priceText('0')).toBe('free');
    expect(priceText('1000000000000000000')).toBe('1 ETH');
    expect(priceText('1500000000000000001')).toBe('1.500000000000000001 ETH');
    expect(ethText('0')).toBe('0 ETH');
    expect(ethText('30000000000000000000')).toBe('30 ETH');
  });
});
