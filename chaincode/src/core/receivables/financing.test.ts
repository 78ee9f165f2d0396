import { describe, expect, it } from 'vitest';

import { refusal } from '../../../../test/support/refusal';

import { daysBetween } from './calendar';
import { computeDiscount, parseFinancingTerms, type DayCount } from './financing';

/**
 * Worked examples, each computed by hand from the rule in docs/RECEIVABLES.md:
 *   discount = amount × rateBp × days / (10 000 × basis), rounded half up (a tie goes up)
 * The working is written out beside each row; none of it calls the code under test.
 */
interface Example {
  readonly what: string;
  readonly amountMinor: bigint;
  readonly rateBp: number;
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly dayCount: DayCount;
  readonly discountMinor: bigint;
}

const EXAMPLES: readonly Example[] = [
  {
    // 100 000 000 × 350 × 90 = 3 150 000 000 000; ÷ 3 600 000 = 875 000 exactly.
    what: 'CNY 1 000 000.00 at 3.50 % for 90 days, ACT/360: exact',
    amountMinor: 100_000_000n,
    rateBp: 350,
    from: '2030-01-10',
    to: '2030-04-10', // 21 (rest of Jan) + 28 + 31 + 10 = 90
    days: 90,
    dayCount: 'ACT/360',
    discountMinor: 875_000n,
  },
  {
    // 3 150 000 000 000 ÷ 3 650 000 = 863 013.698…; .698 ≥ .5: up to 863 014.
    what: 'the same on ACT/365F: rounds up',
    amountMinor: 100_000_000n,
    rateBp: 350,
    from: '2030-01-10',
    to: '2030-04-10',
    days: 90,
    dayCount: 'ACT/365F',
    discountMinor: 863_014n,
  },
  {
    // 2028 is a leap year: 15 Jan → 15 Feb is 31 days, 15 Feb → 15 Mar is 29: 60 days.
    // 5 000 000 × 400 × 60 = 120 000 000 000; ÷ 3 650 000 = 32 876.712…: up to 32 877.
    what: 'across 29 February 2028, ACT/365F (60 actual days, still ÷ 365)',
    amountMinor: 5_000_000n,
    rateBp: 400,
    from: '2028-01-15',
    to: '2028-03-15',
    days: 60,
    dayCount: 'ACT/365F',
    discountMinor: 32_877n,
  },
  {
    // 2027 is not: 31 + 28 = 59 days. 5 000 000 × 400 × 59 = 118 000 000 000; ÷ 3 650 000 = 32 328.767…: 32 329.
    what: 'the same dates in 2027 (59 days)',
    amountMinor: 5_000_000n,
    rateBp: 400,
    from: '2027-01-15',
    to: '2027-03-15',
    days: 59,
    dayCount: 'ACT/365F',
    discountMinor: 32_329n,
  },
  {
    // The whole of 2028: 366 days. 36 500 × 100 × 366 = 1 335 900 000; ÷ 3 650 000 = 366 exactly.
    what: 'a leap year whole, ACT/365F: 366/365 of a year',
    amountMinor: 36_500n,
    rateBp: 100,
    from: '2028-01-01',
    to: '2029-01-01',
    days: 366,
    dayCount: 'ACT/365F',
    discountMinor: 366n,
  },
  {
    // 1 335 900 000 ÷ 3 600 000 = 371.083…: down to 371.
    what: 'a leap year whole, ACT/360',
    amountMinor: 36_500n,
    rateBp: 100,
    from: '2028-01-01',
    to: '2029-01-01',
    days: 366,
    dayCount: 'ACT/360',
    discountMinor: 371n,
  },
  {
    // 1 800 × 100 × 10 = 1 800 000; ÷ 3 600 000 = 0.5 exactly: a tie goes up, to 1.
    what: 'a tie at one half, ACT/360: up',
    amountMinor: 1_800n,
    rateBp: 100,
    from: '2030-06-01',
    to: '2030-06-11',
    days: 10,
    dayCount: 'ACT/360',
    discountMinor: 1n,
  },
  {
    // 1 799 000 ÷ 3 600 000 = 0.4997…: down to 0.
    what: 'just under one half: down',
    amountMinor: 1_799n,
    rateBp: 100,
    from: '2030-06-01',
    to: '2030-06-11',
    days: 10,
    dayCount: 'ACT/360',
    discountMinor: 0n,
  },
  {
    // 1 801 000 ÷ 3 600 000 = 0.5002…: up to 1.
    what: 'just over one half: up',
    amountMinor: 1_801n,
    rateBp: 100,
    from: '2030-06-01',
    to: '2030-06-11',
    days: 10,
    dayCount: 'ACT/360',
    discountMinor: 1n,
  },
  {
    // 1 825 × 100 × 10 = 1 825 000; ÷ 3 650 000 = 0.5 exactly: up to 1.
    what: 'a tie at one half, ACT/365F: up',
    amountMinor: 1_825n,
    rateBp: 100,
    from: '2030-06-01',
    to: '2030-06-11',
    days: 10,
    dayCount: 'ACT/365F',
    discountMinor: 1n,
  },
  {
    // 1 824 000 ÷ 3 650 000 = 0.4997…: down to 0.
    what: 'just under one half, ACT/365F: down',
    amountMinor: 1_824n,
    rateBp: 100,
    from: '2030-06-01',
    to: '2030-06-11',
    days: 10,
    dayCount: 'ACT/365F',
    discountMinor: 0n,
  },
  {
    // 9 000 × 100 × 10 = 9 000 000; ÷ 3 600 000 = 2.5: up to 3 (half up, not to even, which would give 2).
    what: 'a tie at 2.5: 3, not banker’s 2',
    amountMinor: 9_000n,
    rateBp: 100,
    from: '2030-06-01',
    to: '2030-06-11',
    days: 10,
    dayCount: 'ACT/360',
    discountMinor: 3n,
  },
  {
    // 123 456 789 × 275 = 33 950 616 975; × 45 = 1 527 777 763 875; ÷ 3 600 000 = 424 382.712…: 424 383.
    what: 'an odd amount at 2.75 % for 45 days, ACT/360',
    amountMinor: 123_456_789n,
    rateBp: 275,
    from: '2030-02-01',
    to: '2030-03-18', // 27 days left in February 2030 (28 days) + 18 = 45
    days: 45,
    dayCount: 'ACT/360',
    discountMinor: 424_383n,
  },
  {
    // 1 527 777 763 875 ÷ 3 650 000 = 418 569.250…: down to 418 569.
    what: 'the same on ACT/365F',
    amountMinor: 123_456_789n,
    rateBp: 275,
    from: '2030-02-01',
    to: '2030-03-18',
    days: 45,
    dayCount: 'ACT/365F',
    discountMinor: 418_569n,
  },
  {
    // JPY has no minor unit: 1 000 000 yen × 3 600 × 1 = 3 600 000 000; ÷ 3 600 000 = 1 000 yen.
    what: 'the highest rate for one day, JPY',
    amountMinor: 1_000_000n,
    rateBp: 3600,
    from: '2030-12-31',
    to: '2031-01-01',
    days: 1,
    dayCount: 'ACT/360',
    discountMinor: 1_000n,
  },
  {
    // The largest amount: 999 999 999 999 999 999 × 3 600 × 366 = 1 317 599 999 999 999 998 682 400;
    // ÷ 3 600 000 = 365 999 999 999 999 999.634: up to 366 000 000 000 000 000 (no float anywhere).
    what: 'the largest amount at the highest rate for 366 days',
    amountMinor: 999_999_999_999_999_999n,
    rateBp: 3600,
    from: '2028-01-01',
    to: '2029-01-01',
    days: 366,
    dayCount: 'ACT/360',
    discountMinor: 366_000_000_000_000_000n,
  },
  {
    // A rate of 0 (the core enterprise bears the interest): no discount.
    what: 'a zero rate',
    amountMinor: 5_000_000n,
    rateBp: 0,
    from: '2030-01-01',
    to: '2030-07-01',
    days: 181,
    dayCount: 'ACT/365F',
    discountMinor: 0n,
  },
];

