import type { Queryable } from './sql';

/**
 * The payment reference of one of the institution's cases, if the node holds it: from one of its own legs in
 * the case (`own_legs`), or learned when a person opened the case with it (`case_references`). Undefined
 * otherwise, whether or not the case exists: the answer says nothing of other institutions' cases.
 */
export async function referenceOfCase(
  db: Queryable,
  mspId: string,
  caseId: string,
): Promise<string | undefined> {
  const r = await db.query<{ reference: string }>(
    `SELECT reference FROM (
       (SELECT reference FROM own_legs WHERE msp_id = $1 AND case_id = $2 LIMIT 1)
       UNION ALL
       (SELECT reference FROM case_references WHERE msp_id = $1 AND case_id = $2)
     ) known LIMIT 1`,
    [mspId, caseId],
  );
  return r.rows[0]?.reference;
}

/** The payment reference of a break's case, if the node holds it (as referenceOfCase; the break from the index). */
export async function referenceOfBreak(
  db: Queryable,
  mspId: string,
  breakId: string,
): Promise<string | undefined> {
  const r = await db.query<{ case_id: string }>('SELECT case_id FROM breaks WHERE break_id = $1', [breakId]);
  const caseId = r.rows[0]?.case_id;
  return caseId === undefined ? undefined : referenceOfCase(db, mspId, caseId);
}

/**
 * Keeps a reference the ledger accepted for a case of the institution (the first one stays: it cannot differ),
 * unless one of the institution's own legs in the case holds it already.
 */
export async function rememberCaseReference(
  db: Queryable,
  mspId: string,
  caseId: string,
  reference: string,
): Promise<void> {
  await db.query(
    `INSERT INTO case_references (msp_id, case_id, reference)
       SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM own_legs WHERE msp_id = $1 AND case_id = $2)
       ON CONFLICT (msp_id, case_id) DO NOTHING`,
    [mspId, caseId, reference],
  );
}

/** The payment references the node holds for some of the institution's cases (as referenceOfCase), by case id. */
export async function referencesOfCases(
  db: Queryable,
  mspId: string,
  caseIds: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (caseIds.length === 0) return out;
  const r = await db.query<{ case_id: string; reference: string }>(
    `SELECT DISTINCT ON (case_id) case_id, reference FROM (
       SELECT case_id, reference FROM own_legs WHERE msp_id = $1 AND case_id = ANY($2::text[])
       UNION ALL
       SELECT case_id, reference FROM case_references WHERE msp_id = $1 AND case_id = ANY($2::text[])
     ) known`,
    [mspId, caseIds],
  );
  for (const row of r.rows) out.set(row.case_id, row.reference);
  return out;
}
