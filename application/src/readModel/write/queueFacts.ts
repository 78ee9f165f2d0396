import { LIVE_OWN_LEG } from '../read/ownLegs';
import type { Queryable } from '../sql';

/**
 * The facts of the institution's own leg in each of `caseIds` (amount, currency, value date, reference), copied
 * onto its rows in `open_breaks` and `closed_breaks`, so the queue filters and sorts by them along an index.
 * Called when those rows are written and when own legs arrive (their plaintext may be indexed after the break).
 * A case with two own live legs (a duplicate) shows the first by leg id; a corrected leg gives way to its
 * correction.
 */
export async function refreshOwnLegFacts(
  client: Queryable,
  institution: string,
  caseIds: readonly string[],
): Promise<void> {
  if (caseIds.length === 0) return;
  for (const table of ['open_breaks', 'closed_breaks'] as const) {
    await client.query(
      `UPDATE ${table} q
          SET amount_minor = l.amount_minor, currency = l.currency, value_date = l.value_date,
              own_reference = l.reference
         FROM (SELECT DISTINCT ON (case_id) case_id, amount_minor, currency, value_date, reference
                 FROM own_legs o WHERE msp_id = $1 AND case_id = ANY($2::text[]) AND ${LIVE_OWN_LEG}
                ORDER BY case_id, leg_id) l
        WHERE q.case_id = l.case_id`,
      [institution, caseIds],
    );
  }
}
