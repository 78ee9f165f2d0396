import { describe, expect, it } from 'vitest';

import {
  consortiumInstitutions,
  DAY_SETTLE_MS,
  dayToSimulate,
  generateBusinessDay,
  tradingDayTiming,
} from './businessDay';

const institutions = consortiumInstitutions([
  { mspId: 'BankAMSP', branches: ['0001'] },
  { mspId: 'BankBMSP', branches: ['0001'] },
  { mspId: 'ClearingHouseMSP', branches: [] },
  { mspId: 'PayCoMSP', branches: [] },
]);

/** The latest timestamp a simulated day can give the ledger: its last posting, or the runner's last sweep. */
function lastTimestampMs(date: string, timing: ReturnType<typeof dayToSimulate>['timing']): number {
  const day = generateBusinessDay({ seed: 7, payments: 400, date, institutions, timing });
  const lastPosting = Math.max(...day.postings.map((p) => p.atMs));
  // runBusinessDay's horizon with its widest window (a third of the late-leg margin).
  const horizon = day.endMs + day.serviceLevelMs + (2 * day.lateMarginMs) / 3;
  return Math.max(lastPosting, horizon);
}

describe('the simulated day never lies in the future', () => {
  const at = (iso: string) => Date.parse(iso);

  it.each([
    // [now, last date simulated, expected date, moved back?]
    ['2026-12-07T17:00:00Z', undefined, '2026-12-07', false], // today's trading hours are over: today
    ['2026-12-07T03:00:00Z', undefined, '2026-12-06', false], // not over yet: yesterday
    ['2026-12-07T17:00:00Z', '2026-12-07', '2026-12-08', true], // today done already: tomorrow's, moved back
    ['2026-12-07T17:00:00Z', '2026-12-01', '2026-12-02', false], // an old data folder: the next day
    ['2026-12-07T00:10:00Z', '2026-12-06', '2026-12-07', true], // just after midnight
  ] as const)('at %s after %s: %s', (now, lastDate, date, moved) => {
    const nowMs = at(now);
    const d = dayToSimulate({ lastDate }, nowMs);
    expect(d.date).toBe(date);
    expect(d.timing.endMs + DAY_SETTLE_MS).toBeLessThanOrEqual(nowMs);
    expect(lastTimestampMs(d.date, d.timing)).toBeLessThanOrEqual(nowMs);
    const trading = tradingDayTiming(date);
    expect(d.timing.endMs - d.timing.startMs).toBe(trading.endMs - trading.startMs);
    expect(d.timing.startMs !== trading.startMs).toBe(moved);
  });

  it('an explicit date in the future is moved back too', () => {
    const nowMs = at('2026-12-07T12:00:00Z');
    const d = dayToSimulate({ date: '2027-01-15', lastDate: '2026-12-07' }, nowMs);
    expect(d.date).toBe('2027-01-15');
    expect(lastTimestampMs(d.date, d.timing)).toBeLessThanOrEqual(nowMs);
    expect(d.timing.endMs + DAY_SETTLE_MS).toBe(nowMs);
  });

  it('a day in the past keeps its trading hours, 09:00-17:00 China Standard Time', () => {
    const d = dayToSimulate({ date: '2026-11-30' }, at('2026-12-07T12:00:00Z'));
    expect(new Date(d.timing.startMs).toISOString()).toBe('2026-11-30T01:00:00.000Z');
    expect(new Date(d.timing.endMs).toISOString()).toBe('2026-11-30T09:00:00.000Z');
  });
});
