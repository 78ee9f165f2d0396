import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { refusal } from '../../../../test/support/refusal';

import { addDays, daysBetween } from './dates';
import type { EntryRecord } from './entry';
import {
  allowanceOf,
  applyStanding,
  emptyContribution,
  meterQuery,
  periodOf,
  standingOf,
  type ContributionRecord,
  type Standing,
  type UsageRecord,
} from './metering';
import { GENESIS_POLICY, type MeteringParameters } from './policy';
import { entryFixture } from '../../../../test/support/blacklistEntry';

const M = GENESIS_POLICY.metering;
const TODAY = '2030-03-15';

describe('periods', () => {
  it('are fixed windows from 1970-01-01: the same day falls in the same window on every peer', () => {
    expect(periodOf('1970-01-01', 30)).toEqual({
      endsBefore: '1970-01-31',
      renewsAt: '1970-01-31T00:00:00.000Z',
      startsOn: '1970-01-01',
    });
    expect(periodOf('1970-01-30', 30).startsOn).toBe('1970-01-01');
    expect(periodOf('1970-01-31', 30).startsOn).toBe('1970-01-31');
  });

  it('property: a day lies in its period, which is periodDays long, and the next day is in it or the next', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 1, max: 366 }), (n, days) => {
        const day = addDays('1970-01-01', n);
        const p = periodOf(day, days);
        expect(p.startsOn <= day && day < p.endsBefore).toBe(true);
        expect(daysBetween(p.startsOn, p.endsBefore)).toBe(days);
        expect(p.renewsAt).toBe(`${p.endsBefore}T00:00:00.000Z`);
        const next = periodOf(addDays(day, 1), days);
        expect([p.startsOn, p.endsBefore]).toContain(next.startsOn);
      }),
    );
  });
});

const entry = (over: Partial<EntryRecord> = {}): EntryRecord =>
  entryFixture({ expiresOn: '2031-01-01', txId: 'tx', ...over });

describe('standing', () => {
  it('an entry in force counts, more once confirmed; disputed, expired and retracted count nothing; revoked by vote costs until its expiry', () => {
    expect(standingOf(entry(), TODAY)).toBe('LISTED');
    expect(standingOf(entry({ confirmedBy: ['BankBMSP'] }), TODAY)).toBe('CONFIRMED');
    expect(standingOf(entry({ status: 'DISPUTED' }), TODAY)).toBeNull();
    expect(standingOf(entry({ expiresOn: '2030-03-14' }), TODAY)).toBeNull();
    const revocation = { at: 'x', disputeId: 'd', txId: 't' };
    expect(
      standingOf(entry({ revocation: { ...revocation, how: 'RETRACTED' }, status: 'REVOKED' }), TODAY),
    ).toBeNull();
    expect(standingOf(entry({ revocation: { ...revocation, how: 'VOTE' }, status: 'REVOKED' }), TODAY)).toBe(
      'REVOKED',
    );
    expect(
      standingOf(
        entry({ expiresOn: '2030-03-14', revocation: { ...revocation, how: 'VOTE' }, status: 'REVOKED' }),
        TODAY,
      ),
    ).toBeNull();
  });
});

