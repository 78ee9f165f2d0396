import { parseIsoDate } from '../reference';

/**
 * Calendar arithmetic on `YYYY-MM-DD` dates in UTC, in whole days, for terms and day counts. Date.UTC with its
 * arguments is a pure function of them; no clock is read.
 */
const DAY_MS = 86_400_000;

/** The UTC date of an ISO-8601 timestamp (a transaction's time): the ledger day. */
export function dayOf(timestamp: string): string {
  return parseIsoDate(timestamp.slice(0, 10), 'timestamp');
}

function epochDay(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

/** Actual days from `from` to `to`: the first day counted, the last not (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}

/** The date `days` after `date` (days may be negative). */
export function addDays(date: string, days: number): string {
  return new Date((epochDay(date) + days) * DAY_MS).toISOString().slice(0, 10);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The same day `months` calendar months later; a day the target month lacks becomes its last day (31 January
 * plus one month is 28 or 29 February; 29 February 2028 plus twelve months is 28 February 2029).
 */
export function addMonths(date: string, months: number): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7)) - 1 + months;
  const year = y + Math.floor(m / 12);
  const month = (((m % 12) + 12) % 12) + 1;
  const day = Math.min(Number(date.slice(8, 10)), daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
