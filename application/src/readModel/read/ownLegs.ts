import type { LegRole, RouteStop } from '../../../../chaincode/src/core/leg';
import type { LegInput } from '../../ledger/ledgerGateway';
import type { LegRow } from '../rows';
import type { Queryable } from '../sql';

/**
 * An own leg that no later own leg corrects (the alias `o`): a corrected leg stays in `own_legs`, as on the
 * ledger, but the books compare with its correction.
 */
export const LIVE_OWN_LEG = `NOT EXISTS (SELECT 1 FROM own_legs c WHERE c.msp_id = o.msp_id AND c.corrects = o.leg_id)`;

/** One of the institution's own legs as the index holds it (`own_legs`): the plaintext it posted. */
export type OwnLeg = LegInput & { readonly mspId: string; readonly amountMinor: string };

interface OwnLegTableRow {
  leg_id: string;
  reference: string;
  role: LegRole;
  branch: string | null;
  route: RouteStop[];
  amount_minor: string;
  currency: string;
  value_date: string;
  payer_ref: string;
  payee_ref: string;
  outcome: LegInput['outcome'];
}

/**
 * The institution's own live legs (corrected ones left out: LIVE_OWN_LEG) with a value date from `from` to
 * `to` (inclusive), in no particular order.
 */
export async function ownLegsBetween(
  db: Queryable,
  mspId: string,
  from: string,
  to: string,
): Promise<OwnLeg[]> {
  const r = await db.query<OwnLegTableRow>(
    `SELECT leg_id, reference, role, branch, route, amount_minor::text, currency, value_date::text, payer_ref, payee_ref, outcome
       FROM own_legs o WHERE msp_id = $1 AND value_date BETWEEN $2 AND $3 AND ${LIVE_OWN_LEG}`,
    [mspId, from, to],
  );
  return r.rows.map((row) => ({
    mspId,
    legId: row.leg_id,
    reference: row.reference,
    role: row.role,
    ...(row.branch ? { branch: row.branch } : {}),
    route: row.route,
    amountMinor: row.amount_minor,
    currency: row.currency,
    valueDate: row.value_date,
    payerRef: row.payer_ref,
    payeeRef: row.payee_ref,
    outcome: row.outcome,
  }));
}

/** An own leg of a debtor's or creditor's agent, as a statement extract lists it. */
export interface ExtractLeg {
  readonly legId: string;
  readonly reference: string;
  readonly role: 'DEBTOR_AGENT' | 'CREDITOR_AGENT';
  readonly amountMinor: string;
  readonly currency: string;
  readonly valueDate: string;
  readonly payerRef: string;
  readonly payeeRef: string;
}

/**
 * The institution's own live legs with a side (clearing legs have none), value dates `from` to `to`, ordered by value
 * date and leg id, at most `limit` of them (ask for one more than you allow to know that there were more).
 */
export async function ownLegsToExtract(
  db: Queryable,
  mspId: string,
  from: string,
  to: string,
  limit: number,
): Promise<ExtractLeg[]> {
  const r = await db.query<Omit<OwnLegTableRow, 'role'> & { role: ExtractLeg['role'] }>(
    `SELECT leg_id, reference, role, amount_minor::text, currency, value_date::text, payer_ref, payee_ref
       FROM own_legs o
      WHERE msp_id = $1 AND value_date BETWEEN $2 AND $3 AND role IN ('DEBTOR_AGENT', 'CREDITOR_AGENT')
        AND ${LIVE_OWN_LEG}
      ORDER BY value_date, leg_id
      LIMIT $4`,
    [mspId, from, to, limit],
  );
  return r.rows.map((row) => ({
    legId: row.leg_id,
    reference: row.reference,
    role: row.role,
    amountMinor: row.amount_minor,
    currency: row.currency.trim(),
    valueDate: row.value_date,
    payerRef: row.payer_ref,
    payeeRef: row.payee_ref,
  }));
}

/**
 * Own legs the index has on its public side (`legs.is_own`) but not in `own_legs`, in ledger order, at most
 * `limit`: what a repair must fetch from the ledger.
 */
export async function ownLegsMissing(db: Queryable, mspId: string, limit: number): Promise<LegRow[]> {
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
