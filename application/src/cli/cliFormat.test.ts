import { describe, expect, it } from 'vitest';

import { formatAge, formatAmount, table } from './cliFormat';

describe('amounts for people', () => {
  it('are in major units with the currency, by the exponent the core knows for it', () => {
    expect(formatAmount('119', 'CNY')).toBe('CNY 1.19');
    expect(formatAmount('5', 'CNY')).toBe('CNY 0.05');
    expect(formatAmount(27022n, 'CNY')).toBe('CNY 270.22');
    expect(formatAmount('500', 'JPY')).toBe('JPY 500');
    expect(formatAmount('1250', 'KWD')).toBe('KWD 1.250');
    expect(formatAmount('-1234', 'EUR')).toBe('EUR -12.34');
    expect(formatAmount('999999999999999999', 'USD')).toBe('USD 9999999999999999.99');
  });

  it('say so when they cannot be converted, instead of guessing', () => {
    expect(formatAmount('119', 'XAU')).toBe('XAU 119 (minor units)');
    expect(formatAmount('1.5', 'CNY')).toBe('CNY 1.5 (minor units)');
  });
});

describe('ages and tables', () => {
  it('read as minutes, hours or days', () => {
    expect(formatAge(59_999)).toBe('0 min');
    expect(formatAge(119 * 60_000)).toBe('119 min');
    expect(formatAge(120 * 60_000)).toBe('2 h');
    expect(formatAge(49 * 3_600_000)).toBe('2 d');
  });

  it('pad columns to the widest cell', () => {
    expect(
      table([
        ['a', 'bb', 'c'],
        ['ddd', 'e', 'f'],
      ]),
    ).toEqual(['a    bb  c', 'ddd  e   f']);
  });
});
