import type { Queryable } from '../sql';

/**
 * The index's rows as `../../indexer/verify.ts` compares them with the ledger, page by page in key order. The
 * rows keep their column names: verify reports each difference by the column that differs.
 */

export interface IndexedCase {
  case_id: string;
  status: string;
  parties: string[];
  is_party: boolean;
  expected: unknown;
  leg_count: number;
  opened_at: Date;
  updated_at: Date;
  due_at: Date;
}

/** Cases after `after` by id, at most `limit`. */
export async function casesAfter(db: Queryable, after: string, limit: number): Promise<IndexedCase[]> {
  const r = await db.query<IndexedCase>(
    `SELECT case_id, status, parties, is_party, expected, leg_count, opened_at, updated_at, due_at
       FROM cases WHERE case_id > $1 ORDER BY case_id LIMIT $2`,
    [after, limit],
  );
  return r.rows;
}

export interface IndexedLeg {
  msp_id: string;
  leg_id: string;
  case_id: string;
  role: string;
  posted_at: Date;
  is_own: boolean;
}

/** The legs of these cases. */
export async function legsOfCases(db: Queryable, caseIds: readonly string[]): Promise<IndexedLeg[]> {
  const r = await db.query<IndexedLeg>(
    'SELECT msp_id, leg_id, case_id, role, posted_at, is_own FROM legs WHERE case_id = ANY($1::text[])',
    [caseIds],
  );
  return r.rows;
}

export interface IndexedBreak {
  break_id: string;
  case_id: string;
  finding_key: string;
  reason: string;
  status: string;
  parties: string[];
  is_party: boolean;
  detail: unknown;
  opened_at: Date;
  updated_at: Date;
  assignee: unknown;
  resolution: string | null;
  last_seq: number;
}

/** Breaks after `after` by id, at most `limit`. */
export async function breaksAfter(db: Queryable, after: string, limit: number): Promise<IndexedBreak[]> {
  const r = await db.query<IndexedBreak>(
    `SELECT break_id, case_id, finding_key, reason, status, parties, is_party, detail, opened_at, updated_at,
            assignee, resolution, last_seq
       FROM breaks WHERE break_id > $1 ORDER BY break_id LIMIT $2`,
    [after, limit],
  );
  return r.rows;
}

export interface IndexedTransition {
  break_id: string;
  seq: number;
  action: string;
  from_status: string | null;
  to_status: string;
  actor_msp_id: string;
  actor_id: string;
  actor_name: string;
  at: Date;
  tx_id: string;
  comment_sealed: string;
  assignee: string | null;
  kind: string | null;
}

/** The timelines of these breaks, by break and seq. */
export async function transitionsOfBreaks(
  db: Queryable,
  breakIds: readonly string[],
): Promise<IndexedTransition[]> {
  const r = await db.query<IndexedTransition>(
    `SELECT break_id, seq, action, from_status, to_status, actor_msp_id, actor_id, actor_name, at, tx_id,
            comment_sealed, assignee, kind
       FROM break_transitions WHERE break_id = ANY($1::text[]) ORDER BY break_id, seq`,
    [breakIds],
  );
  return r.rows;
}

/** An own leg's plaintext as the index keeps it, beside its public row (null fields: no plaintext row). */
export interface IndexedOwnLeg {
  leg_id: string;
  case_id: string;
  own_case_id: string | null;
  reference: string | null;
  role: string | null;
  branch: string | null;
  route: unknown;
  amount_minor: string | null;
  currency: string | null;
  value_date: string | null;
  payer_ref: string | null;
  payee_ref: string | null;
  outcome: string | null;
  corrects: string | null;
}

/** The institution's own legs (public side) after `after` by leg id, at most `limit`, with their plaintext. */
export async function ownLegsAfter(
  db: Queryable,
  mspId: string,
  after: string,
  limit: number,
): Promise<IndexedOwnLeg[]> {
  const r = await db.query<IndexedOwnLeg>(
    `SELECT l.leg_id, l.case_id, o.case_id AS own_case_id, o.reference, o.role, o.branch, o.route,
            o.amount_minor::text AS amount_minor, o.currency, o.value_date::text AS value_date, o.payer_ref,
            o.payee_ref, o.outcome, o.corrects
       FROM legs l LEFT JOIN own_legs o ON o.msp_id = l.msp_id AND o.leg_id = l.leg_id
      WHERE l.msp_id = $1 AND l.is_own AND l.leg_id > $2
      ORDER BY l.leg_id LIMIT $3`,
    [mspId, after, limit],
  );
  return r.rows;
}

/** Ids of plaintext own legs whose leg the index does not know as its own. */
export async function ownLegsWithoutLeg(db: Queryable): Promise<string[]> {
  const r = await db.query<{ leg_id: string }>(
    `SELECT o.leg_id FROM own_legs o
      WHERE NOT EXISTS (SELECT 1 FROM legs l WHERE l.msp_id = o.msp_id AND l.leg_id = o.leg_id AND l.is_own)
      ORDER BY o.leg_id`,
  );
  return r.rows.map((row) => row.leg_id);
}

/** The whole work queue's ids, statuses and reasons. */
export async function queueEntries(
  db: Queryable,
): Promise<{ break_id: string; status: string; reason: string }[]> {
  const r = await db.query<{ break_id: string; status: string; reason: string }>(
    'SELECT break_id, status, reason FROM open_breaks',
  );
  return r.rows;
}
