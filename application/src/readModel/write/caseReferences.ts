import type { Queryable } from '../sql';

/**
 * Keeps the references the ledger let the node learn for cases of the institution (`case_references`), all of a
 * batch in one statement: as `rememberCaseReference` (`../caseReferences.ts`) row by row, the first one stays
 * and a case with one of the institution's own legs (written before this, in the same SQL transaction) needs
 * none. One statement, not one per case: the indexer learns a reference for most new cases of a batch from
 * their notices, and a statement per case cost the member API about 1,400-1,800 µs per leg
 * (docs/PERFORMANCE-NOTES.md, the member API's index write cost).
 */
export async function rememberCaseReferences(
  db: Queryable,
  mspId: string,
  references: readonly { readonly caseId: string; readonly reference: string }[],
): Promise<void> {
  if (references.length === 0) return;
  await db.query(
    `INSERT INTO case_references (msp_id, case_id, reference)
     SELECT $1, t.case_id, t.reference FROM unnest($2::text[], $3::text[]) AS t(case_id, reference)
      WHERE NOT EXISTS (SELECT 1 FROM own_legs o WHERE o.msp_id = $1 AND o.case_id = t.case_id)
     ON CONFLICT (msp_id, case_id) DO NOTHING`,
    [mspId, references.map((r) => r.caseId), references.map((r) => r.reference)],
  );
}
