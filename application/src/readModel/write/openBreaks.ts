import type { OpenBreakRow } from '../rows';
import { unnestRows, updateSet, type Columns, type Queryable } from '../sql';

const COLUMNS: Columns<OpenBreakRow> = {
  break_id: ['text', (o) => o.breakId],
  case_id: ['text', (o) => o.caseId],
  reason: ['text', (o) => o.reason],
  status: ['text', (o) => o.status],
  opened_at: ['timestamptz', (o) => o.openedAt],
  updated_at: ['timestamptz', (o) => o.updatedAt],
  assignee_msp_id: ['text', (o) => o.assignee?.mspId ?? null],
  assignee_name: ['text', (o) => o.assignee?.name ?? null],
};

/** `open_breaks`, the institution's work queue: each break's row replaced, or taken out where it is null. */
export async function writeOpenBreaks(
  client: Queryable,
  openBreaks: ReadonlyMap<string, OpenBreakRow | null>,
): Promise<void> {
  const gone = [...openBreaks].filter(([, row]) => row === null).map(([id]) => id);
  const open = [...openBreaks.values()].filter((row) => row !== null);
  if (gone.length > 0) await client.query('DELETE FROM open_breaks WHERE break_id = ANY($1::text[])', [gone]);
  if (open.length === 0) return;
  const u = unnestRows(open, COLUMNS);
  await client.query(
    `INSERT INTO open_breaks (${u.names}) SELECT ${u.select} FROM ${u.from}
     ON CONFLICT (break_id) DO UPDATE SET ${updateSet(COLUMNS, ['break_id'])}`,
    u.values,
  );
}
