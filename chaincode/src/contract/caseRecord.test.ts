import { createHash } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { canonicalRoute, LEG_ROLES, MATCH_FIELDS, type RouteStop } from '../core/leg';
import type { CaseLeg, CaseRecord } from '../api/reconciliation';
import { canonicalJson } from '../ledger/codec';
import {
  CASE_RECORD_FORMAT,
  decodeCaseRecord,
  decodeReferenceCases,
  encodeCaseRecord,
  encodeReferenceCases,
  STORED_DIGEST_ORDER,
  type StoredCaseLeg,
} from './caseRecord';

const mspId = fc.stringMatching(/^[A-Za-z][A-Za-z0-9.-]{0,12}$/);
const stop = fc.record({ mspId, role: fc.constantFrom(...LEG_ROLES) });
const route = fc
  .uniqueArray(stop, { minLength: 2, maxLength: 6, selector: (s) => `${s.mspId}/${s.role}` })
  .map((stops) => canonicalRoute(stops));
// Drawn often from two fixed values, so that later legs often repeat the first leg's digests, as matching legs do.
const digest = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64')),
  fc.constantFrom(...['one', 'two'].map((t) => createHash('sha256').update(t).digest('base64'))),
);
const iso = fc.integer({ min: 0, max: 4_000_000_000_000 }).map((ms) => new Date(ms).toISOString());
const leg = (caseRoute: RouteStop[]): fc.Arbitrary<CaseLeg> =>
  fc.record(
    {
      digests: fc.record(
        Object.fromEntries(MATCH_FIELDS.map((f) => [f, digest])) as Record<
          (typeof MATCH_FIELDS)[number],
          fc.Arbitrary<string>
        >,
      ),
      corrects: fc.string({ minLength: 1, maxLength: 20 }),
      legId: fc.string({ minLength: 1, maxLength: 20 }),
      mspId,
      postedAt: iso,
      role: fc.constantFrom(...LEG_ROLES),
      route: fc.constant(caseRoute),
      txId: fc.stringMatching(/^[0-9a-f]{64}$/),
    },
    { requiredKeys: ['digests', 'legId', 'mspId', 'postedAt', 'role', 'route', 'txId'] },
  );
