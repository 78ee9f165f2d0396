import { describe, expect, it } from 'vitest';

import { refusal } from '../../../../test/support/refusal';

import { addDays, dayOf, daysBetween } from './dates';
import { GENESIS_POLICY, parsePolicy, samePolicy, type BlacklistPolicy } from './policy';

const copy = (p: BlacklistPolicy): Record<string, unknown> =>
  JSON.parse(JSON.stringify(p)) as Record<string, unknown>;

describe('blacklist policy', () => {
  it('the genesis policy passes its own parser and comes back the same (canonical order)', () => {
    const parsed = parsePolicy(copy(GENESIS_POLICY));
    expect(parsed).toEqual(GENESIS_POLICY);
    expect(JSON.stringify(parsed)).toBe(JSON.stringify(GENESIS_POLICY));
    expect(samePolicy(parsed, GENESIS_POLICY)).toBe(true);
  });

  it('sorts codes and categories, whatever order they were written in', () => {
    const raw = copy(GENESIS_POLICY);
    raw.indicators = [...GENESIS_POLICY.indicators].reverse();
    raw.categories = Object.fromEntries(Object.entries(GENESIS_POLICY.categories).reverse());
    expect(JSON.stringify(parsePolicy(raw))).toBe(JSON.stringify(GENESIS_POLICY));
  });

  it('tells a changed policy from the one in force', () => {
    const changed = parsePolicy({ ...copy(GENESIS_POLICY), disputes: { answerDays: 7, voteDays: 14 } });
    expect(samePolicy(changed, GENESIS_POLICY)).toBe(false);
  });

  const bad: [string, (p: Record<string, unknown>) => void, string][] = [
    ['an unknown field', (p) => (p.extra = 1), 'policy.extra is not a field'],
    ['a missing field', (p) => delete p.purposes, 'policy.purposes must be an array'],
    ['a lower-case code', (p) => (p.indicators = ['police_report']), 'policy.indicators[0] must be a code'],
    ['a code twice', (p) => (p.purposes = ['A', 'A']), 'policy.purposes names A twice'],
    ['no categories', (p) => (p.categories = {}), 'policy.categories must hold 1 to 64 codes'],
    [
      'a fractional threshold',
      (p) => (p.categories = { FRAUD: { indicatorsMin: 1.5, listingDaysMax: 10 } }),
      'policy.categories.FRAUD.indicatorsMin must be a whole number from 1 to 16',
    ],
    [
      'a listing period over ten years',
      (p) => (p.categories = { FRAUD: { indicatorsMin: 1, listingDaysMax: 4000 } }),
      'policy.categories.FRAUD.listingDaysMax must be a whole number from 1 to 3660',
    ],
    [
      'more indicators needed than exist',
      (p) => {
        p.indicators = ['ONE'];
        p.categories = { FRAUD: { indicatorsMin: 2, listingDaysMax: 10 } };
      },
      'indicatorsMin is 2, but the policy names only 1 indicators',
    ],
    [
      'an exempt purpose that is not a purpose',
      (p) => (p.exemptPurposes = ['GOSSIP']),
      'policy.exemptPurposes names GOSSIP, which is not one of policy.purposes',
    ],
    [
      'a metering value as a string',
      (p) => (p.metering = { ...(p.metering as object), queriesBase: '100' }),
      'policy.metering.queriesBase must be a whole number',
    ],
    [
      'a deadline of zero days',
      (p) => (p.disputes = { answerDays: 0, voteDays: 14 }),
      'policy.disputes.answerDays must be a whole number from 1 to 366',
    ],
  ];
  it.each(bad)('refuses %s with INVALID_INPUT naming the field', (_name, change, message) => {
    const raw = copy(GENESIS_POLICY);
    change(raw);
    const r = refusal(() => parsePolicy(raw));
    expect(r.code).toBe('INVALID_INPUT');
    expect(r.detail).toContain(message);
  });
});

describe('blacklist dates (whole UTC days of ledger time)', () => {
  it('counts days across months, leap days and years', () => {
    expect(dayOf('2028-02-28T23:59:59.999Z')).toBe('2028-02-28');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2028-02-28', 2)).toBe('2028-03-01');
    expect(addDays('2030-12-31', 1)).toBe('2031-01-01');
    expect(addDays('2030-01-10', -10)).toBe('2029-12-31');
    expect(daysBetween('2030-01-01', '2031-01-01')).toBe(365);
    expect(daysBetween('2028-01-01', '2029-01-01')).toBe(366);
    expect(daysBetween('2030-01-02', '2030-01-01')).toBe(-1);
  });
});
