import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { canonicalRoute, LEG_ROLES, type RouteStop } from '../core/leg';
import {
  decodeLedgerChanges,
  encodeLedgerChanges,
  type BreakChange,
  type CaseChange,
  type LedgerChanges,
  type LegChange,
} from './events';

const iso = fc.integer({ min: 0, max: 4_000_000_000_000 }).map((ms) => new Date(ms).toISOString());
const mspId = fc.constantFrom('BankAMSP', 'BankBMSP', 'ClearingHouseMSP', 'PayCoMSP', 'Bank.C-1');
const caseId = fc.stringMatching(/^[0-9a-f]{64}$/);
const route: fc.Arbitrary<RouteStop[]> = fc
  .uniqueArray(fc.record({ mspId, role: fc.constantFrom(...LEG_ROLES) }), {
    minLength: 2,
    maxLength: 4,
    selector: (s) => `${s.mspId}/${s.role}`,
  })
  .map((stops) => canonicalRoute(stops));
const parties = fc.uniqueArray(mspId, { minLength: 1, maxLength: 4 }).map((p) => [...p].sort());

const caseChange = (id: fc.Arbitrary<string>): fc.Arbitrary<CaseChange> =>
  fc.record(
    {
      caseId: id,
      dueAtMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      expected: route,
      legCount: fc.integer({ min: 0, max: 9 }),
      // Only the transaction that added notices to a case lists them.
      notices: fc.array(
        fc.record({
          b: fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/),
          t: fc.stringMatching(/^[A-Za-z0-9_-]{16,22}$/),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      openedAt: iso,
      parties,
      status: fc.constantFrom('PENDING' as const, 'MATCHED' as const, 'BROKEN' as const),
      updatedAt: iso,
    },
    {
      requiredKeys: [
        'caseId',
        'dueAtMs',
        'expected',
        'legCount',
        'openedAt',
        'parties',
        'status',
        'updatedAt',
      ],
    },
  );

const breakChange: fc.Arbitrary<BreakChange> = fc.record({
  action: fc.constantFrom('OPEN' as const, 'CLEAR' as const, 'UPDATE' as const),
  breakId: fc.string({ minLength: 1, maxLength: 12 }).map((s) => `brk-${s}`),
  caseId,
  detail: fc.constant({ field: 'amountMinor' }) as unknown as fc.Arbitrary<BreakChange['detail']>,
  findingKey: fc.constantFrom('AMOUNT_MISMATCH', 'MISSING_LEG:BankBMSP/CREDITOR_AGENT'),
  openedAt: iso,
  parties,
  people: fc.constantFrom('', 's1.AAAAAAAAAAAAAAAA.c2VhbGVk'),
  reason: fc.constantFrom('AMOUNT_MISMATCH' as const, 'MISSING_LEG' as const),
  status: fc.constantFrom('OPEN' as const, 'RESOLVED' as const),
});

/** Changes as a transaction emits them: most legs belong to a listed case and carry the transaction's time. */
const changes: fc.Arbitrary<LedgerChanges> = fc
  .record({
    at: iso,
    txId: fc.stringMatching(/^[0-9a-f]{64}$/),
    cases: fc.uniqueArray(caseChange(caseId), { maxLength: 6, selector: (c) => c.caseId }),
    breaks: fc.array(breakChange, { maxLength: 2 }),
    legSeeds: fc.array(
      fc.record({
        pick: fc.nat(),
        own: fc.boolean(),
        otherCase: caseId,
        legId: fc.string({ minLength: 1, maxLength: 16 }),
        mspId,
        role: fc.constantFrom(...LEG_ROLES),
        atTx: fc.boolean(),
        postedAt: iso,
        corrects: fc.option(fc.string({ minLength: 1, maxLength: 16 }), { nil: undefined }),
      }),
      { maxLength: 8 },
    ),
  })
  .map(({ at, txId, cases, breaks, legSeeds }) => ({
    at,
    breaks,
    cases,
    legs: legSeeds.map((s): LegChange => ({
      caseId: s.own && cases.length > 0 ? (cases[s.pick % cases.length] as CaseChange).caseId : s.otherCase,
      ...(s.corrects === undefined ? {} : { corrects: s.corrects }),
      legId: s.legId,
      mspId: s.mspId,
      postedAt: s.atTx ? at : s.postedAt,
      role: s.role,
    })),
    txId,
  }));

describe('the ledger changes event', () => {
  it('decodes to the changes that were encoded (property)', () => {
    fc.assert(
      fc.property(changes, (c) => {
        expect(decodeLedgerChanges(encodeLedgerChanges(c))).toEqual(c);
      }),
    );
  });

  it('is deterministic: the same changes give the same bytes', () => {
    fc.assert(
      fc.property(changes, (c) => {
        expect(encodeLedgerChanges(c).equals(encodeLedgerChanges(structuredClone(c)))).toBe(true);
      }),
    );
  });

  it('reads the plain JSON of events written before the compact format', () => {
    fc.assert(
      fc.property(changes, (c) => {
        expect(decodeLedgerChanges(Buffer.from(JSON.stringify(c)))).toEqual(c);
      }),
    );
  });

  it('lists each route and party list once: a 500-leg batch in under 45 % of the plain size', () => {
    const expected: RouteStop[] = [
      { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
      { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
      { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
    ];
    const at = '2026-11-27T21:00:57.659Z';
    const cases = Array.from({ length: 500 }, (_, i): CaseChange => ({
      caseId: i.toString(16).padStart(64, '0'),
      dueAtMs: 1_795_813_317_488,
      expected,
      legCount: 2,
      openedAt: '2026-11-27T21:00:57.488Z',
      parties: ['BankAMSP', 'BankBMSP', 'ClearingHouseMSP'],
      status: 'PENDING',
      updatedAt: at,
    }));
    const batch: LedgerChanges = {
      at,
      breaks: [],
      cases,
      legs: cases.map((c, i) => ({
        caseId: c.caseId,
        legId: `C-x-${i}`,
        mspId: 'ClearingHouseMSP',
        postedAt: at,
        role: 'CLEARING',
      })),
      txId: 'f'.repeat(64),
    };
    const wire = encodeLedgerChanges(batch);
    const json = JSON.parse(wire.toString('utf8')) as { routes: string[]; partySets: string[][] };
    expect(json.routes).toEqual(['BankAMSP/DEBTOR_AGENT>ClearingHouseMSP/CLEARING>BankBMSP/CREDITOR_AGENT']);
    expect(json.partySets).toEqual([['BankAMSP', 'BankBMSP', 'ClearingHouseMSP']]);
    expect(wire.length).toBeLessThan(JSON.stringify(batch).length * 0.45);
    expect(decodeLedgerChanges(wire)).toEqual(batch);
  });

  it('refuses an unknown format and an index that names nothing', () => {
    const one = (extra: Record<string, unknown>) =>
      Buffer.from(
        JSON.stringify({
          at: 'x',
          breaks: [],
          cases: [],
          legs: [],
          partySets: [],
          routes: [],
          txId: 't1',
          v: 2,
          ...extra,
        }),
      );
    expect(() => decodeLedgerChanges(one({ v: 3 }))).toThrow(/transaction t1: unknown format 3/);
    expect(() => decodeLedgerChanges(one({ legs: [[0, 'l', 'BankAMSP', 'CLEARING', '']] }))).toThrow(
      /no case 0/,
    );
    expect(() =>
      decodeLedgerChanges(one({ cases: [['c', 'PENDING', 1, 'x', 'x', 0, 0, 0]], partySets: [['A']] })),
    ).toThrow(/no route 0/);
  });
});
