import type { Queryable } from '../sql';
import { BREAK_AGE_AT_RISK_MS, BREAK_AGE_BREACHED_MS } from './queue';

/** Days of counters the dashboard shows, newest first. */
export const DASHBOARD_DAYS = 14;

/** One UTC day's counters (`daily_stats`), each a decimal string. */
export interface DayFigures {
  readonly day: string;
  readonly legs_posted: string;
  readonly own_legs_posted: string;
  readonly cases_opened: string;
  readonly cases_matched: string;
  readonly breaks_opened: string;
  readonly breaks_resolved: string;
}

/** Open breaks of one reason, and how many of them are older than an hour and than a day. */
export interface ReasonFigures {
  readonly reason: string;
  readonly open: string;
  readonly older_than_1h: string;
  readonly older_than_1d: string;
}

export interface InTransitFigures {
  readonly counterparty: string;
  /** null: breaks where this institution has no leg of its own (its amount is not known here). */
  readonly currency: string | null;
  readonly breaks: string;
  readonly amountMinor: string;
}

export interface DashboardFigures {
  readonly days: readonly DayFigures[];
  readonly openBreaksByReason: readonly ReasonFigures[];
  readonly inTransitByCounterparty: readonly InTransitFigures[];
  readonly serviceLevel: {
    /** Waiting for a leg past the service level, not yet flagged by the sweep. */
    readonly overdueCases: string;
    /** Flagged by the sweep: a leg missing past the service level. */
    readonly missingLegBreaks: string;
    readonly oldestOpenAt: string | null;
  };
}

/**
 * The dashboard's figures from the index. Money stays NUMERIC in SQL and a decimal string in JSON (minor units).
 * Funds in transit are the institution's open breaks where a payment's fate is unsettled between parties (a
 * status conflict: one side timed out; a missing leg: one side never reported), per counterparty and currency,
 * summed over the institution's own legs (the index knows no other institution's amounts).
 */
export async function dashboardFigures(db: Queryable, mspId: string): Promise<DashboardFigures> {
  const days = await db.query<DayFigures>(
    `SELECT day::text AS day, legs_posted::text, own_legs_posted::text, cases_opened::text, cases_matched::text,
            breaks_opened::text, breaks_resolved::text
       FROM daily_stats ORDER BY day DESC LIMIT $1`,
    [DASHBOARD_DAYS],
  );
  // Ages by the queue's service-level marks (at risk, breached): 1 hour and 1 day.
  const reasons = await db.query<ReasonFigures>(
    `SELECT reason, count(*)::text AS open,
            count(*) FILTER (WHERE opened_at < now() - $1::float8 * interval '1 millisecond')::text AS older_than_1h,
            count(*) FILTER (WHERE opened_at < now() - $2::float8 * interval '1 millisecond')::text AS older_than_1d
       FROM open_breaks GROUP BY reason ORDER BY reason`,
    [BREAK_AGE_AT_RISK_MS, BREAK_AGE_BREACHED_MS],
  );
  const inTransit = await db.query<{
    counterparty: string;
    currency: string | null;
    breaks: string;
    amount_minor: string;
  }>(
    `SELECT cp AS counterparty, o.currency, count(DISTINCT ob.break_id)::text AS breaks,
            COALESCE(sum(o.amount_minor), 0)::text AS amount_minor
       FROM open_breaks ob
       JOIN breaks b ON b.break_id = ob.break_id
       CROSS JOIN LATERAL unnest(b.parties) AS cp
       LEFT JOIN own_legs o ON o.case_id = ob.case_id AND o.msp_id = $1
      WHERE ob.reason IN ('STATUS_CONFLICT', 'MISSING_LEG') AND cp <> $1
      GROUP BY cp, o.currency
      ORDER BY cp, o.currency NULLS LAST`,
    [mspId],
  );
  const sla = await db.query<{
    overdue_cases: string;
    missing_leg_breaks: string;
    oldest_open_at: Date | null;
  }>(
    `SELECT (SELECT count(*) FROM cases WHERE is_party AND status = 'PENDING' AND due_at < now())::text
              AS overdue_cases,
            (SELECT count(*) FROM open_breaks WHERE reason = 'MISSING_LEG')::text AS missing_leg_breaks,
            (SELECT min(opened_at) FROM open_breaks) AS oldest_open_at`,
  );
  const s = sla.rows[0];
  return {
    days: days.rows,
    openBreaksByReason: reasons.rows,
    inTransitByCounterparty: inTransit.rows.map((r) => ({
      counterparty: r.counterparty,
      currency: r.currency?.trim() ?? null,
      breaks: r.breaks,
      amountMinor: r.amount_minor,
    })),
    serviceLevel: {
      overdueCases: s?.overdue_cases ?? '0',
      missingLegBreaks: s?.missing_leg_breaks ?? '0',
      oldestOpenAt: s?.oldest_open_at?.toISOString() ?? null,
    },
  };
}
