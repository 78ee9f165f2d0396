import { describe, expect, it } from 'vitest';

import { parseAccountRef, parseIsoDate, parseReference } from './reference';

describe('references', () => {
  it('accepts a lowercase UUID v4 UETR and an EndToEndId', () => {
    expect(parseReference('eb6305c9-1f7f-49de-aed0-16487c27b42d')).toBe(
      'eb6305c9-1f7f-49de-aed0-16487c27b42d',
    );
    expect(parseReference('INV-2026/11-0042')).toBe('INV-2026/11-0042');
  });

  it.each([
    ['EB6305C9-1F7F-49DE-AED0-16487C27B42D', /not a lowercase UUID v4/],
    ['eb6305c9-1f7f-19de-aed0-16487c27b42d', /not a lowercase UUID v4/],
    ['x'.repeat(36), /1-35 SWIFT characters/],
    [' padded', /surrounding spaces/],
    ['semi;colon', /SWIFT characters/],
    ['NOTPROVIDED', /identifies no payment/],
    ['', /required/],
    [42, /required/],
  ])('refuses %j', (input, message) => {
    expect(() => parseReference(input)).toThrow(message);
  });

  it('checks IBAN check digits but accepts other account ids', () => {
    expect(parseAccountRef('DE89370400440532013000', 'payerRef')).toBe('DE89370400440532013000');
    expect(() => parseAccountRef('DE89370400440532013001', 'payerRef')).toThrow(/check digits/);
    expect(parseAccountRef('6222020200112233', 'payerRef')).toBe('6222020200112233');
    expect(() => parseAccountRef('has space', 'payerRef')).toThrow(/payerRef/);
  });

  it('accepts real dates only', () => {
    expect(parseIsoDate('2024-02-29', 'valueDate')).toBe('2024-02-29');
    expect(() => parseIsoDate('2023-02-29', 'valueDate')).toThrow(/not a real date/);
    expect(() => parseIsoDate('2023-13-01', 'valueDate')).toThrow(/not a real date/);
    expect(() => parseIsoDate('27/11/2026', 'valueDate')).toThrow(/YYYY-MM-DD/);
  });

  it('agrees with the calendar on every day number of every month, leap and century years included', () => {
    let checked = 0;
    for (const year of [1900, 2000, 2023, 2024, 2100]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          const d = new Date(Date.UTC(year, month - 1, day));
          const real = month >= 1 && month <= 12 && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
          if (real) expect(parseIsoDate(text, 'valueDate')).toBe(text);
          else expect(() => parseIsoDate(text, 'valueDate')).toThrow(/valueDate .* is not a real date/);
          checked++;
        }
      }
    }
    expect(checked).toBe(5 * 14 * 33);
  });
});
