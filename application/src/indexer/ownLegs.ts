import type pg from 'pg';

import { AMOUNT_MINOR_MAX } from '../../../chaincode/src/core/money';
import type { Identity, LedgerGateway, LegInput } from '../ledger/ledgerGateway';
import type { LegRow, OwnLegRow } from './projection';

/**
 * The plaintext of the institution's own legs. The ledger shows other members only digests and a sealed copy;
 * the institution's own implicit private collection holds each of its legs as posted. The indexer reads them
 * from there for every own leg a batch of blocks adds, and writes them in the same SQL transaction as the
 * batch's rows and checkpoint: an own leg is in the index exactly when its block is, whatever crashed or failed
 * in between, and what the index holds is what the ledger holds, not what some caller said it sent.
 */

/** Reads the institution's own legs from the ledger (its private collection), in the order asked. */
export type OwnLegReader = (legs: readonly { caseId: string; legId: string }[]) => Promise<LegInput[]>;

/** A reader over the ledger seam, as `who` (a member of the institution with any role). */
export function ownLegReader(gateway: Pick<LedgerGateway, 'readOwnLegs'>, who: Identity): OwnLegReader {
  return async (legs) => {
    const out: LegInput[] = [];
    for (let i = 0; i < legs.length; i += OWN_LEGS_PER_READ)
      out.push(...(await gateway.readOwnLegs(who, legs.slice(i, i + OWN_LEGS_PER_READ))));
    return out;
  };
}

/** Legs per ledger query (the chaincode's ownLegsReadMax is larger: a query stays well inside it). */
const OWN_LEGS_PER_READ = 1_000;

/** The own legs among `legs` (a projection's), with their details read from the ledger. */
export async function ownLegDetails(legs: readonly LegRow[], read: OwnLegReader): Promise<OwnLegRow[]> {
  const own = legs.filter((l) => l.isOwn);
  if (own.length === 0) return [];
  const details = await read(own.map((l) => ({ caseId: l.caseId, legId: l.legId })));
  if (details.length !== own.length)
    throw new Error(`own legs: asked the ledger for ${own.length}, it answered ${details.length}`);
  return own.map((l, i) => {
    const leg = details[i];
    if (leg?.legId !== l.legId)
      throw new Error(`own legs: answer ${i} is leg ${leg?.legId ?? '?'}, expected ${l.legId}`);
    return { leg, caseId: l.caseId, txId: l.origin.txId, blockNumber: l.origin.blockNumber };
  });
}

/** Minor units as the core allows them: at most 18 digits, no sign, no fraction. */
function amountText(leg: LegInput): string {
  const text = typeof leg.amountMinor === 'bigint' ? leg.amountMinor.toString() : leg.amountMinor;
  if (!/^(0|[1-9]\d*)$/.test(text) || BigInt(text) > AMOUNT_MINOR_MAX)
    throw new Error(`own legs: leg ${leg.legId}: bad amountMinor ${text}`);
  return text;
}

/** Rows per INSERT: unnest of 15 arrays keeps a statement well under PostgreSQL's limits. */
const ROWS_PER_STATEMENT = 5_000;

/**
 * Writes own legs (inside the caller's SQL transaction). A leg already there is kept: its content cannot
 * differ, the ledger refuses a second leg under one id.
 */
export async function writeOwnLegs(
  db: Pick<pg.ClientBase, 'query'>,
  mspId: string,
  rows: readonly OwnLegRow[],
): Promise<number> {
  let written = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const r = await db.query(
      `INSERT INTO own_legs (msp_id, leg_id, case_id, reference, role, branch, route, amount_minor, currency,
                             value_date, payer_ref, payee_ref, outcome, tx_id, block_number)
       SELECT msp_id, leg_id, case_id, reference, role, branch, route::jsonb, amount_minor, currency, value_date,
              payer_ref, payee_ref, outcome, tx_id, block_number
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::numeric[], $9::text[], $10::date[], $11::text[], $12::text[], $13::text[], $14::text[],
                     $15::bigint[])
           AS t(msp_id, leg_id, case_id, reference, role, branch, route, amount_minor, currency, value_date,
                payer_ref, payee_ref, outcome, tx_id, block_number)
       ON CONFLICT (msp_id, leg_id) DO NOTHING`,
      [
        chunk.map(() => mspId),
        chunk.map((r) => r.leg.legId),
        chunk.map((r) => r.caseId),
        chunk.map((r) => r.leg.reference),
        chunk.map((r) => r.leg.role),
        chunk.map((r) => r.leg.branch ?? null),
        chunk.map((r) => JSON.stringify(r.leg.route)),
        chunk.map((r) => amountText(r.leg)),
        chunk.map((r) => r.leg.currency),
        chunk.map((r) => r.leg.valueDate),
        chunk.map((r) => r.leg.payerRef),
        chunk.map((r) => r.leg.payeeRef),
        chunk.map((r) => r.leg.outcome),
        chunk.map((r) => r.txId),
        chunk.map((r) => r.blockNumber.toString()),
      ],
    );
    written += r.rowCount ?? 0;
  }
  return written;
}

/** Own legs the index has on its public side (`legs.is_own`) but not in `own_legs`: what a repair must fetch. */
export async function ownLegsMissing(
  db: Pick<pg.ClientBase, 'query'>,
  mspId: string,
  limit: number,
): Promise<LegRow[]> {
  const r = await db.query<{
    leg_id: string;
    case_id: string;
    role: LegRow['role'];
    posted_at: Date;
    block_number: string;
    tx_index: number;
    tx_id: string;
  }>(
    `SELECT l.leg_id, l.case_id, l.role, l.posted_at, l.block_number, l.tx_index, l.tx_id
       FROM legs l
      WHERE l.msp_id = $1 AND l.is_own
        AND NOT EXISTS (SELECT 1 FROM own_legs o WHERE o.msp_id = l.msp_id AND o.leg_id = l.leg_id)
      ORDER BY l.block_number, l.tx_index, l.leg_id
      LIMIT $2`,
    [mspId, limit],
  );
  return r.rows.map((row) => ({
    mspId,
    legId: row.leg_id,
    caseId: row.case_id,
    role: row.role,
    postedAt: row.posted_at.toISOString(),
    isOwn: true,
    origin: { blockNumber: BigInt(row.block_number), txIndex: row.tx_index, txId: row.tx_id },
  }));
}
