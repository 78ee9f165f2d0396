import type { Queryable } from '../sql';
import { BREAK_AGE_AT_RISK_MS, BREAK_AGE_BREACHED_MS } from './queue';

/** Days the dashboard shows, newest first: the latest days with activity on the network. */
export const DASHBOARD_DAYS = 14;

/**
 * One UTC day's figures (the consortium's trading day, 09:00-17:00 China Standard Time, lies within one UTC day),
 * each a decimal string. Cases are counted on the day they opened, by the status they have now: the same count
 * as `npm start`'s summary, which judges each case of the day by its final status.
 */
export interface DayFigures {
  readonly day: string;
  readonly legsPosted: string;
  readonly casesOpened: string;
  readonly casesMatched: string;
  readonly casesBroken: string;
  readonly casesPending: string;
  readonly breaksOpened: string;
  readonly breaksResolved: string;
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
  /** The institution whose figures `own`, `openBreaksByReason`, `inTransitByCounterparty` and `serviceLevel` are. */
  readonly mspId: string;
  /** The institution's own work per day: its legs, the cases and breaks it is a party to. */
  readonly own: { readonly days: readonly DayFigures[] };
  /** Every member's, as this node's index sees the network (the consortium's totals, not the institution's). */
  readonly network: { readonly days: readonly DayFigures[] };
  readonly openBreaksByReason: readonly ReasonFigures[];
  readonly inTransitByCounterparty: readonly InTransitFigures[];
  readonly serviceLevel: {
    /** Waiting for a leg past the service level, not yet flagged by the sweep. */
    readonly overdueCases: string;
    /** Flagged by the sweep: a leg missing past the service level. */
    readonly missingLegBreaks: string;
    readonly oldestOpenAt: string | null;
    /** Open breaks past the queue's first mark (at risk) and its second (breached). */
    readonly openAtRisk: string;
    readonly openBreached: string;
    /** Open breaks past their due date by the ledger's time (the newest indexed transaction): escalated. */
    readonly escalated: string;
    /** Breaks resolved in the days shown, and how many of them before the breach mark. */
    readonly resolved: string;
    readonly resolvedWithin: string;
  };
}

/**
 * The dashboard's figures from the index. Money stays NUMERIC in SQL and a decimal string in JSON (minor units).
 * Funds in transit are the institution's open breaks where a payment's fate is unsettled between parties (a
 * status conflict: one side timed out; a missing leg: one side never reported), per counterparty and currency,
 * summed over the institution's own legs (the index knows no other institution's amounts).
 */
export async function dashboardFigures(db: Queryable, mspId: string): Promise<DashboardFigures> {
  const { own, network, since } = await dayFigures(db);
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
    open_at_risk: string;
    open_breached: string;
    escalated: string;
  }>(
    `SELECT (SELECT count(*) FROM cases WHERE is_party AND status = 'PENDING' AND due_at < now())::text
              AS overdue_cases,
            (SELECT count(*) FROM open_breaks WHERE reason = 'MISSING_LEG')::text AS missing_leg_breaks,
            (SELECT min(opened_at) FROM open_breaks) AS oldest_open_at,
            (SELECT count(*) FROM open_breaks
              WHERE opened_at < now() - $1::float8 * interval '1 millisecond')::text AS open_at_risk,
            (SELECT count(*) FROM open_breaks
              WHERE opened_at < now() - $2::float8 * interval '1 millisecond')::text AS open_breached,
            (SELECT count(*) FROM open_breaks
              WHERE due_at <= (SELECT at FROM indexed_transactions
                                ORDER BY block_number DESC, tx_index DESC LIMIT 1))::text AS escalated`,
    [BREAK_AGE_AT_RISK_MS, BREAK_AGE_BREACHED_MS],
  );
  const s = sla.rows[0];
  const resolved = await db.query<{ resolved: string; within: string }>(
    `SELECT count(*)::text AS resolved,
            count(*) FILTER (WHERE updated_at - opened_at < $2::float8 * interval '1 millisecond')::text AS within
       FROM closed_breaks WHERE updated_at >= $1::timestamptz`,
    [since, BREAK_AGE_BREACHED_MS],
  );
  const r = resolved.rows[0];
  return {
    mspId,
    own: { days: own },
    network: { days: network },
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
      openAtRisk: s?.open_at_risk ?? '0',
      openBreached: s?.open_breached ?? '0',
      escalated: s?.escalated ?? '0',
      resolved: r?.resolved ?? '0',
      resolvedWithin: r?.within ?? '0',
    },
  };
}

