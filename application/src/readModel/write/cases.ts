import { countsOf, utcDay, type DailyCounts } from '../dailyCounts';
import type { CaseRow } from '../rows';
import {
  jsonText,
  originColumns,
  repeats,
  textArrayLiteral,
  unnestRows,
  updateSet,
  type Columns,
  type Queryable,
} from '../sql';

const COLUMNS: Columns<CaseRow> = {
  case_id: ['text', (c) => c.caseId],
  status: ['text', (c) => c.status],
  parties: ['text', (c) => textArrayLiteral(c.parties), 'parties::text[]'],
  is_party: ['boolean', (c) => c.isParty],
  // A payment's route, and the times of the few transactions a batch holds: each sent and parsed once.
  expected: repeats('jsonb', (c) => jsonText(c.expected)),
  leg_count: ['int', (c) => c.legCount],
  opened_at: repeats('timestamptz', (c) => c.openedAt),
  updated_at: repeats('timestamptz', (c) => c.updatedAt),
  due_at: repeats('timestamptz', (c) => c.dueAt),
  first_matched_at: repeats('timestamptz', (c) => c.matchedAt),
  ...originColumns((c) => c.origin),
};

/**
 * Upserts `cases` (their newest state; the first time a case matched is kept) and answers what that did to the
 * daily counters: a case is opened on its day if it was not in the index, matched on its day if it had never
 * been matched before. `old` reads the rows as they were before this statement.
 */
export async function writeCases(
  client: Queryable,
  cases: readonly CaseRow[],
): Promise<Map<string, DailyCounts>> {
  const days = new Map<string, DailyCounts>();
  if (cases.length === 0) return days;
  const u = unnestRows(cases, COLUMNS);
  // `old` by the key ($1, the case ids: COLUMNS' first), an index lookup per case; a join with the input made
  // PostgreSQL hash the whole table for every batch, a cost that grew with the index.
  const r = await client.query<{ case_id: string; inserted: boolean; newly_matched: boolean }>(
    `WITH input AS (SELECT * FROM ${u.from}),
       old AS (SELECT case_id, first_matched_at FROM cases WHERE case_id = ANY($1::text[])),
       up AS (
         INSERT INTO cases (${u.names}) SELECT ${u.select} FROM input
         ON CONFLICT (case_id) DO UPDATE SET ${updateSet(COLUMNS, ['case_id'], {
           first_matched_at: 'COALESCE(cases.first_matched_at, EXCLUDED.first_matched_at)',
         })}
         RETURNING case_id, first_matched_at
       )
     SELECT up.case_id, old.case_id IS NULL AS inserted,
            (up.first_matched_at IS NOT NULL AND old.first_matched_at IS NULL) AS newly_matched
       FROM up LEFT JOIN old ON old.case_id = up.case_id
      WHERE old.case_id IS NULL OR (up.first_matched_at IS NOT NULL AND old.first_matched_at IS NULL)`,
    u.values,
  );
  const byId = new Map(cases.map((c) => [c.caseId, c]));
  for (const row of r.rows) {
    const c = byId.get(row.case_id);
    if (!c) continue;
    if (row.inserted) countsOf(days, utcDay(c.openedAt)).casesOpened++;
    if (row.newly_matched && c.matchedAt !== null) countsOf(days, utcDay(c.matchedAt)).casesMatched++;
  }
  return days;
}
