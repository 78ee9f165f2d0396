import { parseAmountMinor } from '../../../../chaincode/src/core/money';
import type { LegInput } from '../../ledger/ledgerGateway';
import type { OwnLegRow } from '../rows';
import { jsonText, repeats, unnestRows, type Columns, type Queryable } from '../sql';
import { refreshOwnLegFacts } from './queueFacts';

/**
 * Minor units by the core's one amount rule (`parseAmountMinor`: digits only, above zero, at most
 * `AMOUNT_MINOR_MAX`). The ledger accepted the leg under that rule, so an amount outside it is a fault here.
 */
function amountText(leg: LegInput): string {
  const text = typeof leg.amountMinor === 'bigint' ? leg.amountMinor.toString() : leg.amountMinor;
  try {
    return parseAmountMinor(text).toString();
  } catch (e) {
    throw new Error(`own legs: leg ${leg.legId}: bad amountMinor ${text}`, { cause: e });
  }
}

function columns(mspId: string): Columns<OwnLegRow> {
  return {
    msp_id: repeats('text', () => mspId),
    leg_id: ['text', (r) => r.leg.legId],
    case_id: ['text', (r) => r.caseId],
    reference: ['text', (r) => r.leg.reference],
    role: repeats('text', (r) => r.leg.role),
    branch: ['text', (r) => r.leg.branch ?? null],
    // Values a batch's legs share (a route, a day, the transaction): each sent and parsed once.
    route: repeats('jsonb', (r) => jsonText(r.leg.route)),
    amount_minor: ['numeric', (r) => amountText(r.leg)],
    currency: repeats('text', (r) => r.leg.currency),
    value_date: repeats('date', (r) => r.leg.valueDate),
    payer_ref: ['text', (r) => r.leg.payerRef],
    payee_ref: ['text', (r) => r.leg.payeeRef],
    outcome: repeats('text', (r) => r.leg.outcome),
    corrects: ['text', (r) => r.leg.corrects ?? null],
    tx_id: repeats('text', (r) => r.txId),
    block_number: repeats('bigint', (r) => r.blockNumber.toString()),
  };
}

/** Rows per INSERT: unnest of 16 arrays keeps a statement well under PostgreSQL's limits. */
const ROWS_PER_STATEMENT = 5_000;

/**
 * Writes own legs (inside the caller's SQL transaction) and answers how many were new. A leg already there is
 * kept: its content cannot differ, the ledger refuses a second leg under one id. The queue's rows of their
 * cases take their facts (`queueFacts.ts`).
 */
export async function writeOwnLegs(
  client: Queryable,
  mspId: string,
  rows: readonly OwnLegRow[],
): Promise<number> {
  const cols = columns(mspId);
  let written = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const u = unnestRows(rows.slice(i, i + ROWS_PER_STATEMENT), cols);
    const r = await client.query(
      `INSERT INTO own_legs (${u.names}) SELECT ${u.select} FROM ${u.from}
       ON CONFLICT (msp_id, leg_id) DO NOTHING`,
      u.values,
    );
    written += r.rowCount ?? 0;
  }
  // The queue shows each break with its own leg's facts: breaks indexed before this plaintext get them now.
  if (written > 0) await refreshOwnLegFacts(client, mspId, [...new Set(rows.map((r) => r.caseId))]);
  return written;
}
