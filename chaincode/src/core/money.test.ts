import { describe, expect, it } from 'vitest';

import { TallyError } from './errors';
import {
  AMOUNT_MINOR_MAX,
  majorTextToMinor,
  minorToMajorText,
  money,
  parseAmountMinor,
  parseCurrency,
} from './money';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof TallyError ? e.code : 'OTHER';
  }
  return 'NONE';
};

describe('money', () => {
  it('parses minor units from decimal strings into bigint', () => {
    expect(parseAmountMinor('12345')).toBe(12345n);
    expect(parseAmountMinor(AMOUNT_MINOR_MAX.toString())).toBe(AMOUNT_MINOR_MAX);
    expect(money('100', 'JPY')).toEqual({ amountMinor: 100n, currency: 'JPY' });
  });

  it.each([
    ['-5', /negative/],
    ['12.50', /whole number/],
    ['0', /greater than zero/],
    ['007', /leading zeros/],
    ['1e5', /whole number/],
    [(AMOUNT_MINOR_MAX + 1n).toString(), /leading zeros|maximum/],
    [12345, /not a JSON number/],
    [undefined, /required/],
  ])('refuses %j with a message that names the problem', (input, message) => {
    expect(() => parseAmountMinor(input, 'legs[3].amountMinor')).toThrow(message);
    expect(() => parseAmountMinor(input, 'legs[3].amountMinor')).toThrow(/legs\[3\]\.amountMinor/);
    expect(code(() => parseAmountMinor(input))).toBe('INVALID_AMOUNT');
  });

  it('knows ISO 4217 codes and refuses others', () => {
    expect(parseCurrency('EUR')).toBe('EUR');
    expect(parseCurrency('CNY')).toBe('CNY');
    expect(code(() => parseCurrency('XXX'))).toBe('UNKNOWN_CURRENCY');
    expect(code(() => parseCurrency('eur'))).toBe('UNKNOWN_CURRENCY');
    expect(code(() => parseCurrency('EURO'))).toBe('UNKNOWN_CURRENCY');
  });

  it('converts statement text to minor units by each currency exponent, never through a float', () => {
    expect(majorTextToMinor('1234.50', parseCurrency('EUR'))).toBe(123450n);
    expect(majorTextToMinor('1234,5', parseCurrency('EUR'))).toBe(123450n);
    expect(majorTextToMinor('-0.01', parseCurrency('USD'))).toBe(-1n);
    expect(majorTextToMinor('1500', parseCurrency('JPY'))).toBe(1500n);
    expect(majorTextToMinor('1.234', parseCurrency('BHD'))).toBe(1234n);
    expect(
      majorTextToMinor('0.1', parseCurrency('USD')) + majorTextToMinor('0.2', parseCurrency('USD')),
    ).toBe(30n);
    expect(() => majorTextToMinor('15.5', parseCurrency('JPY'))).toThrow(/more decimals than JPY/);
    expect(() => majorTextToMinor('12a', parseCurrency('EUR'))).toThrow(/not a decimal amount/);
  });

  it('formats minor units back to major-unit text', () => {
    expect(minorToMajorText(123450n, parseCurrency('EUR'))).toBe('1234.50');
    expect(minorToMajorText(5n, parseCurrency('EUR'))).toBe('0.05');
    expect(minorToMajorText(-1234n, parseCurrency('BHD'))).toBe('-1.234');
    expect(minorToMajorText(77n, parseCurrency('JPY'))).toBe('77');
  });
});
