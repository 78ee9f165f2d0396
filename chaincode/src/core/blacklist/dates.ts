import { parseIsoDate } from '../reference';

/**
 * Calendar days in UTC, as `YYYY-MM-DD`. The blacklist counts listing periods, consent expiries and deadlines
 * in whole days of ledger time: the day of a transaction is the date of its timestamp in UTC.
 */
const DAY_MS = 86_400_000;

/** The UTC date of an ISO-8601 timestamp (a transaction's time). */
export function dayOf(timestamp: string): string {
  return parseIsoDate(timestamp.slice(0, 10), 'timestamp');
}

function epochDay(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

/** The date `days` after `date` (days may be negative). */
export function addDays(date: string, days: number): string {
  return new Date((epochDay(date) + days) * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}
