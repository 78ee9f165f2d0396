import type { BreakReason } from '../../../../chaincode/src/core/matching';
import { isEmptyDay, type DailyCounts } from '../dailyCounts';
import { unnestRows, updateSet, type Columns, type Queryable } from '../sql';

type Day = readonly [day: string, counts: DailyCounts];

const DAY_COLUMNS: Columns<Day> = {
  day: ['date', ([day]) => day],
  legs_posted: ['bigint', ([, d]) => d.legsPosted],
  own_legs_posted: ['bigint', ([, d]) => d.ownLegsPosted],
  cases_opened: ['bigint', ([, d]) => d.casesOpened],
  cases_matched: ['bigint', ([, d]) => d.casesMatched],
  breaks_opened: ['bigint', ([, d]) => d.breaksOpened],
  breaks_resolved: ['bigint', ([, d]) => d.breaksResolved],
};

interface ReasonDay {
  readonly day: string;
  readonly reason: BreakReason;
  readonly opened: number;
  readonly resolved: number;
}

const REASON_COLUMNS: Columns<ReasonDay> = {
  day: ['date', (r) => r.day],
  reason: ['text', (r) => r.reason],
  opened: ['bigint', (r) => r.opened],
  resolved: ['bigint', (r) => r.resolved],
};

/** Every counter but the key adds to the stored one (`s.counter + EXCLUDED.counter`). */
function addTo<R>(columns: Columns<R>, key: readonly string[]): string {
  return updateSet(
    columns,
    key,
    Object.fromEntries(Object.keys(columns).map((name) => [name, `s.${name} + EXCLUDED.${name}`])),
  );
}

/** Adds a batch's counts to `daily_stats` and `daily_breaks_by_reason` (a day that counts nothing is skipped). */
export async function writeDailyCounts(
  client: Queryable,
  daily: ReadonlyMap<string, DailyCounts>,
): Promise<void> {
  const days = [...daily].filter(([, d]) => !isEmptyDay(d));
  if (days.length > 0) {
    const u = unnestRows(days, DAY_COLUMNS);
    await client.query(
      `INSERT INTO daily_stats AS s (${u.names}) SELECT ${u.select} FROM ${u.from}
       ON CONFLICT (day) DO UPDATE SET ${addTo(DAY_COLUMNS, ['day'])}`,
      u.values,
    );
  }
  const reasons = days.flatMap(([day, d]) => [...d.byReason].map(([reason, r]) => ({ day, reason, ...r })));
  if (reasons.length > 0) {
    const u = unnestRows(reasons, REASON_COLUMNS);
    await client.query(
      `INSERT INTO daily_breaks_by_reason AS s (${u.names}) SELECT ${u.select} FROM ${u.from}
       ON CONFLICT (day, reason) DO UPDATE SET ${addTo(REASON_COLUMNS, ['day', 'reason'])}`,
      u.values,
    );
  }
}