describe('allowance', () => {
  it('base + per entry + per confirmed entry − per revoked entry, never below 0', () => {
    let r = emptyContribution('BankAMSP');
    expect(allowanceOf(M, r, undefined, TODAY).allowance).toBe(M.queriesBase);
    r = applyStanding(r, '2031-01-01', null, 'LISTED', TODAY);
    r = applyStanding(r, '2031-01-02', null, 'CONFIRMED', TODAY);
    r = applyStanding(r, '2031-01-02', null, 'REVOKED', TODAY);
    const a = allowanceOf(M, r, undefined, TODAY);
    expect(a).toMatchObject({ confirmed: 1, listed: 2, revoked: 1 });
    expect(a.allowance).toBe(
      M.queriesBase + 2 * M.queriesPerEntry + M.queriesPerConfirmedEntry - M.queriesPerRevokedEntry,
    );
    const harsh: MeteringParameters = { ...M, queriesBase: 0, queriesPerRevokedEntry: 1000 };
    expect(allowanceOf(harsh, r, undefined, TODAY).allowance).toBe(0);
  });

  it('an entry stops counting the day after it expires, without a transaction', () => {
    const r = applyStanding(emptyContribution('BankAMSP'), TODAY, null, 'LISTED', TODAY);
    expect(allowanceOf(M, r, undefined, TODAY).listed).toBe(1);
    expect(allowanceOf(M, r, undefined, addDays(TODAY, 1)).listed).toBe(0);
  });

  it('over the allowance: ALLOWANCE_EXCEEDED naming when it renews; a new period starts from 0 used', () => {
    const zero: MeteringParameters = { ...M, periodDays: 30, queriesBase: 2 };
    const r = emptyContribution('PayCoMSP');
    let usage = meterQuery(allowanceOf(zero, r, undefined, TODAY));
    usage = meterQuery(allowanceOf(zero, r, usage, TODAY));
    expect(usage.used).toBe(2);
    const over = refusal(() => meterQuery(allowanceOf(zero, r, usage, TODAY)));
    const renews = periodOf(TODAY, 30).renewsAt;
    expect(over.code).toBe('ALLOWANCE_EXCEEDED');
    expect(over.detail).toContain(`renewsAt=${renews}`);
    const nextPeriod = renews.slice(0, 10);
    expect(allowanceOf(zero, r, usage, nextPeriod)).toMatchObject({ remaining: 2, used: 0 });
  });

  const standing = fc.constantFrom<Standing | null>(null, 'LISTED', 'CONFIRMED', 'REVOKED');
  const params = fc.record({
    periodDays: fc.integer({ min: 1, max: 366 }),
    queriesBase: fc.integer({ min: 0, max: 1_000_000 }),
    queriesPerConfirmedEntry: fc.integer({ min: 0, max: 1_000_000 }),
    queriesPerEntry: fc.integer({ min: 0, max: 1_000_000 }),
    queriesPerRevokedEntry: fc.integer({ min: 0, max: 1_000_000 }),
  });
  /** Entries each moving through standings: (expiry offset, standings in order). */
  const histories = fc.array(
    fc.tuple(fc.integer({ min: 0, max: 400 }), fc.array(standing, { minLength: 1, maxLength: 5 })),
    { maxLength: 40 },
  );

  it('property: the record counts each entry by its last standing, whatever the order entries changed in', () => {
    fc.assert(
      fc.property(params, histories, fc.integer({ min: 0, max: 500 }), (p, hs, later) => {
        // Interleave the entries' changes round-robin (each entry's own changes stay in order).
        let r: ContributionRecord = emptyContribution('BankAMSP');
        const last = hs.map(() => null as Standing | null);
        const longest = Math.max(0, ...hs.map(([, s]) => s.length));
        for (let step = 0; step < longest; step++)
          hs.forEach(([offset, seq], i) => {
            const next = seq[step];
            if (next === undefined) return;
            r = applyStanding(r, addDays(TODAY, offset), last[i] ?? null, next, TODAY);
            last[i] = next;
          });
        const day = addDays(TODAY, later);
        const alive = hs.map(([offset], i) => (addDays(TODAY, offset) >= day ? last[i] : null));
        const listed = alive.filter((s) => s === 'LISTED' || s === 'CONFIRMED').length;
        const confirmed = alive.filter((s) => s === 'CONFIRMED').length;
        const revoked = alive.filter((s) => s === 'REVOKED').length;
        const a = allowanceOf(p, r, undefined, day);
        expect([a.listed, a.confirmed, a.revoked]).toEqual([listed, confirmed, revoked]);
        // The formula, in exact integers, floored at 0.
        const exact =
          BigInt(p.queriesBase) +
          BigInt(p.queriesPerEntry) * BigInt(listed) +
          BigInt(p.queriesPerConfirmedEntry) * BigInt(confirmed) -
          BigInt(p.queriesPerRevokedEntry) * BigInt(revoked);
        expect(a.allowance).toBe(exact < 0n ? 0 : Number(exact));
        expect(Number.isSafeInteger(a.allowance)).toBe(true);
        // Buckets stay sorted, distinct, non-empty, none in the past.
        const days = r.buckets.map((b) => b.until);
        expect(days).toEqual([...new Set(days)].sort());
        for (const b of r.buckets) {
          expect(b.until >= TODAY).toBe(true);
          expect(b.listed + b.confirmed + b.revoked).toBeGreaterThan(0);
          expect(b.confirmed).toBeLessThanOrEqual(b.listed);
        }
      }),
    );
  });

  it('property: more contribution never lowers the allowance; a revocation never raises it', () => {
    fc.assert(
      fc.property(params, fc.nat(1000), fc.nat(1000), fc.nat(1000), (p, l, c, v) => {
        const record = (listed: number, confirmed: number, revoked: number): ContributionRecord => ({
          buckets: [{ confirmed, listed: listed + confirmed, revoked, until: '2031-01-01' }],
          mspId: 'X',
        });
        const base = allowanceOf(p, record(l, c, v), undefined, TODAY).allowance;
        expect(allowanceOf(p, record(l + 1, c, v), undefined, TODAY).allowance).toBeGreaterThanOrEqual(base);
        expect(allowanceOf(p, record(l, c + 1, v), undefined, TODAY).allowance).toBeGreaterThanOrEqual(base);
        expect(allowanceOf(p, record(l, c, v + 1), undefined, TODAY).allowance).toBeLessThanOrEqual(base);
      }),
    );
  });

  it('property: in one period exactly `allowance` queries pass, the next is refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 366 }), (base, days) => {
        const p: MeteringParameters = { ...M, periodDays: days, queriesBase: base };
        const r = emptyContribution('X');
        let usage: UsageRecord | undefined;
        for (let i = 0; i < base; i++) usage = meterQuery(allowanceOf(p, r, usage, TODAY));
        expect(usage?.used ?? 0).toBe(base);
        expect(refusal(() => meterQuery(allowanceOf(p, r, usage, TODAY))).code).toBe('ALLOWANCE_EXCEEDED');
      }),
    );
  });
});
