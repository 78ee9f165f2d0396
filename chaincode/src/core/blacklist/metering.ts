import { assertNever } from '../assert';
import { fail } from '../errors';
import { byText, sortedCopy } from '../sorted';
import { addDays, daysBetween } from './dates';
import { effectiveStatus, type EntryRecord } from './entry';
import type { MeteringParameters } from './policy';

/**
 * Metering by contribution (issue 19 item 4): how many queries an institution may make per period, from what it
 * contributed, weighted by quality. Every number is a whole number and every parameter is the policy's, so every
 * peer computes the same allowance.
 *
 *   allowance = max(0, queriesBase
 *                      + queriesPerEntry          × entries in force (ACTIVE, not disputed)
 *                      + queriesPerConfirmedEntry × those of them another member confirmed
 *                      − queriesPerRevokedEntry   × entries the members revoked by vote, until their expiry day)
 *
 * A confirmed entry thus counts queriesPerEntry + queriesPerConfirmedEntry. A disputed entry counts nothing
 * while the dispute is open; one the uploader retracted counts nothing; one revoked by the members' vote costs
 * until the day it would have expired. Periods are fixed windows of `periodDays` days counted from 1970-01-01
 * (UTC), the same on every peer; the allowance renews at the first instant of the next window.
 */

/** How an entry stands for its uploader's allowance; null: it counts nothing. */
export type Standing = 'LISTED' | 'CONFIRMED' | 'REVOKED';

/** One expiry day's counts: entries of each standing that count until (and including) `until`. */
export interface ContributionBucket {
  readonly until: string;
  readonly listed: number;
  readonly confirmed: number;
  readonly revoked: number;
}

/**
 * An institution's contributions as the ledger keeps them (one record per institution): counts by expiry day,
 * so that an entry stops counting the day after it expires without a transaction to say so. Sorted by day; a
 * day whose counts are all 0, or that has passed, is dropped when the record is written.
 */
export interface ContributionRecord {
  readonly mspId: string;
  readonly buckets: readonly ContributionBucket[];
}

/** An institution's queries in the period it last queried in. */
export interface UsageRecord {
  readonly mspId: string;
  /** The first day of the period these queries were made in. */
  readonly periodStartsOn: string;
  readonly used: number;
}

export interface Period {
  readonly startsOn: string;
  /** The first day of the next period; the allowance renews at its first instant (renewsAt). */
  readonly endsBefore: string;
  readonly renewsAt: string;
}

export interface Allowance {
  readonly mspId: string;
  readonly period: Period;
  /** Entries counted today, by standing (CONFIRMED ones are also LISTED). */
  readonly listed: number;
  readonly confirmed: number;
  readonly revoked: number;
  readonly allowance: number;
  readonly used: number;
  readonly remaining: number;
}

const EPOCH = '1970-01-01';

/** The fixed window of `periodDays` days that `today` falls in. */
export function periodOf(today: string, periodDays: number): Period {
  const day = daysBetween(EPOCH, today);
  const startsOn = addDays(EPOCH, Math.floor(day / periodDays) * periodDays);
  const endsBefore = addDays(startsOn, periodDays);
  return { endsBefore, renewsAt: `${endsBefore}T00:00:00.000Z`, startsOn };
}

/**
 * How an entry stands for its uploader's allowance on `today`: in force and not disputed (LISTED, or CONFIRMED
 * when another member confirmed it), revoked by the members' vote (REVOKED, until its expiry day), or nothing.
 */
export function standingOf(
  entry: Pick<EntryRecord, 'status' | 'expiresOn' | 'confirmedBy' | 'revocation'>,
  today: string,
): Standing | null {
  const status = effectiveStatus(entry, today);
  switch (status) {
    case 'ACTIVE':
      return (entry.confirmedBy?.length ?? 0) > 0 ? 'CONFIRMED' : 'LISTED';
    case 'DISPUTED':
    case 'EXPIRED':
      return null;
    case 'REVOKED':
      return entry.revocation?.how === 'VOTE' && today <= entry.expiresOn ? 'REVOKED' : null;
    default:
      return assertNever(status, 'entry status');
  }
}

