/** Progress lines and time-left words of uploads. */
import { describe, expect, it } from 'vitest';
import { formatEta, phaseLine, progressLine } from './format';

const MB = 1_000_000;

describe('progressLine', () => {
  it('keeps its output without a time estimate', () => {
    expect(progressLine(120 * MB, 300 * MB)).toBe('40% · 120 MB of 300 MB');
    expect(progressLine(126 * MB, 300 * MB)).toBe('42% · 126 MB of 300 MB');
    expect(progressLine(0, 0)).toBe('100% · 0 B of 0 B');
    expect(progressLine(400 * MB, 300 * MB)).toBe('100% · 300 MB of 300 MB');
    expect(progressLine(120 * MB, 300 * MB, null)).toBe('40% · 120 MB of 300 MB');
  });

  it('appends the time left when given, and ignores an unusable one', () => {
    expect(progressLine(126 * MB, 300 * MB, 120)).toBe('42% · 126 MB of 300 MB · about 2 min left');
    expect(progressLine(126 * MB, 300 * MB, 0)).toBe('42% · 126 MB of 300 MB · less than a minute left');
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -5]) expect(progressLine(126 * MB, 300 * MB, bad)).toBe('42% · 126 MB of 300 MB');
    expect(progressLine(300 * MB, 300 * MB, 0)).toBe('100% · 300 MB of 300 MB'); // done: no time left to tell
    expect(progressLine(0, 0, 5)).toBe('100% · 0 B of 0 B');
  });
});

describe('phaseLine', () => {
  it('puts the phase word first', () => {
    expect(phaseLine('Encrypting', 126 * MB, 300 * MB)).toBe('Encrypting 42% · 126 MB of 300 MB');
    expect(phaseLine('Hashing', 0, 300 * MB)).toBe('Hashing 0% · 0 B of 300 MB');
    expect(phaseLine('Uploading', 126 * MB, 300 * MB, 130)).toBe('Uploading 42% · 126 MB of 300 MB · about 2 min left');
  });
});

describe('formatEta', () => {
  it.each([
    [0, 'less than a minute left'],
    [59.9, 'less than a minute left'],
    [60, 'about 1 min left'],
    [89, 'about 1 min left'],
    [90, 'about 2 min left'],
    [180, 'about 3 min left'],
    [59 * 60 + 29, 'about 59 min left'],
    [59 * 60 + 31, 'about 1 h left'],
    [80 * 60, 'about 1 h 20 min left'],
    [2 * 3600 + 5 * 60 + 10, 'about 2 h 5 min left'],
    [3 * 3600, 'about 3 h left'],
    [9 * 3600 + 59 * 60, 'about 9 h 59 min left'],
    [10 * 3600 + 20 * 60, 'about 10 h left'],
    [14 * 3600 + 40 * 60, 'about 15 h left'],
    [Number.POSITIVE_INFINITY, 'time left unknown'],
  ])('%d s → %s', (seconds, words) => {
    expect(formatEta(seconds)).toBe(words);
  });
});
