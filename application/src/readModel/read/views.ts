import type { Queryable } from '../sql';

/**
 * A person's saved queue views (`saved_views`: not a projection of the ledger, so a rebuild from the ledger
 * cannot restore them) and the institution's people the index has seen at work.
 */

export interface Person {
  readonly mspId: string;
  readonly enrollmentId: string;
}

/** One saved view as stored: the query is the JSON the HTTP layer validated before saving it. */
export interface StoredView<Q> {
  readonly name: string;
  readonly query: Q;
  readonly createdAt: string;
}

export async function listSavedViews<Q>(db: Queryable, who: Person): Promise<StoredView<Q>[]> {
  const r = await db.query<{ name: string; query: Q; created_at: Date }>(
    'SELECT name, query, created_at FROM saved_views WHERE msp_id = $1 AND enrollment_id = $2 ORDER BY name',
    [who.mspId, who.enrollmentId],
  );
  return r.rows.map((row) => ({ name: row.name, query: row.query, createdAt: row.created_at.toISOString() }));
}

/**
 * Saves (or replaces) one of the person's views, unless they already have `viewsMax` others: the count and the
 * write are one statement, so two saves at once cannot both pass the limit. Undefined when the limit refused it.
 */
export async function upsertSavedView<Q>(
  db: Queryable,
  who: Person,
  name: string,
  query: Q,
  viewsMax: number,
): Promise<StoredView<Q> | undefined> {
  const r = await db.query<{ created_at: Date }>(
    `INSERT INTO saved_views (msp_id, enrollment_id, name, query)
     SELECT $1, $2, $3, $4::jsonb
      WHERE (SELECT count(*) FROM saved_views WHERE msp_id = $1 AND enrollment_id = $2 AND name <> $3) < $5
     ON CONFLICT (msp_id, enrollment_id, name) DO UPDATE SET query = EXCLUDED.query
     RETURNING created_at`,
    [who.mspId, who.enrollmentId, name, JSON.stringify(query), viewsMax],
  );
  const row = r.rows[0];
  return row ? { name, query, createdAt: row.created_at.toISOString() } : undefined;
}

/** True when the view was there. */
export async function deleteSavedView(db: Queryable, who: Person, name: string): Promise<boolean> {
  const r = await db.query('DELETE FROM saved_views WHERE msp_id = $1 AND enrollment_id = $2 AND name = $3', [
    who.mspId,
    who.enrollmentId,
    name,
  ]);
  return (r.rowCount ?? 0) > 0;
}

/** People of the institution listed for "assign to a colleague" at most. */
export const COLLEAGUES_MAX = 500;

/**
 * The people of the institution the index has seen at work (who took a workflow step or was assigned a break),
 * by name; systems that only post legs do not appear.
 */
export async function peopleAtWork(db: Queryable, mspId: string): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT name FROM (
       SELECT actor_name AS name FROM break_transitions WHERE actor_msp_id = $1 AND action <> 'OPEN'
       UNION SELECT assignee_name FROM open_breaks WHERE assignee_msp_id = $1 AND assignee_name IS NOT NULL
     ) people ORDER BY name LIMIT $2`,
    [mspId, COLLEAGUES_MAX],
  );
  return r.rows.map((row) => row.name);
}
