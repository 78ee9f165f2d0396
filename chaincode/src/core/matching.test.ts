import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  canonicalRoute,
  MATCH_FIELDS,
  routeText,
  type LegRole,
  type MatchField,
  type RouteStop,
} from './leg';
import {
  evaluateCase,
  FIELD_REASON,
  liveLegs,
  type BreakReason,
  type Finding,
  type LegFacts,
  type LegRef,
  type Verdict,
} from './matching';

/** The matching rules written the plain way (every grouping built): what the fast path must agree with. */
function referenceVerdict(legs: readonly LegFacts[], serviceLevelPassed: boolean): Verdict {
  const ref = (l: LegFacts): LegRef => ({ legId: l.legId, mspId: l.mspId, role: l.role });
  const stopKey = (s: RouteStop) => `${s.mspId}/${s.role}`;
  const groupBy = <T>(items: readonly T[], keyOf: (t: T) => string): T[][] => {
    const groups = new Map<string, T[]>();
    for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
    return [...groups.values()];
  };
  const sorted = [...legs].sort((a, b) => (a.legId < b.legId ? -1 : a.legId > b.legId ? 1 : 0));
  const findings: Finding[] = [];
  const expectedByKey = new Map<string, RouteStop>();
  for (const l of sorted) for (const s of l.route) expectedByKey.set(stopKey(s), s);
  const expected = canonicalRoute([...expectedByKey.values()]);
  const routeGroups = groupBy(sorted, (l) => routeText(l.route));
  if (routeGroups.length > 1)
    findings.push({
      key: 'UNEXPECTED_LEG:route',
      reason: 'UNEXPECTED_LEG',
      detail: { groups: routeGroups.map((g) => g.map(ref)) },
    });
  const byStop = groupBy(sorted, (l) => stopKey(l));
  for (const group of byStop)
    if (group.length > 1)
      findings.push({
        key: `DUPLICATE:${stopKey(group[0] as LegFacts)}`,
        reason: 'DUPLICATE',
        detail: { legs: group.map(ref) },
      });
  const primary = byStop.map((g) => g[0] as LegFacts);
  const currencyDiffers = groupBy(primary, (l) => l.digests.currency).length > 1;
  const differing = new Map<BreakReason, { fields: MatchField[]; groups: LegRef[][] }>();
  for (const field of MATCH_FIELDS) {
    if (field === 'amountMinor' && currencyDiffers) continue;
    const groups = groupBy(primary, (l) => l.digests[field]);
    if (groups.length < 2) continue;
    const entry = differing.get(FIELD_REASON[field]) ?? { fields: [], groups: [] };
    entry.fields.push(field);
    if (entry.groups.length === 0) entry.groups = groups.map((g) => g.map(ref));
    differing.set(FIELD_REASON[field], entry);
  }
  for (const [reason, { fields, groups }] of differing)
    findings.push({ key: reason, reason, detail: { fields, groups } });
  const present = new Set(sorted.map(stopKey));
  const missing = expected.filter((s) => !present.has(stopKey(s)));
  if (serviceLevelPassed && missing.length > 0)
    findings.push({ key: 'MISSING_LEG', reason: 'MISSING_LEG', detail: { missing } });
  findings.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const status = findings.length > 0 ? 'BROKEN' : missing.length === 0 ? 'MATCHED' : 'PENDING';
  return { status, expected, findings };
}

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

  it('matches on the live legs: a corrected leg no longer counts, its correction does (and a chain leaves its last)', () => {
    const wrong = credit({ amountMinor: 'a2' });
    expect(evaluateCase([debit(), entry(), wrong], false).status).toBe('BROKEN');
    const fixed: LegFacts = { ...credit(), legId: 'b-2', corrects: 'b-1' };
    const v = evaluateCase([debit(), entry(), wrong, fixed], false);
    expect(v).toEqual(evaluateCase([debit(), entry(), fixed], false));
    expect(v.status).toBe('MATCHED');
    // a correction that gets it wrong again breaks the case again; its own correction mends it
    const again: LegFacts = { ...credit({ valueDate: 'd9' }), legId: 'b-2', corrects: 'b-1' };
    expect(evaluateCase([debit(), entry(), wrong, again], false).findings.map((f) => f.reason)).toEqual([
      'VALUE_DATE_MISMATCH',
    ]);
    const third: LegFacts = { ...credit(), legId: 'b-3', corrects: 'b-2' };
    expect(evaluateCase([third, debit(), again, entry(), wrong], false).status).toBe('MATCHED');
    // only the institution's own leg is superseded: another institution's leg of the same id is not
    const foreign: LegFacts = { ...entry(), legId: 'b-1', corrects: 'zz' };
    expect(liveLegs([wrong, foreign])).toEqual([wrong, foreign]);
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

  it('reports other cases of the same reference (other routes declared for it) as one unexpected-leg finding', () => {
    const others = ['f'.repeat(64), 'e'.repeat(64)];
    const v = evaluateCase([debit(), entry(), credit()], false, others);
    expect(v.status).toBe('BROKEN');
    expect(v.findings).toEqual([
      {
        key: 'UNEXPECTED_LEG:route',
        reason: 'UNEXPECTED_LEG',
        detail: { otherCases: ['e'.repeat(64), 'f'.repeat(64)] },
      },
    ]);
    // The order the other cases were learnt in does not matter, and without them the case matches.
    expect(evaluateCase([credit(), debit(), entry()], false, [...others].reverse())).toEqual(v);
    expect(evaluateCase([debit(), entry(), credit()], false, []).status).toBe('MATCHED');
  });

  it('agrees with the rules written the plain way, on any legs, routes and digests (property)', () => {
    const stops: RouteStop[] = [
      { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
      { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
      { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
      { mspId: 'PayCoMSP', role: 'CREDITOR_AGENT' },
    ];
    const stop = fc.constantFrom(...stops);
    // Routes as stored (canonical), listed in another order, with a stop twice, or a different one.
    const route = fc.oneof(
      fc.constant(ROUTE),
      fc.constant([...ROUTE].reverse()),
      fc.array(stop, { minLength: 1, maxLength: 4 }),
    );
    const digests = fc.record(
      Object.fromEntries(MATCH_FIELDS.map((f) => [f, fc.constantFrom('x', 'y', 'z')])) as Record<
        MatchField,
        fc.Arbitrary<string>
      >,
    );
    const legs = fc.uniqueArray(fc.record({ id: fc.stringMatching(/^[a-z]{1,3}$/), stop, digests, route }), {
      minLength: 0,
      maxLength: 6,
      selector: (l) => l.id,
    });
    fc.assert(
      fc.property(legs, fc.boolean(), (raw, passed) => {
        const facts = raw.map((r) => leg(r.id, r.stop.mspId, r.stop.role, r.digests, r.route));
        expect(evaluateCase(facts, passed)).toEqual(referenceVerdict(facts, passed));
      }),
      { numRuns: 3000 },
    );
    // And the usual shapes, many times over: matched, pending, and one field off.
    for (const passed of [false, true]) {
      for (const facts of [
        [debit(), entry(), credit()],
        [debit(), credit()],
        [debit(), entry(), credit({ amountMinor: 'other' })],
        [debit(), entry({ currency: 'c2' }), credit({ outcome: 'o2' })],
      ]) {
        expect(evaluateCase(facts, passed)).toEqual(referenceVerdict(facts, passed));
      }
    }
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