function bucketDelta(standing: Standing, sign: 1 | -1): Omit<ContributionBucket, 'until'> {
  switch (standing) {
    case 'LISTED':
      return { confirmed: 0, listed: sign, revoked: 0 };
    case 'CONFIRMED':
      return { confirmed: sign, listed: sign, revoked: 0 };
    case 'REVOKED':
      return { confirmed: 0, listed: 0, revoked: sign };
    default:
      return assertNever(standing, 'standing');
  }
}

/**
 * The record after an entry (expiring on `until`) went from standing `before` to `after` (null: counts nothing).
 * Buckets past `today` are dropped; a count never goes below 0 (an entry that stopped counting by expiry was
 * already dropped with its bucket).
 */
export function applyStanding(
  record: ContributionRecord,
  until: string,
  before: Standing | null,
  after: Standing | null,
  today: string,
): ContributionRecord {
  if (before === after) return pruned(record, today);
  const byDay = new Map(record.buckets.map((b) => [b.until, { ...b }]));
  const changes = [
    ...(before === null ? [] : [bucketDelta(before, -1)]),
    ...(after === null ? [] : [bucketDelta(after, 1)]),
  ];
  const b = byDay.get(until) ?? { confirmed: 0, listed: 0, revoked: 0, until };
  for (const d of changes) {
    b.listed = Math.max(0, b.listed + d.listed);
    b.confirmed = Math.max(0, b.confirmed + d.confirmed);
    b.revoked = Math.max(0, b.revoked + d.revoked);
  }
  byDay.set(until, b);
  return pruned({ buckets: [...byDay.values()], mspId: record.mspId }, today);
}

function pruned(record: ContributionRecord, today: string): ContributionRecord {
  const kept = record.buckets.filter(
    (b) => b.until >= today && (b.listed > 0 || b.confirmed > 0 || b.revoked > 0),
  );
  return { buckets: sortedCopy(kept, (x, y) => byText(x.until, y.until)), mspId: record.mspId };
}

export function emptyContribution(mspId: string): ContributionRecord {
  return { buckets: [], mspId };
}

/** The queries used in today's period (0 when the stored usage is of an earlier period). */
export function usedIn(usage: UsageRecord | undefined, period: Period): number {
  return usage !== undefined && usage.periodStartsOn === period.startsOn ? usage.used : 0;
}

/**
 * The allowance on `today`. Computed in bigint and capped at Number.MAX_SAFE_INTEGER, so no count or parameter
 * can make it inexact.
 */
export function allowanceOf(
  metering: MeteringParameters,
  record: ContributionRecord,
  usage: UsageRecord | undefined,
  today: string,
): Allowance {
  let listed = 0;
  let confirmed = 0;
  let revoked = 0;
  for (const b of record.buckets) {
    if (b.until < today) continue;
    listed += b.listed;
    confirmed += b.confirmed;
    revoked += b.revoked;
  }
  const raw =
    BigInt(metering.queriesBase) +
    BigInt(metering.queriesPerEntry) * BigInt(listed) +
    BigInt(metering.queriesPerConfirmedEntry) * BigInt(confirmed) -
    BigInt(metering.queriesPerRevokedEntry) * BigInt(revoked);
  const capped =
    raw < 0n ? 0n : raw > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : raw;
  const allowance = Number(capped);
  const period = periodOf(today, metering.periodDays);
  const used = usedIn(usage, period);
  return {
    allowance,
    confirmed,
    listed,
    mspId: record.mspId,
    period,
    remaining: Math.max(0, allowance - used),
    revoked,
    used,
  };
}

/**
 * One more query: refused with ALLOWANCE_EXCEEDED, naming the allowance and when it renews, once the period's
 * queries reached it; otherwise the usage with this query counted.
 */
export function meterQuery(allowance: Allowance): UsageRecord {
  if (allowance.used >= allowance.allowance)
    fail(
      'ALLOWANCE_EXCEEDED',
      `${allowance.mspId} has used ${allowance.used} of its ${allowance.allowance} queries for the period from ${allowance.period.startsOn}; the allowance renews at ${allowance.period.renewsAt} (renewsAt=${allowance.period.renewsAt}); contributing entries raises it`,
    );
  return { mspId: allowance.mspId, periodStartsOn: allowance.period.startsOn, used: allowance.used + 1 };
}
