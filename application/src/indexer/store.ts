import type pg from 'pg';

import type { TimelineEntry } from '../../../chaincode/src/core/breakMachine';
import { writeOwnLegs } from './ownLegs';
import { comparePositions, utcDay, type DailyCounts, type Origin, type Projection } from './projection';

/** The last transaction the index holds. */
export interface Checkpoint extends Origin {
  readonly institution: string;
}

/** The index and the change stream disagree: applying would skip or repeat something. Nothing was written. */
export class ContinuityError extends Error {
  override readonly name = 'ContinuityError';
}

type Queryable = Pick<pg.ClientBase, 'query'>;

export async function readCheckpoint(db: Queryable): Promise<Checkpoint | undefined> {
  const r = await db.query<{ institution: string; block_number: string; tx_index: number; tx_id: string }>(
    'SELECT institution, block_number, tx_index, tx_id FROM index_checkpoint',
  );
  const row = r.rows[0];
  return row
    ? {
        institution: row.institution,
        blockNumber: BigInt(row.block_number),
        txIndex: row.tx_index,
        txId: row.tx_id,
      }
    : undefined;
}

const json = (v: unknown): string => JSON.stringify(v);

/**
 * Writes one projection and moves the checkpoint to its last transaction. Call inside one SQL transaction
 * (the caller commits): either all of it lands or none. Checks, before writing, that the projection starts
 * after the checkpoint and that every break's timeline continues where the index left it.
 */