/**
 * The last days with activity, for the institution and for the network. Legs and the network's breaks come from
 * the daily counters (`daily_stats`, per day of the transaction); cases from `cases` by the day they opened and
 * their status now; the institution's breaks from its queue tables (`open_breaks`, `closed_breaks`: opened on the
 * day of their OPEN entry, resolved on the day they closed). `since`: the first day's start, for other figures.
 */
async function dayFigures(
  db: Queryable,
): Promise<{ own: DayFigures[]; network: DayFigures[]; since: string }> {
  const stats = await db.query<{
    day: string;
    legs_posted: string;
    own_legs_posted: string;
    breaks_opened: string;
    breaks_resolved: string;
  }>(
    `SELECT day::text AS day, legs_posted::text, own_legs_posted::text, breaks_opened::text, breaks_resolved::text
       FROM daily_stats ORDER BY day DESC LIMIT $1`,
    [DASHBOARD_DAYS],
  );
  const first = stats.rows.at(-1)?.day;
  if (first === undefined) return { own: [], network: [], since: new Date(0).toISOString() };
  const since = `${first}T00:00:00Z`;
  const cases = await db.query<
    Record<`${'own' | 'all'}_${'opened' | 'matched' | 'broken' | 'pending'}`, string> & { day: string }
  >(
    `SELECT (opened_at AT TIME ZONE 'UTC')::date::text AS day,
            count(*)::text AS all_opened,
            count(*) FILTER (WHERE status = 'MATCHED')::text AS all_matched,
            count(*) FILTER (WHERE status = 'BROKEN')::text AS all_broken,
            count(*) FILTER (WHERE status = 'PENDING')::text AS all_pending,
            count(*) FILTER (WHERE is_party)::text AS own_opened,
            count(*) FILTER (WHERE is_party AND status = 'MATCHED')::text AS own_matched,
            count(*) FILTER (WHERE is_party AND status = 'BROKEN')::text AS own_broken,
            count(*) FILTER (WHERE is_party AND status = 'PENDING')::text AS own_pending
       FROM cases WHERE opened_at >= $1::timestamptz GROUP BY 1`,
    [since],
  );
  const breaks = await db.query<{ day: string; opened: string; resolved: string }>(
    `SELECT day::text AS day, sum(opened)::text AS opened, sum(resolved)::text AS resolved FROM (
       SELECT (opened_at AT TIME ZONE 'UTC')::date AS day, 1 AS opened, 0 AS resolved
         FROM open_breaks WHERE opened_at >= $1::timestamptz
       UNION ALL
       SELECT (opened_at AT TIME ZONE 'UTC')::date, 1, 0 FROM closed_breaks WHERE opened_at >= $1::timestamptz
       UNION ALL
       SELECT (updated_at AT TIME ZONE 'UTC')::date, 0, 1 FROM closed_breaks WHERE updated_at >= $1::timestamptz
     ) b GROUP BY day`,
    [since],
  );
  const casesByDay = new Map(cases.rows.map((c) => [c.day, c]));
  const breaksOf = new Map(breaks.rows.map((b) => [b.day, b]));
  const own: DayFigures[] = [];
  const network: DayFigures[] = [];
  for (const d of stats.rows) {
    const c = casesByDay.get(d.day);
    const b = breaksOf.get(d.day);
    /** The day's figures: its legs posted, its cases opened and their status now (`side`'s), its breaks. */
    const figures = (
      legsPosted: string,
      side: 'own' | 'all',
      breaksOpened: string,
      breaksResolved: string,
    ) => ({
      day: d.day,
      legsPosted,
      casesOpened: c?.[`${side}_opened`] ?? '0',
      casesMatched: c?.[`${side}_matched`] ?? '0',
      casesBroken: c?.[`${side}_broken`] ?? '0',
      casesPending: c?.[`${side}_pending`] ?? '0',
      breaksOpened,
      breaksResolved,
    });
    own.push(figures(d.own_legs_posted, 'own', b?.opened ?? '0', b?.resolved ?? '0'));
    network.push(figures(d.legs_posted, 'all', d.breaks_opened, d.breaks_resolved));
  }
  return { own, network, since };
}