describe('the discount arithmetic', () => {
  it.each(EXAMPLES)('$what', (e) => {
    expect(daysBetween(e.from, e.to)).toBe(e.days);
    const fee = 1_000n > e.amountMinor / 2n ? 0n : 1_000n;
    const d = computeDiscount(e.amountMinor, e.rateBp, e.days, e.dayCount, fee);
    expect(d.discountMinor).toBe(e.discountMinor);
    // The fee is its own line: proceeds = amount − discount − fee, nothing else taken.
    expect(d.feeMinor).toBe(fee);
    expect(d.proceedsMinor).toBe(e.amountMinor - e.discountMinor - fee);
  });

  it('is never more than half a minor unit from the exact value, and a tie goes up', () => {
    for (let amount = 1n; amount <= 400n; amount += 7n)
      for (const rateBp of [0, 1, 99, 350, 3600])
        for (const days of [1, 29, 90, 181, 366])
          for (const dayCount of ['ACT/360', 'ACT/365F'] as const) {
            const basis = dayCount === 'ACT/360' ? 360n : 365n;
            const d = computeDiscount(amount, rateBp, days, dayCount, 0n).discountMinor;
            // d within half a unit of n/q, a tie up, in integers: 2n − q < 2dq ≤ 2n + q.
            const n = amount * BigInt(rateBp) * BigInt(days);
            const q = 10_000n * basis;
            expect(2n * d * q).toBeLessThanOrEqual(2n * n + q);
            expect(2n * d * q).toBeGreaterThan(2n * n - q);
          }
  });
});

describe('financing terms as given', () => {
  const ok = { dayCount: 'ACT/360', feeMinor: '0', rateBp: 350 };
  it('are read when sound', () => {
    expect(parseFinancingTerms(ok)).toEqual({ dayCount: 'ACT/360', feeMinor: 0n, rateBp: 350 });
    expect(parseFinancingTerms({ ...ok, dayCount: 'ACT/365F', feeMinor: '1500' }).feeMinor).toBe(1500n);
  });
  it.each([
    [{ ...ok, rateBp: -1 }, 'must not be negative'],
    [{ ...ok, rateBp: 3601 }, 'not a discount rate'],
    [{ ...ok, rateBp: 350.5 }, 'whole number of basis points'],
    [{ ...ok, rateBp: '350' }, 'whole number of basis points'],
    [{ ...ok, dayCount: '30/360' }, 'ACT/360 or ACT/365F'],
    [{ ...ok, feeMinor: 15 }, 'not a JSON number'],
    [{ ...ok, feeMinor: '-5' }, 'must not be negative'],
  ])('refuse %j', (terms, message) => {
    const r = refusal(() => parseFinancingTerms(terms));
    expect(r.code === 'INVALID_INPUT' || r.code === 'INVALID_AMOUNT').toBe(true);
    expect(r.detail).toContain(message);
  });
});