export async function applyProjection(
  client: Queryable,
  p: Projection,
  institution: string,
  /** Test seam: runs after the rows, before the checkpoint is written. */
  beforeCheckpoint?: () => Promise<void>,
): Promise<Checkpoint> {
  const last = p.transactions.at(-1);
  if (!last) throw new ContinuityError('an empty projection');

  // Row lock: a second indexer on the same database waits here, then sees the moved checkpoint and stops.
  const cp = await client.query<{ institution: string; block_number: string; tx_index: number }>(
    'SELECT institution, block_number, tx_index FROM index_checkpoint FOR UPDATE',
  );
  const current = cp.rows[0];
  if (current && current.institution !== institution)
    throw new ContinuityError(
      `this index belongs to ${current.institution}; ${institution} cannot write to it`,
    );
  let previous = current
    ? { blockNumber: BigInt(current.block_number), txIndex: current.tx_index }
    : undefined;
  for (const t of p.transactions) {
    if (previous && comparePositions(t, previous) <= 0)
      throw new ContinuityError(
        `transaction ${t.txId} at ${t.blockNumber}:${t.txIndex} is not after ${previous.blockNumber}:${previous.txIndex}`,
      );
    previous = t;
  }

  await checkTimelines(client, p);

  await client.query(
    `INSERT INTO indexed_transactions (block_number, tx_index, tx_id, at, creator_msp_id, creator_subject,
                                       creator_issuer)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[], $5::text[], $6::text[],
                          $7::text[])`,
    [
      p.transactions.map((t) => t.blockNumber.toString()),
      p.transactions.map((t) => t.txIndex),
      p.transactions.map((t) => t.txId),
      p.transactions.map((t) => t.at),
      p.transactions.map((t) => t.creator?.mspId ?? null),
      p.transactions.map((t) => t.creator?.subject ?? null),
      p.transactions.map((t) => t.creator?.issuer ?? null),
    ],
  );

  const daily = new Map<string, DailyCounts & { casesOpened: number; casesMatched: number }>();
  const dayOf = (day: string) => {
    let d = daily.get(day);
    if (!d) {
      d = {
        legsPosted: 0,
        ownLegsPosted: 0,
        breaksOpened: 0,
        breaksResolved: 0,
        byReason: new Map(),
        casesOpened: 0,
        casesMatched: 0,
      };
      daily.set(day, d);
    }
    return d;
  };

  if (p.cases.size > 0) {
    const cases = [...p.cases.values()];
    // `old` reads the rows as they were before this statement: a case is opened if it was not there, matched
    // if it had never been matched before.
    const r = await client.query<{ case_id: string; inserted: boolean; newly_matched: boolean }>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::int[],
                              $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[],
                              $11::bigint[], $12::int[], $13::text[])
           AS t(case_id, status, parties, is_party, expected, leg_count, opened_at, updated_at, due_at,
                matched_at, block_number, tx_index, tx_id)
       ),
       old AS (SELECT c.case_id, c.first_matched_at FROM cases c JOIN input i ON i.case_id = c.case_id),
       up AS (
         INSERT INTO cases (case_id, status, parties, is_party, expected, leg_count, opened_at, updated_at,
                            due_at, first_matched_at, block_number, tx_index, tx_id)
         SELECT case_id, status, ARRAY(SELECT jsonb_array_elements_text(parties::jsonb)), is_party,
                expected::jsonb, leg_count, opened_at, updated_at, due_at, matched_at, block_number, tx_index, tx_id
           FROM input
         ON CONFLICT (case_id) DO UPDATE SET
           status = EXCLUDED.status, parties = EXCLUDED.parties, is_party = EXCLUDED.is_party,
           expected = EXCLUDED.expected, leg_count = EXCLUDED.leg_count, opened_at = EXCLUDED.opened_at,
           updated_at = EXCLUDED.updated_at, due_at = EXCLUDED.due_at,
           first_matched_at = COALESCE(cases.first_matched_at, EXCLUDED.first_matched_at),
           block_number = EXCLUDED.block_number, tx_index = EXCLUDED.tx_index, tx_id = EXCLUDED.tx_id
         RETURNING case_id, first_matched_at
       )
       SELECT up.case_id, old.case_id IS NULL AS inserted,
              (up.first_matched_at IS NOT NULL AND old.first_matched_at IS NULL) AS newly_matched
         FROM up LEFT JOIN old ON old.case_id = up.case_id
        WHERE old.case_id IS NULL OR (up.first_matched_at IS NOT NULL AND old.first_matched_at IS NULL)`,
      [
        cases.map((c) => c.caseId),
        cases.map((c) => c.status),
        cases.map((c) => json(c.parties)),
        cases.map((c) => c.isParty),
        cases.map((c) => json(c.expected)),
        cases.map((c) => c.legCount),
        cases.map((c) => c.openedAt),
        cases.map((c) => c.updatedAt),
        cases.map((c) => c.dueAt),
        cases.map((c) => c.matchedAt),
        cases.map((c) => c.origin.blockNumber.toString()),
        cases.map((c) => c.origin.txIndex),
        cases.map((c) => c.origin.txId),
      ],
    );
    for (const row of r.rows) {
      const c = p.cases.get(row.case_id);
      if (!c) continue;
      if (row.inserted) dayOf(utcDay(c.openedAt)).casesOpened++;
      if (row.newly_matched && c.matchedAt !== null) dayOf(utcDay(c.matchedAt)).casesMatched++;
    }
  }

  if (p.legs.length > 0) {
    await client.query(
      `INSERT INTO legs (msp_id, leg_id, case_id, role, posted_at, is_own, block_number, tx_index, tx_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[],
                            $7::bigint[], $8::int[], $9::text[])`,
      [
        p.legs.map((l) => l.mspId),
        p.legs.map((l) => l.legId),
        p.legs.map((l) => l.caseId),
        p.legs.map((l) => l.role),
        p.legs.map((l) => l.postedAt),
        p.legs.map((l) => l.isOwn),
        p.legs.map((l) => l.origin.blockNumber.toString()),
        p.legs.map((l) => l.origin.txIndex),
        p.legs.map((l) => l.origin.txId),
      ],
    );
  }

  if (p.ownLegs && p.ownLegs.length > 0) await writeOwnLegs(client, institution, p.ownLegs);

  if (p.breaks.size > 0) {
    const breaks = [...p.breaks.values()];
    await client.query(
      `INSERT INTO breaks (break_id, case_id, finding_key, reason, status, parties, is_party, detail, opened_at,
                           updated_at, assignee, resolution, last_action, last_seq, block_number, tx_index, tx_id)
       SELECT break_id, case_id, finding_key, reason, status, ARRAY(SELECT jsonb_array_elements_text(parties::jsonb)),
              is_party, detail::jsonb, opened_at, updated_at, assignee::jsonb, resolution, last_action, last_seq,
              block_number, tx_index, tx_id
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[],
                     $8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[], $13::text[],
                     $14::int[], $15::bigint[], $16::int[], $17::text[])
           AS t(break_id, case_id, finding_key, reason, status, parties, is_party, detail, opened_at, updated_at,
                assignee, resolution, last_action, last_seq, block_number, tx_index, tx_id)
       ON CONFLICT (break_id) DO UPDATE SET
         case_id = EXCLUDED.case_id, finding_key = EXCLUDED.finding_key, reason = EXCLUDED.reason,
         status = EXCLUDED.status, parties = EXCLUDED.parties, is_party = EXCLUDED.is_party,
         detail = EXCLUDED.detail, opened_at = EXCLUDED.opened_at, updated_at = EXCLUDED.updated_at,
         assignee = EXCLUDED.assignee, resolution = EXCLUDED.resolution, last_action = EXCLUDED.last_action,
         last_seq = GREATEST(breaks.last_seq, EXCLUDED.last_seq), block_number = EXCLUDED.block_number,
         tx_index = EXCLUDED.tx_index, tx_id = EXCLUDED.tx_id`,
      [
        breaks.map((b) => b.breakId),
        breaks.map((b) => b.caseId),
        breaks.map((b) => b.findingKey),
        breaks.map((b) => b.reason),
        breaks.map((b) => b.status),
        breaks.map((b) => json(b.parties)),
        breaks.map((b) => b.isParty),
        breaks.map((b) => json(b.detail)),
        breaks.map((b) => b.openedAt),
        breaks.map((b) => b.updatedAt),
        breaks.map((b) => (b.assignee ? json(b.assignee) : null)),
        breaks.map((b) => b.resolution),
        breaks.map((b) => b.lastAction),
        breaks.map((b) => b.lastSeq),
        breaks.map((b) => b.origin.blockNumber.toString()),
        breaks.map((b) => b.origin.txIndex),
        breaks.map((b) => b.origin.txId),
      ],
    );
  }

  if (p.transitions.length > 0) {
    const t = p.transitions;
    const e = (f: (x: TimelineEntry) => unknown) => t.map((x) => f(x.entry));
    await client.query(
      `INSERT INTO break_transitions (break_id, seq, action, from_status, to_status, actor_msp_id, actor_id,
                                      actor_name, at, tx_id, comment_sealed, assignee, kind, block_number, tx_index)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::text[],
                            $14::bigint[], $15::int[])`,
      [
        t.map((x) => x.breakId),
        e((x) => x.seq),
        e((x) => x.action),
        e((x) => x.from),
        e((x) => x.to),
        e((x) => x.actor.mspId),
        e((x) => x.actor.id),
        e((x) => x.actor.name),
        e((x) => x.at),
        e((x) => x.txId),
        e((x) => x.comment),
        e((x) => x.assignee ?? null),
        e((x) => x.kind ?? null),
        t.map((x) => x.origin.blockNumber.toString()),
        t.map((x) => x.origin.txIndex),
      ],
    );
  }

  if (p.openBreaks.size > 0) {
    const gone = [...p.openBreaks].filter(([, row]) => row === null).map(([id]) => id);
    const open = [...p.openBreaks.values()].filter((row) => row !== null);
    if (gone.length > 0)
      await client.query('DELETE FROM open_breaks WHERE break_id = ANY($1::text[])', [gone]);
    if (open.length > 0) {
      await client.query(
        `INSERT INTO open_breaks (break_id, case_id, reason, status, opened_at, updated_at, assignee_msp_id,
                                  assignee_name)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],
                              $6::timestamptz[], $7::text[], $8::text[])
         ON CONFLICT (break_id) DO UPDATE SET
           case_id = EXCLUDED.case_id, reason = EXCLUDED.reason, status = EXCLUDED.status,
           opened_at = EXCLUDED.opened_at, updated_at = EXCLUDED.updated_at,
           assignee_msp_id = EXCLUDED.assignee_msp_id, assignee_name = EXCLUDED.assignee_name`,
        [
          open.map((o) => o.breakId),
          open.map((o) => o.caseId),
          open.map((o) => o.reason),
          open.map((o) => o.status),
          open.map((o) => o.openedAt),
          open.map((o) => o.updatedAt),
          open.map((o) => o.assignee?.mspId ?? null),
          open.map((o) => o.assignee?.name ?? null),
        ],
      );
    }
  }

  for (const [day, d] of p.daily) {
    const into = dayOf(day);
    into.legsPosted += d.legsPosted;
    into.ownLegsPosted += d.ownLegsPosted;
    into.breaksOpened += d.breaksOpened;
    into.breaksResolved += d.breaksResolved;
    for (const [reason, r] of d.byReason) {
      const x = into.byReason.get(reason) ?? { opened: 0, resolved: 0 };
      into.byReason.set(reason, { opened: x.opened + r.opened, resolved: x.resolved + r.resolved });
    }
  }
  const days = [...daily].filter(
    ([, d]) =>
      d.legsPosted + d.ownLegsPosted + d.breaksOpened + d.breaksResolved + d.casesOpened + d.casesMatched > 0,
  );
  if (days.length > 0) {
    await client.query(
      `INSERT INTO daily_stats AS s (day, legs_posted, own_legs_posted, cases_opened, cases_matched,
                                     breaks_opened, breaks_resolved)
       SELECT * FROM unnest($1::date[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
                            $7::bigint[])
       ON CONFLICT (day) DO UPDATE SET
         legs_posted = s.legs_posted + EXCLUDED.legs_posted,
         own_legs_posted = s.own_legs_posted + EXCLUDED.own_legs_posted,
         cases_opened = s.cases_opened + EXCLUDED.cases_opened,
         cases_matched = s.cases_matched + EXCLUDED.cases_matched,
         breaks_opened = s.breaks_opened + EXCLUDED.breaks_opened,
         breaks_resolved = s.breaks_resolved + EXCLUDED.breaks_resolved`,
      [
        days.map(([day]) => day),
        days.map(([, d]) => d.legsPosted),
        days.map(([, d]) => d.ownLegsPosted),
        days.map(([, d]) => d.casesOpened),
        days.map(([, d]) => d.casesMatched),
        days.map(([, d]) => d.breaksOpened),
        days.map(([, d]) => d.breaksResolved),
      ],
    );
  }
  const reasons = days.flatMap(([day, d]) => [...d.byReason].map(([reason, r]) => ({ day, reason, ...r })));
  if (reasons.length > 0) {
    await client.query(
      `INSERT INTO daily_breaks_by_reason AS s (day, reason, opened, resolved)
       SELECT * FROM unnest($1::date[], $2::text[], $3::bigint[], $4::bigint[])
       ON CONFLICT (day, reason) DO UPDATE SET
         opened = s.opened + EXCLUDED.opened, resolved = s.resolved + EXCLUDED.resolved`,
      [
        reasons.map((r) => r.day),
        reasons.map((r) => r.reason),
        reasons.map((r) => r.opened),
        reasons.map((r) => r.resolved),
      ],
    );
  }

  await beforeCheckpoint?.();
  await client.query(
    `INSERT INTO index_checkpoint (singleton, institution, block_number, tx_index, tx_id, updated_at)
     VALUES (true, $1, $2, $3, $4, now())
     ON CONFLICT (singleton) DO UPDATE SET
       block_number = EXCLUDED.block_number, tx_index = EXCLUDED.tx_index, tx_id = EXCLUDED.tx_id,
       updated_at = EXCLUDED.updated_at`,
    [institution, last.blockNumber.toString(), last.txIndex, last.txId],
  );
  return { institution, blockNumber: last.blockNumber, txIndex: last.txIndex, txId: last.txId };
}

/**
 * Every break's timeline must continue where the index left it: entries seq 0, 1, 2, ... with no gap and no
 * repeat. A gap means a change was skipped; the transaction is refused rather than indexed wrong.
 */
async function checkTimelines(client: Queryable, p: Projection): Promise<void> {
  if (p.breaks.size === 0) return;
  const ids = [...p.breaks.keys()];
  const r = await client.query<{ break_id: string; last_seq: number }>(
    'SELECT break_id, last_seq FROM breaks WHERE break_id = ANY($1::text[])',
    [ids],
  );
  const next = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const row of r.rows) next.set(row.break_id, row.last_seq + 1);
  const known = new Set(r.rows.map((row) => row.break_id));
  for (const t of p.transitions) {
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
