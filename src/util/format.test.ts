import { describe, expect, it } from 'vitest';
import { ethText, priceText, shortAddress, unitsText } from './format';

describe('the one amount text', () => {
  it('writes every significant digit, no trailing .0, and rounds up only when asked', () => {
    expect(ethText(10n ** 18n)).toBe('1 ETH');
    expect(ethText('10000000000000000')).toBe('0.01 ETH');
    expect(ethText(1n)).toBe('0.000000000000000001 ETH');
    expect(ethText(1n, true)).toBe('0.000001 ETH');
    expect(ethText(-(10n ** 18n) - 5n * 10n ** 17n)).toBe('-1.5 ETH');
    expect(ethText('n/a')).toBe('n/a');
    expect(priceText('0')).toBe('free');
    expect(unitsText(1_500_000n, 'USDC', 6)).toBe('1.5 USDC');
    expect(unitsText(7n, 'PTS', 0)).toBe('7 PTS');
  });

  it('shortens an address to its first 6 and last 4 characters', () => {
    expect(shortAddress('0x1234567890abcdef1234567890abcdef12345678')).toBe('0x1234…5678');
    expect(shortAddress('0xabc')).toBe('0xabc');
  });
});
