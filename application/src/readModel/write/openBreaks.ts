import type { OpenBreakRow } from '../rows';
import { jsonText, textArrayOfJson, unnestRows, updateSet, type Columns, type Queryable } from '../sql';
import { refreshOwnLegFacts } from './queueFacts';

const COLUMNS: Columns<OpenBreakRow> = {
  break_id: ['text', (o) => o.breakId],
  case_id: ['text', (o) => o.caseId],
  reason: ['text', (o) => o.reason],
  status: ['text', (o) => o.status],
  opened_at: ['timestamptz', (o) => o.openedAt],
  updated_at: ['timestamptz', (o) => o.updatedAt],
  assignee_msp_id: ['text', (o) => o.assignee?.mspId ?? null],
  assignee_name: ['text', (o) => o.assignee?.name ?? null],
  counterparties: ['text', (o) => jsonText(o.counterparties), textArrayOfJson('counterparties')],
  root_cause: ['text', (o) => o.rootCause],
  due_at: ['timestamptz', (o) => o.dueAt],
};

/**
 * `open_breaks`, the institution's work queue: each break's row replaced, or taken out where it is null. A
 * break taken out because it resolved goes to `closed_breaks` (from its `breaks` row, written before this), so
 * the queue still finds it with its resolution; then the rows' own-leg facts are filled in from `own_legs`.
 */
export async function writeOpenBreaks(
  client: Queryable,
  institution: string,
  openBreaks: ReadonlyMap<string, OpenBreakRow | null>,
): Promise<void> {
  const gone = [...openBreaks].filter(([, row]) => row === null).map(([id]) => id);
  const open = [...openBreaks.values()].filter((row) => row !== null);
  if (gone.length > 0) {
    await client.query('DELETE FROM open_breaks WHERE break_id = ANY($1::text[])', [gone]);
    await closeBreaks(client, institution, gone);
  }
  if (open.length > 0) {
    const u = unnestRows(open, COLUMNS);
    await client.query(
      `INSERT INTO open_breaks (${u.names}) SELECT ${u.select} FROM ${u.from}
       ON CONFLICT (break_id) DO UPDATE SET ${updateSet(COLUMNS, ['break_id'])}`,
      u.values,
    );
  }
  const cases = [...new Set([...open.map((o) => o.caseId)])];
  if (gone.length > 0) {
    const r = await client.query<{ case_id: string }>(
      'SELECT case_id FROM closed_breaks WHERE break_id = ANY($1::text[])',
      [gone],
    );
    cases.push(...r.rows.map((row) => row.case_id));
  }
  await refreshOwnLegFacts(client, institution, cases);
}

/** The resolved breaks among `breakIds` the institution is a party to, as `breaks` holds them now. */
async function closeBreaks(
  client: Queryable,
  institution: string,
  breakIds: readonly string[],
): Promise<void> {
  await client.query(
    `INSERT INTO closed_breaks (break_id, case_id, reason, status, resolution, opened_at, updated_at,
                                assignee_msp_id, assignee_name, counterparties, root_cause, due_at)
     SELECT break_id, case_id, reason, status, resolution, opened_at, updated_at, assignee ->> 'mspId',
            assignee ->> 'name', ARRAY(SELECT p FROM unnest(parties) AS p WHERE p <> $2 ORDER BY p),
            root_cause, due_at
       FROM breaks WHERE break_id = ANY($1::text[]) AND is_party AND status = 'RESOLVED'
     ON CONFLICT (break_id) DO UPDATE SET
       status = EXCLUDED.status, resolution = EXCLUDED.resolution, updated_at = EXCLUDED.updated_at,
       assignee_msp_id = EXCLUDED.assignee_msp_id, assignee_name = EXCLUDED.assignee_name,
       counterparties = EXCLUDED.counterparties, root_cause = EXCLUDED.root_cause, due_at = EXCLUDED.due_at`,
    [breakIds, institution],
  );
}
