import type { Request } from 'express';
import type pg from 'pg';

import type { LegRole, RouteStop } from '../../../chaincode/src/core/leg';
import {
  compareBooks,
  legsToPost,
  LegsNotPostable,
  parseStatement,
  roleBySide,
  StatementRejected,
  type CsvMapping,
  type LedgerLeg,
  type StatementLine,
} from '../ingest';
import { isCurrency, minorToMajorText } from '../../../chaincode/src/core/money';
import { ApiError } from './errors';
import { toCsv } from './provenance';

/** Items of each kind returned in one report; the counts are always complete. */
export const REPORT_ITEMS_MAX = 1000;

const DEFAULT_CSV: CsvMapping = {
  columns: {
    reference: 'reference',
    amount: 'amount',
    currency: 'currency',
    valueDate: 'valueDate',
    side: 'side',
    payerRef: 'payerRef',
    payeeRef: 'payeeRef',
    legId: 'legId',
  },
};

interface OwnLegRow {
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
  outcome: LedgerLeg['outcome'];
}

async function ownLegsBetween(pool: pg.Pool, mspId: string, from: string, to: string): Promise<LedgerLeg[]> {
  const r = await pool.query<OwnLegRow>(
    `SELECT leg_id, reference, role, branch, route, amount_minor::text, currency, value_date::text, payer_ref, payee_ref, outcome
       FROM own_legs WHERE msp_id = $1 AND value_date BETWEEN $2 AND $3`,
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

/**
 * Compares an uploaded statement (the request body, streamed into the parser) with the institution's own legs
 * on the ledger. With `counterparty` (and optionally `clearing`), the report also proposes the legs to post for
 * what is in the books but not on the ledger; nothing is posted here.
 */
export async function statementReport(req: Request, pool: pg.Pool, mspId: string): Promise<unknown> {
  const format = req.query.format;
  if (format !== 'camt' && format !== 'mt940' && format !== 'csv') {
    throw new ApiError('VALIDATION_FAILED', 'format must be camt, mt940 or csv', { field: 'format' });
  }
  if ((req.get('content-type') ?? '').includes('application/json')) {
    throw new ApiError(
      'VALIDATION_FAILED',
      'send the statement file itself as the body (e.g. application/xml or text/csv)',
    );
  }
  let mapping = DEFAULT_CSV;
  const header = req.get('x-csv-mapping');
  if (format === 'csv' && header) {
    try {
      mapping = JSON.parse(header) as CsvMapping;
    } catch {
      throw new ApiError('VALIDATION_FAILED', 'x-csv-mapping is not JSON', { field: 'x-csv-mapping' });
    }
  }
  let parsed;
  try {
    parsed = await parseStatement(req, format === 'csv' ? { format, mapping } : { format });
  } catch (e) {
    if (e instanceof StatementRejected) {
      throw new ApiError('VALIDATION_FAILED', `statement rejected at ${String(e.at)}: ${e.detail}`, {
        code: e.code,
        at: e.at,
      });
    }
    throw e;
  }
  const dates = parsed.lines
    .map((l) => l.valueDate ?? l.bookingDate)
    .filter((d): d is string => d !== undefined)
    .sort();
  const from = dates[0] ?? '0001-01-01';
  const to = dates[dates.length - 1] ?? '9999-12-31';
  const ledger = await ownLegsBetween(pool, mspId, from, to);
  const report = compareBooks(parsed.lines, ledger);

  let proposedLegs: unknown = undefined;
  const counterparty = typeof req.query.counterparty === 'string' ? req.query.counterparty : undefined;
  if (counterparty) {
    const clearing = typeof req.query.clearing === 'string' ? req.query.clearing : undefined;
    const routeFor = (line: StatementLine): RouteStop[] => {
      const mine = roleBySide(line);
      const other: LegRole = mine === 'DEBTOR_AGENT' ? 'CREDITOR_AGENT' : 'DEBTOR_AGENT';
      return [
        { mspId, role: mine },
        ...(clearing ? [{ mspId: clearing, role: 'CLEARING' as const }] : []),
        { mspId: counterparty, role: other },
      ];
    };
    try {
      proposedLegs = legsToPost(report, { mspId, roleFor: roleBySide, routeFor }).slice(0, REPORT_ITEMS_MAX);
    } catch (e) {
      if (e instanceof LegsNotPostable) proposedLegs = { problems: e.problems.slice(0, REPORT_ITEMS_MAX) };
      else throw e;
    }
  }
  return {
    statements: parsed.statements,
    period: { from, to },
    counts: {
      lines: parsed.lines.length,
      matched: report.matched,
      onlyInMyBooks: report.onlyInMyBooks.length,
      onlyOnLedger: report.onlyOnLedger.length,
      fieldDifferences: report.fieldDifferences.length,
      notBooked: report.notBooked.length,
    },
    onlyInMyBooks: report.onlyInMyBooks.slice(0, REPORT_ITEMS_MAX),
    onlyOnLedger: report.onlyOnLedger.slice(0, REPORT_ITEMS_MAX),
    fieldDifferences: report.fieldDifferences.slice(0, REPORT_ITEMS_MAX),
    ...(proposedLegs === undefined ? {} : { proposedLegs }),
  };
}

/** Rows of one ledger extract at most: a longer period is refused with the count, never cut silently. */
export const EXTRACT_ROWS_MAX = 100_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The institution's own legs on the ledger for a range of value dates, as a CSV statement in the columns the
 * upload reads by default (amounts in major units, exactly, from the integer minor units). The other side of a
 * reconciliation: what the ledger holds for us, to set beside the books. Clearing legs have no side and are left
 * out.
 */
export async function ledgerExtract(
  pool: pg.Pool,
  mspId: string,
  query: Record<string, unknown>,
): Promise<{ csv: string; rows: number; from: string; to: string }> {
  const from = query.from;
  const to = query.to ?? from;
  if (typeof from !== 'string' || !DAY.test(from) || Number.isNaN(Date.parse(from)))
    throw new ApiError('VALIDATION_FAILED', 'from must be a value date YYYY-MM-DD', { field: 'from' });
  if (typeof to !== 'string' || !DAY.test(to) || Number.isNaN(Date.parse(to)) || to < from)
    throw new ApiError('VALIDATION_FAILED', 'to must be a value date YYYY-MM-DD, not before from', {
      field: 'to',
    });
  const r = await pool.query<OwnLegRow>(
    `SELECT leg_id, reference, role, amount_minor::text, currency, value_date::text, payer_ref, payee_ref
       FROM own_legs
      WHERE msp_id = $1 AND value_date BETWEEN $2 AND $3 AND role IN ('DEBTOR_AGENT', 'CREDITOR_AGENT')
      ORDER BY value_date, leg_id
      LIMIT $4`,
    [mspId, from, to, EXTRACT_ROWS_MAX + 1],
  );
  if (r.rows.length > EXTRACT_ROWS_MAX)
    throw new ApiError(
      'VALIDATION_FAILED',
      `more than ${EXTRACT_ROWS_MAX} legs from ${from} to ${to}; ask for fewer days`,
      { field: 'to' },
    );
  const columns = DEFAULT_CSV.columns;
  const csv = toCsv(
    [
      columns.reference,
      columns.amount,
      columns.currency,
      columns.valueDate,
      columns.side,
      columns.payerRef,
      columns.payeeRef,
      columns.legId,
    ].map((c) => c ?? ''),
    r.rows.map((row) => {
      const currency = row.currency.trim();
      if (!isCurrency(currency)) throw new Error(`own leg ${row.leg_id} has currency ${currency}`);
      return [
        row.reference,
        minorToMajorText(BigInt(row.amount_minor), currency),
        currency,
        row.value_date,
        row.role === 'DEBTOR_AGENT' ? 'DEBIT' : 'CREDIT',
        row.payer_ref,
        row.payee_ref,
        row.leg_id,
      ];
    }),
  );
  return { csv, rows: r.rows.length, from, to };
}
