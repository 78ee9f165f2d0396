import type { LegRow } from '../rows';
import { originColumns, repeats, unnestRows, type Columns, type Queryable } from '../sql';

const COLUMNS: Columns<LegRow> = {
  msp_id: repeats('text', (l) => l.mspId),
  leg_id: ['text', (l) => l.legId],
  case_id: ['text', (l) => l.caseId],
  role: repeats('text', (l) => l.role),
  posted_at: repeats('timestamptz', (l) => l.postedAt),
  is_own: ['boolean', (l) => l.isOwn],
  ...originColumns((l) => l.origin),
};

/** `legs`: the public facts of each leg; the ledger holds one leg per id, so a second write is an error. */
export async function writeLegs(client: Queryable, legs: readonly LegRow[]): Promise<void> {
  if (legs.length === 0) return;
  const u = unnestRows(legs, COLUMNS);
  await client.query(`INSERT INTO legs (${u.names}) SELECT ${u.select} FROM ${u.from}`, u.values);
}
