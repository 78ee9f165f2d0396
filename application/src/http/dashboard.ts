import type pg from 'pg';

/**
 * The dashboard's figures from the index. Money stays NUMERIC in SQL and a decimal string in JSON (minor units).
 * Funds in transit are the institution's open breaks where a payment's fate is unsettled between parties (a
 * status conflict: one side timed out; a missing leg: one side never reported), per counterparty and currency,
 * summed over the institution's own legs (the index knows no other institution's amounts).
 */
export async function dashboard(pool: pg.Pool, mspId: string): Promise<unknown> {
  const days = await pool.query<Record<string, string>>(
    `SELECT day::text AS day, legs_posted::text, own_legs_posted::text, cases_opened::text, cases_matched::text,
            breaks_opened::text, breaks_resolved::text
       FROM daily_stats ORDER BY day DESC LIMIT 14`,
  );
  const reasons = await pool.query<Record<string, string>>(
    `SELECT reason, count(*)::text AS open,
            count(*) FILTER (WHERE opened_at < now() - interval '1 hour')::text AS older_than_1h,
            count(*) FILTER (WHERE opened_at < now() - interval '1 day')::text AS older_than_1d
       FROM open_breaks GROUP BY reason ORDER BY reason`,
  );
  const inTransit = await pool.query<{
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
  const sla = await pool.query<{
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
      // null: breaks where this institution has no leg of its own (its amount is not known here)
      currency: r.currency?.trim() ?? null,
      breaks: r.breaks,
      amountMinor: r.amount_minor,
    })),
    serviceLevel: {
      // Waiting for a leg past the service level, not yet flagged by the sweep.
      overdueCases: s?.overdue_cases ?? '0',
      // Flagged by the sweep: a leg missing past the service level.
      missingLegBreaks: s?.missing_leg_breaks ?? '0',
      oldestOpenAt: s?.oldest_open_at?.toISOString() ?? null,
    },
  };
}