const record: fc.Arbitrary<CaseRecord> = route.chain((caseRoute) =>
  fc.record(
    {
      awaitingLegs: fc.boolean(),
      breaks: fc.array(
        fc.record({
          breakId: fc.string(),
          cleared: fc.boolean(),
          findingKey: fc.string(),
          open: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
      caseId: fc.stringMatching(/^[0-9a-f]{64}$/),
      dueAtMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      expected: fc.constant(caseRoute),
      legs: fc.array(leg(caseRoute), { maxLength: 6 }),
      matchedAt: iso,
      notices: fc.array(
        fc.record({
          b: fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/),
          t: fc.stringMatching(/^[A-Za-z0-9_-]{16,22}$/),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      openedAt: iso,
      otherCases: fc.array(fc.stringMatching(/^[0-9a-f]{64}$/), { maxLength: 2 }),
      parties: fc.array(mspId, { maxLength: 6 }),
      serviceLevelMs: fc.integer({ min: 1000, max: 86_400_000 }),
      status: fc.constantFrom('PENDING' as const, 'MATCHED' as const, 'BROKEN' as const),
      updatedAt: iso,
    },
    {
      requiredKeys: [
        'awaitingLegs',
        'breaks',
        'caseId',
        'dueAtMs',
        'expected',
        'legs',
        'openedAt',
        'otherCases',
        'parties',
        'serviceLevelMs',
        'status',
        'updatedAt',
      ],
    },
  ),
);

describe('the stored case record', () => {
  it('decodes to the record it was encoded from, through its canonical JSON (property)', () => {
    fc.assert(
      fc.property(record, (r) => {
        const stored = JSON.parse(canonicalJson(encodeCaseRecord(r))) as unknown;
        expect(decodeCaseRecord(stored)).toEqual(r);
        // The decoded record is what the chaincode returns: its canonical JSON is the full record's.
        expect(canonicalJson(decodeCaseRecord(stored))).toBe(canonicalJson(r));
      }),
    );
  });

  it('stores fields, legs and breaks as arrays and the route once: a matched three-leg case in under 45 % of the full size', () => {
    const expected: RouteStop[] = [
      { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
      { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
      { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
    ];
    const digests = Object.fromEntries(
      MATCH_FIELDS.map((f) => [f, createHash('sha256').update(f).digest('base64')]),
    ) as CaseLeg['digests'];
    const three: CaseRecord = {
      awaitingLegs: false,
      breaks: [],
      caseId: 'c'.repeat(64),
      dueAtMs: 1_795_803_508_924,
      expected,
      legs: expected.map((s, i) => ({
        digests,
        legId: `${s.mspId.slice(0, 1)}-x${i}`,
        mspId: s.mspId,
        postedAt: '2026-11-27T18:17:29.199Z',
        role: s.role,
        route: expected,
        txId: String(i).repeat(64),
      })),
      matchedAt: '2026-11-27T18:17:29.199Z',
      openedAt: '2026-11-27T18:17:28.924Z',
      otherCases: [],
      parties: ['BankAMSP', 'BankBMSP', 'ClearingHouseMSP'],
      serviceLevelMs: 60_000,
      status: 'MATCHED',
      updatedAt: '2026-11-27T18:17:29.199Z',
    };
    const stored = encodeCaseRecord(three);
    const route = 'BankAMSP/DEBTOR_AGENT>ClearingHouseMSP/CLEARING>BankBMSP/CREDITOR_AGENT';
    expect(stored[0]).toBe(CASE_RECORD_FORMAT);
    // The case's route, stored once: no leg repeats it.
    expect(stored[9]).toBe(route);
    expect(stored[12].map((l) => [Array.isArray(l), l.length])).toEqual([
      [true, 6],
      [true, 6],
      [true, 6],
    ]);
    // The later legs match the first: they store no digest of their own.
    const allDigests = STORED_DIGEST_ORDER.map((f) => digests[f]).join('.');
    expect(stored[12].map((l) => l[5])).toEqual([allDigests, '.....', '.....']);
    expect(canonicalJson(stored).length).toBeLessThan(canonicalJson(three).length * 0.45);
    expect(decodeCaseRecord(JSON.parse(canonicalJson(stored)))).toEqual(three);
  });

  it('keeps break references and their flags', () => {
    const r = fc.sample(record, { numRuns: 1, seed: 8 })[0] as CaseRecord;
    const breaks = [
      { breakId: 'brk-1', cleared: false, findingKey: 'AMOUNT_MISMATCH', open: true },
      { breakId: 'brk-2', cleared: true, findingKey: 'MISSING_LEG:BankBMSP/CREDITOR_AGENT', open: false },
    ];
    const stored = encodeCaseRecord({ ...r, breaks });
    expect(stored[13]).toEqual([
      ['brk-1', 'AMOUNT_MISMATCH', 1, 0],
      ['brk-2', 'MISSING_LEG:BankBMSP/CREDITOR_AGENT', 0, 1],
    ]);
    expect(decodeCaseRecord(JSON.parse(canonicalJson(stored))).breaks).toEqual(breaks);
  });

  it("stores a later leg's digest only where it differs from the first leg's", () => {
    const [a, b] = fc.sample(
      record.filter((r) => r.legs.length >= 2),
      { numRuns: 2, seed: 11 },
    ) as [CaseRecord, CaseRecord];
    const first = a.legs[0] as CaseLeg;
    const later = b.legs[1] as CaseLeg;
    const differs = {
      ...later,
      route: first.route,
      digests: { ...first.digests, currency: 'X'.repeat(43) + '=' },
    };
    const stored = encodeCaseRecord({ ...a, legs: [first, differs] });
    expect(stored[12][1]?.[5]).toBe(`.${'X'.repeat(43)}=....`);
    expect(decodeCaseRecord(JSON.parse(canonicalJson(stored))).legs).toEqual([first, differs]);
  });

  it('refuses a first leg with an empty digest, and a leg without six digests', () => {
    const [r] = fc.sample(
      record.filter((x) => x.legs.length >= 2),
      { numRuns: 1, seed: 5 },
    ) as [CaseRecord];
    const stored = encodeCaseRecord(r);
    const [l0, ...rest] = stored[12] as [StoredCaseLeg, ...StoredCaseLeg[]];
    const withLegs = (legs: StoredCaseLeg[]): unknown => [...stored.slice(0, 12), legs, stored[13]];
    const withDigests = (l: StoredCaseLeg, d: string): StoredCaseLeg => [l[0], l[1], l[2], l[3], l[4], d];
    expect(() => decodeCaseRecord(withLegs([withDigests(l0, '.....'), ...rest]))).toThrow(
      /first leg .* leaves the amountMinor digest empty/,
    );
    expect(() => decodeCaseRecord(withLegs([withDigests(l0, 'a.b'), ...rest]))).toThrow(
      /does not hold 6 digests/,
    );
  });

  it("refuses a record without its format tag, and a leg whose route is not the case's", () => {
    const r = fc.sample(record, { numRuns: 1, seed: 3 })[0] as CaseRecord;
    const stored = encodeCaseRecord(r);
    expect(() => decodeCaseRecord([3, ...stored.slice(1)])).toThrow(/must start with case\/1, found 3/);
    expect(() => decodeCaseRecord({ caseId: 'c', v: 3 })).toThrow(/must start with case\/1/);
    const other: RouteStop[] = [
      { mspId: 'A', role: 'DEBTOR_AGENT' },
      { mspId: 'Z', role: 'CREDITOR_AGENT' },
    ];
    const stray = fc.sample(leg(other), 1)[0] as CaseLeg;
    expect(() => encodeCaseRecord({ ...r, expected: [other[0] as RouteStop], legs: [stray] })).toThrow(
      /declares a route other than the case's/,
    );
  });

  it('keeps the cases of one reference under one key: each case/1 record, and nothing else', () => {
    const [a, b] = fc.sample(record, { numRuns: 2, seed: 9 }) as [CaseRecord, CaseRecord];
    const stored = JSON.parse(canonicalJson(encodeReferenceCases([a, b]))) as unknown;
    expect(decodeReferenceCases(stored)).toEqual([a, b]);
    expect(() => decodeReferenceCases([])).toThrow(/non-empty array of case records/);
    expect(() => decodeReferenceCases(encodeCaseRecord(a))).toThrow(/must start with case\/1/);
  });
});
