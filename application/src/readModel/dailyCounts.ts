import type { BreakReason } from '../../../chaincode/src/core/matching';

/**
 * The daily counters of `daily_stats` and `daily_breaks_by_reason`, per UTC day, and the one way they add
 * up: the projection counts one transaction's legs and breaks, a batch adds its transactions' counts, and the
 * writer adds the cases it found opened or matched for the first time, all with `addDaily`.
 */
export interface DailyCounts {
  legsPosted: number;
  ownLegsPosted: number;
  casesOpened: number;
  casesMatched: number;
  breaksOpened: number;
  breaksResolved: number;
  readonly byReason: Map<BreakReason, { opened: number; resolved: number }>;
}

export function emptyDaily(): DailyCounts {
  return {
    legsPosted: 0,
    ownLegsPosted: 0,
    casesOpened: 0,
    casesMatched: 0,
    breaksOpened: 0,
    breaksResolved: 0,
    byReason: new Map(),
  };
}

/** The UTC day (YYYY-MM-DD) of an ISO timestamp. */
export function utcDay(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`not a timestamp: ${iso}`);
  return new Date(t).toISOString().slice(0, 10);
}

/** The counts of `day` in `days`, created empty on first use. */
export function countsOf(days: Map<string, DailyCounts>, day: string): DailyCounts {
  let d = days.get(day);
  if (!d) {
    d = emptyDaily();
    days.set(day, d);
  }
  return d;
}

/** The counts of one break reason, created empty on first use. */
export function reasonCounts(d: DailyCounts, reason: BreakReason): { opened: number; resolved: number } {
  let r = d.byReason.get(reason);
  if (!r) {
    r = { opened: 0, resolved: 0 };
    d.byReason.set(reason, r);
  }
  return r;
}

/** Adds `from` into `into`. */
export function addDaily(into: DailyCounts, from: DailyCounts): void {
  into.legsPosted += from.legsPosted;
  into.ownLegsPosted += from.ownLegsPosted;
  into.casesOpened += from.casesOpened;
  into.casesMatched += from.casesMatched;
  into.breaksOpened += from.breaksOpened;
  into.breaksResolved += from.breaksResolved;
  for (const [reason, r] of from.byReason) {
    const x = reasonCounts(into, reason);
    x.opened += r.opened;
    x.resolved += r.resolved;
  }
}

/** The sum of several days → counts maps, as a new map (the inputs are left as they are). */
export function sumDaily(...parts: readonly ReadonlyMap<string, DailyCounts>[]): Map<string, DailyCounts> {
  const sum = new Map<string, DailyCounts>();
  for (const part of parts) for (const [day, d] of part) addDaily(countsOf(sum, day), d);
  return sum;
}

/** True when a day's counts would change nothing (no row to write). */
export function isEmptyDay(d: DailyCounts): boolean {
  return (
    d.legsPosted + d.ownLegsPosted + d.breaksOpened + d.breaksResolved + d.casesOpened + d.casesMatched === 0
  );
}
