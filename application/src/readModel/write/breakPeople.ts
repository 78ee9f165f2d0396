import { openAssignee, openEntryPeople } from '../../../../chaincode/src/ledger/breakPeople';
import type { Queryable } from '../sql';

/**
 * Names the persons the index still holds sealed, in the cases whose people keys are given (the node has just
 * learned their references: one of its own legs, or a person opened the case with it). The index keeps a break's
 * persons as the ledger holds them until it can open them (`../rows.ts`: SealedPersons, and a step's actor with
 * its sealed persons as its id), so naming them needs no ledger read. Idempotent: a named row is left alone.
 */
export async function nameBreakPeople(db: Queryable, keys: ReadonlyMap<string, Buffer>): Promise<number> {
  if (keys.size === 0) return 0;
  const cases = [...keys.keys()];
  const key = (caseId: string): Buffer => keys.get(caseId) as Buffer;

  const breaks = await db.query<{ break_id: string; case_id: string; sealed: string }>(
    `SELECT break_id, case_id, assignee ->> 'sealed' AS sealed FROM breaks
      WHERE case_id = ANY($1::text[]) AND assignee ? 'sealed'`,
    [cases],
  );
  if (breaks.rows.length > 0) {
    const ids = breaks.rows.map((r) => r.break_id);
    const assignees = breaks.rows.map((r) => {
      const a = openAssignee(key(r.case_id), r.case_id, r.sealed);
      return a === undefined ? null : JSON.stringify(a);
    });
    await db.query(
      `UPDATE breaks SET assignee = t.assignee::jsonb
         FROM unnest($1::text[], $2::text[]) AS t(break_id, assignee) WHERE breaks.break_id = t.break_id`,
      [ids, assignees],
    );
    for (const table of ['open_breaks', 'closed_breaks'] as const)
      await db.query(
        `UPDATE ${table}
            SET assignee_msp_id = t.assignee::jsonb ->> 'mspId', assignee_name = t.assignee::jsonb ->> 'name'
           FROM unnest($1::text[], $2::text[]) AS t(break_id, assignee) WHERE ${table}.break_id = t.break_id`,
        [ids, assignees],
      );
  }

  const steps = await db.query<{ break_id: string; seq: number; case_id: string; sealed: string }>(
    `SELECT t.break_id, t.seq, b.case_id, t.actor_id AS sealed
       FROM break_transitions t JOIN breaks b ON b.break_id = t.break_id
      WHERE b.case_id = ANY($1::text[]) AND t.actor_msp_id = '' AND t.actor_id <> ''`,
    [cases],
  );
  if (steps.rows.length > 0) {
    const opened = steps.rows.map((r) => openEntryPeople(key(r.case_id), r.case_id, r.sealed));
    await db.query(
      `UPDATE break_transitions SET actor_msp_id = t.msp_id, actor_id = t.actor_id, actor_name = t.name,
              assignee = t.assignee
         FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
              AS t(break_id, seq, msp_id, actor_id, name, assignee)
        WHERE break_transitions.break_id = t.break_id AND break_transitions.seq = t.seq`,
      [
        steps.rows.map((r) => r.break_id),
        steps.rows.map((r) => r.seq),
        opened.map((o) => o.actor.mspId),
        opened.map((o) => o.actor.id),
        opened.map((o) => o.actor.name),
        opened.map((o) => o.assignee ?? null),
      ],
    );
  }
  return breaks.rows.length + steps.rows.length;
}
