import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MATCH_FIELDS, type LegRole, type MatchField, type RouteStop } from './leg';
import { evaluateCase, type LegFacts } from './matching';

const ROUTE: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];
const SAME: Record<MatchField, string> = {
  amountMinor: 'a1',
  currency: 'c1',
  valueDate: 'd1',
  payerRef: 'p1',
  payeeRef: 'q1',
  outcome: 'o1',
};

function leg(
  legId: string,
  mspId: string,
  role: LegRole,
  over: Partial<Record<MatchField, string>> = {},
  route = ROUTE,
): LegFacts {
  return { legId, mspId, role, route, digests: { ...SAME, ...over } };
}

const debit = (over: Partial<Record<MatchField, string>> = {}) =>
  leg('a-1', 'BankAMSP', 'DEBTOR_AGENT', over);
const entry = (over: Partial<Record<MatchField, string>> = {}) =>
  leg('c-1', 'ClearingHouseMSP', 'CLEARING', over);
const credit = (over: Partial<Record<MatchField, string>> = {}) =>
  leg('b-1', 'BankBMSP', 'CREDITOR_AGENT', over);

describe('evaluateCase', () => {
  it('matches a complete route whose legs agree on every field', () => {
    const v = evaluateCase([debit(), entry(), credit()], false);
    expect(v.status).toBe('MATCHED');
    expect(v.findings).toEqual([]);
  });

  it('waits for missing legs until the service level passes, then reports them', () => {
    expect(evaluateCase([debit(), entry()], false)).toMatchObject({ status: 'PENDING', findings: [] });
    const late = evaluateCase([debit(), entry()], true);
    expect(late.status).toBe('BROKEN');
    expect(late.findings).toEqual([
      { key: 'MISSING_LEG', reason: 'MISSING_LEG', detail: { missing: [ROUTE[2]] } },
    ]);
  });

  it.each([
    ['amountMinor', 'AMOUNT_MISMATCH'],
    ['currency', 'CURRENCY_MISMATCH'],
    ['valueDate', 'VALUE_DATE_MISMATCH'],
    ['payerRef', 'ACCOUNT_MISMATCH'],
    ['payeeRef', 'ACCOUNT_MISMATCH'],
    ['outcome', 'STATUS_CONFLICT'],
  ] as const)('a differing %s is a %s that names the legs on each side', (field, reason) => {
    const v = evaluateCase([debit(), entry(), credit({ [field]: 'other' })], false);
    expect(v.status).toBe('BROKEN');
    expect(v.findings).toHaveLength(1);
    const f = v.findings[0];
    expect(f?.reason).toBe(reason);
    expect(f?.detail.fields).toEqual([field]);
    expect(f?.detail.groups?.map((g) => g.map((l) => l.legId).sort())).toEqual(
      expect.arrayContaining([['a-1', 'c-1'], ['b-1']]),
    );
  });

  it('does not compare amounts across different currencies', () => {
    const v = evaluateCase([debit(), entry(), credit({ currency: 'c2', amountMinor: 'a2' })], false);
    expect(v.findings.map((f) => f.reason)).toEqual(['CURRENCY_MISMATCH']);
  });

  it('reports a second leg at the same stop as a duplicate, and breaks a matched case', () => {
    const dup = leg('a-2', 'BankAMSP', 'DEBTOR_AGENT');
    const v = evaluateCase([debit(), entry(), credit(), dup], false);
    expect(v.status).toBe('BROKEN');
    expect(v.findings).toEqual([
      {
        key: 'DUPLICATE:BankAMSP/DEBTOR_AGENT',
        reason: 'DUPLICATE',
        detail: {
          legs: [
            { legId: 'a-1', mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
            { legId: 'a-2', mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
          ],
        },
      },
    ]);
  });

  it('reports a leg on a route the others do not declare as unexpected, and expects the union', () => {
    const other: RouteStop[] = [
      ROUTE[0] as RouteStop,
      ROUTE[1] as RouteStop,
      { mspId: 'PayCoMSP', role: 'CREDITOR_AGENT' },
    ];
    const v = evaluateCase(
      [debit(), entry(), credit(), leg('p-1', 'PayCoMSP', 'CREDITOR_AGENT', {}, other)],
      false,
    );
    expect(v.findings.map((f) => f.reason)).toEqual(['UNEXPECTED_LEG']);
    expect(v.expected).toHaveLength(4);
  });

  it('gives the same verdict whatever the order the legs arrived in (property)', () => {
    const stop = fc.constantFrom<[string, LegRole]>(
      ['BankAMSP', 'DEBTOR_AGENT'],
      ['ClearingHouseMSP', 'CLEARING'],
      ['BankBMSP', 'CREDITOR_AGENT'],
      ['PayCoMSP', 'CREDITOR_AGENT'],
    );
    const digests = fc.record(
      Object.fromEntries(MATCH_FIELDS.map((f) => [f, fc.constantFrom('x', 'y')])) as Record<
        MatchField,
        fc.Arbitrary<string>
      >,
    );
    const legs = fc.uniqueArray(
      fc.record({ id: fc.stringMatching(/^[a-z]{1,4}$/), stop, digests, altRoute: fc.boolean() }),
      { minLength: 1, maxLength: 6, selector: (l) => l.id },
    );
    fc.assert(
      fc.property(legs, fc.boolean(), fc.infiniteStream(fc.nat()), (raw, passed, seeds) => {
        const facts = raw.map((r) =>
          leg(
            r.id,
            r.stop[0],
            r.stop[1],
            r.digests,
            r.altRoute ? [ROUTE[0] as RouteStop, { mspId: 'PayCoMSP', role: 'CREDITOR_AGENT' }] : ROUTE,
          ),
        );
        const shuffled = [...facts];
        const it = seeds[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (it.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as LegFacts, shuffled[i] as LegFacts];
        }
        expect(evaluateCase(shuffled, passed)).toEqual(evaluateCase(facts, passed));
      }),
      { numRuns: 500 },
    );
  });
});
