import type pg from 'pg';

import type { PostedLeg } from '../../../chaincode/src/contract/reconciliation';
import type { Committed, LegInput } from '../ledger/ledgerGateway';

/** Minor units fit NUMERIC(20,0): at most 20 digits, no sign, no fraction. */
const AMOUNT_MINOR = /^(0|[1-9]\d{0,19})$/;

/**
 * The plaintext enrichment hook: the node that posted legs knows what it sent, so after a successful post the
 * API calls this to keep its own legs' details (amount, accounts, reference) beside the public index. Only
 * legs of `mspId` are accepted; recording the same leg again changes nothing (legs are idempotent by id on the
 * ledger, so the content cannot differ).
 */
export async function recordOwnLegs(
  db: Pick<pg.Pool, 'query'>,
  mspId: string,
  legs: readonly LegInput[],
  committed: Committed<readonly PostedLeg[]>,
): Promise<number> {
  return recordOwnLegsBatches(db, mspId, [{ legs, committed }]);
}

/** Rows per INSERT: unnest of 15 arrays keeps a statement well under PostgreSQL's limits. */
const ROWS_PER_STATEMENT = 5_000;

/**
 * Many posts' own legs at once (a node that learns after the fact what its institution's system posted, as
 * `npm start` does after replaying a business day): the same rows as `recordOwnLegs`, in few statements.
 */
export async function recordOwnLegsBatches(
  db: Pick<pg.Pool, 'query'>,
  mspId: string,
  batches: readonly {
    readonly legs: readonly LegInput[];
    readonly committed: Committed<readonly PostedLeg[]>;
  }[],
): Promise<number> {
  const rows = batches.flatMap(({ legs, committed }) => {
    if (committed.result.length !== legs.length)
      throw new Error(`recordOwnLegs: ${legs.length} legs but ${committed.result.length} results`);
    return legs.map((leg, i) => {
      const posted = committed.result[i];
      if (posted?.legId !== leg.legId)
        throw new Error(`recordOwnLegs: result ${i} is leg ${posted?.legId ?? '?'}, expected ${leg.legId}`);
      const amount = typeof leg.amountMinor === 'bigint' ? leg.amountMinor.toString() : leg.amountMinor;
      if (!AMOUNT_MINOR.test(amount))
        throw new Error(`recordOwnLegs: leg ${leg.legId}: bad amountMinor ${amount}`);
      return { leg, caseId: posted.caseId, amount, committed };
    });
  });
  let recorded = 0;
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
        chunk.map((r) => r.amount),
        chunk.map((r) => r.leg.currency),
        chunk.map((r) => r.leg.valueDate),
        chunk.map((r) => r.leg.payerRef),
        chunk.map((r) => r.leg.payeeRef),
        chunk.map((r) => r.leg.outcome),
        chunk.map((r) => r.committed.txId),
        chunk.map((r) => r.committed.blockNumber.toString()),
      ],
    );
    recorded += r.rowCount ?? 0;
  }
  return recorded;
}
