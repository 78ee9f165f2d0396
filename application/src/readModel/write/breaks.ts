import type { TimelineEntry } from '../../../../chaincode/src/core/breakMachine';
import { ContinuityError } from '../checkpoint';
import type { BreakRow, TransitionRow } from '../rows';
import {
  jsonText,
  originColumns,
  textArrayOfJson,
  unnestRows,
  updateSet,
  type Columns,
  type Queryable,
} from '../sql';

/**
 * Every break's timeline must continue where the index left it: entries seq 0, 1, 2, ... with no gap and no
 * repeat. A gap means a change was skipped; the transaction is refused rather than indexed wrong.
 */
export async function checkTimelines(
  client: Queryable,
  breaks: ReadonlyMap<string, BreakRow>,
  transitions: readonly TransitionRow[],
): Promise<void> {
  if (breaks.size === 0) return;
  const ids = [...breaks.keys()];
  const r = await client.query<{ break_id: string; last_seq: number }>(
    'SELECT break_id, last_seq FROM breaks WHERE break_id = ANY($1::text[])',
    [ids],
  );
  const next = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const row of r.rows) next.set(row.break_id, row.last_seq + 1);
  const known = new Set(r.rows.map((row) => row.break_id));
  for (const t of transitions) {
    const expected = next.get(t.breakId) ?? 0;
    if (t.entry.seq !== expected)
      throw new ContinuityError(
        `break ${t.breakId}: timeline entry ${t.entry.seq} in tx ${t.origin.txId}, expected ${expected}`,
      );
    next.set(t.breakId, expected + 1);
    known.add(t.breakId);
  }
  for (const id of ids)
    if (!known.has(id)) throw new ContinuityError(`break ${id} changed before it was opened in the index`);
}

const BREAK_COLUMNS: Columns<BreakRow> = {
  break_id: ['text', (b) => b.breakId],
  case_id: ['text', (b) => b.caseId],
  finding_key: ['text', (b) => b.findingKey],
  reason: ['text', (b) => b.reason],
  status: ['text', (b) => b.status],
  parties: ['text', (b) => jsonText(b.parties), textArrayOfJson('parties')],
  is_party: ['boolean', (b) => b.isParty],
  detail: ['text', (b) => jsonText(b.detail), 'detail::jsonb'],
  opened_at: ['timestamptz', (b) => b.openedAt],
  updated_at: ['timestamptz', (b) => b.updatedAt],
  assignee: ['text', (b) => (b.assignee ? jsonText(b.assignee) : null), 'assignee::jsonb'],
  resolution: ['text', (b) => b.resolution],
  root_cause: ['text', (b) => b.rootCause],
  due_at: ['timestamptz', (b) => b.dueAt],
  last_action: ['text', (b) => b.lastAction],
  last_seq: ['int', (b) => b.lastSeq],
  ...originColumns((b) => b.origin),
};

/** `breaks`: each break's newest state; `last_seq` never goes back (an UPDATE carries -1). */
export async function writeBreaks(client: Queryable, breaks: readonly BreakRow[]): Promise<void> {
  if (breaks.length === 0) return;
  const u = unnestRows(breaks, BREAK_COLUMNS);
  await client.query(
    `INSERT INTO breaks (${u.names}) SELECT ${u.select} FROM ${u.from}
     ON CONFLICT (break_id) DO UPDATE SET ${updateSet(BREAK_COLUMNS, ['break_id'], {
       last_seq: 'GREATEST(breaks.last_seq, EXCLUDED.last_seq)',
     })}`,
    u.values,
  );
}

const entry =
  <T>(of: (e: TimelineEntry) => T) =>
  (t: TransitionRow): T =>
    of(t.entry);

const TRANSITION_COLUMNS: Columns<TransitionRow> = {
  break_id: ['text', (t) => t.breakId],
  seq: ['int', entry((e) => e.seq)],
  action: ['text', entry((e) => e.action)],
  from_status: ['text', entry((e) => e.from)],
  to_status: ['text', entry((e) => e.to)],
  actor_msp_id: ['text', entry((e) => e.actor.mspId)],
  actor_id: ['text', entry((e) => e.actor.id)],
  actor_name: ['text', entry((e) => e.actor.name)],
  at: ['timestamptz', entry((e) => e.at)],
  tx_id: ['text', entry((e) => e.txId)],
  comment_sealed: ['text', entry((e) => e.comment)],
  assignee: ['text', entry((e) => e.assignee ?? null)],
  kind: ['text', entry((e) => e.kind ?? null)],
  root_cause: ['text', entry((e) => e.rootCause ?? null)],
  due_at: ['timestamptz', entry((e) => e.dueAt ?? null)],
  block_number: ['bigint', (t) => t.origin.blockNumber.toString()],
  tx_index: ['int', (t) => t.origin.txIndex],
};

/** `break_transitions`: one row per timeline entry; its key (break_id, seq) refuses an entry written twice. */
export async function writeTransitions(
  client: Queryable,
  transitions: readonly TransitionRow[],
): Promise<void> {
  if (transitions.length === 0) return;
  const u = unnestRows(transitions, TRANSITION_COLUMNS);
  await client.query(
    `INSERT INTO break_transitions (${u.names}) SELECT ${u.select} FROM ${u.from}`,
    u.values,
  );
}
