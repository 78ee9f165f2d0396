import type { Request } from 'express';
import type pg from 'pg';

import { isCurrency, minorToMajorText } from '../../../chaincode/src/core/money';
import { StatementRejected, type CsvMapping } from '../ingest';
import { CsvMappingInvalid, namedColumns, parseCsvMapping } from '../ingest/csv';
import { csvRecord } from '../ingest/spreadsheetCell';
import { StatementWorkRefused, statementWorkers, type StatementWorkers } from '../ingest/workerPool';
import type { UploadSpec } from '../ingest/workerProtocol';
import { ownLegsBetween, ownLegsToExtract } from '../readModel/read/ownLegs';
import { ApiError } from './errors';
import type { StatementReport } from './apiTypes';

export { REPORT_ITEMS_MAX } from '../ingest/report';

/** Characters of the `x-csv-mapping` header at most. */
const CSV_MAPPING_HEADER_CHARS_MAX = 8192;

const DEFAULT_CSV: CsvMapping = namedColumns('side', 'payerRef', 'payeeRef', 'legId');

/** The CSV mapping of an upload: the default, or the `x-csv-mapping` header's JSON, checked whole. */
function csvMappingOf(req: Request): CsvMapping {
  const header = req.get('x-csv-mapping');
  if (header === undefined || header === '') return DEFAULT_CSV;
  if (header.length > CSV_MAPPING_HEADER_CHARS_MAX) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `x-csv-mapping is longer than ${CSV_MAPPING_HEADER_CHARS_MAX} characters`,
      { field: 'x-csv-mapping' },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(header);
  } catch {
    throw new ApiError('VALIDATION_FAILED', 'x-csv-mapping is not JSON', { field: 'x-csv-mapping' });
  }
  try {
    return parseCsvMapping(json);
  } catch (e) {
    if (e instanceof CsvMappingInvalid) {
      throw new ApiError('VALIDATION_FAILED', `x-csv-mapping ${e.field}: ${e.detail}`, {
        field: `x-csv-mapping.${e.field}`,
      });
    }
    throw e;
  }
}

/**
 * Compares an uploaded statement (the request body, streamed into a worker thread that parses it) with the
 * institution's own legs on the ledger. With `counterparty` (and optionally `clearing`), the report also
 * proposes the legs to post for what is in the books but not on the ledger; nothing is posted here.
 *
 * The parse and the comparison run in `workers` (application/src/ingest/workerPool.ts), never on this thread:
 * a refused statement is a 400 naming its line or element; one over the time or memory budget a 413; a second
 * upload of the same institution while one runs a 429.
 */
export async function statementReport(
  req: Request,
  /** The upload's query, checked by its route (routes/statements.ts). */
  query: {
    readonly format: UploadSpec['format'];
    readonly counterparty?: string;
    readonly clearing?: string;
  },
  pool: pg.Pool,
  mspId: string,
  workers: StatementWorkers = statementWorkers,
): Promise<StatementReport> {
  const { format, counterparty, clearing } = query;
  if ((req.get('content-type') ?? '').includes('application/json')) {
    throw new ApiError(
      'VALIDATION_FAILED',
      'send the statement file itself as the body (e.g. application/xml or text/csv)',
    );
  }
  const upload: UploadSpec = format === 'csv' ? { format, mapping: csvMappingOf(req) } : { format };
  try {
    // The worker thread builds the report as plain data (ingest/report.ts buildReport) in this shape; the tests
    // hold every answer to it (routes/everyRoute.test.ts).
    return (await workers.compare(
      req,
      {
        upload,
        request: {
          mspId,
          ...(counterparty === undefined ? {} : { counterparty }),
          ...(clearing === undefined ? {} : { clearing }),
        },
      },
      ({ from, to }) => ownLegsBetween(pool, mspId, from, to),
      mspId,
    )) as unknown as StatementReport;
  } catch (e) {
    if (e instanceof StatementRejected) {
      throw new ApiError(
        e.code === 'STATEMENT_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED',
        `statement rejected at ${typeof e.at === 'number' ? `line ${e.at}` : e.at}: ${e.detail}`,
        { code: e.code, at: e.at },
      );
    }
    if (e instanceof StatementWorkRefused) {
      switch (e.reason) {
        case 'BUSY':
          throw new ApiError('RATE_LIMITED', e.message, { code: e.reason });
        case 'CPU_BUDGET':
        case 'WALL_BUDGET':
        case 'MEMORY':
          throw new ApiError('PAYLOAD_TOO_LARGE', e.message, { code: e.reason });
        case 'ABORTED':
          throw new ApiError('VALIDATION_FAILED', e.message, { code: e.reason });
      }
    }
    throw e;
  }
}

/** Rows of one ledger extract at most: a longer period is refused with the count, never cut silently. */
export const EXTRACT_ROWS_MAX = 100_000;

/**
 * The institution's own legs on the ledger for a range of value dates, as a CSV statement in the columns the
 * upload reads by default (amounts in major units, exactly, from the integer minor units). The other side of a
 * reconciliation: what the ledger holds for us, to set beside the books. Clearing legs have no side and are left
 * out. A cell a spreadsheet would run as a formula (`-x`, `=x`, …) is written with an apostrophe before it, and
 * the CSV upload takes exactly that apostrophe off again (ingest/spreadsheetCell.ts): the extract uploaded as
 * it is compares without a difference.
 */
export async function ledgerExtract(
  pool: pg.Pool,
  mspId: string,
  /** Value dates, checked by the route (routes/statements.ts). */
  query: { readonly from: string; readonly to?: string },
): Promise<{ csv: string; rows: number; from: string; to: string }> {
  const from = query.from;
  const to = query.to ?? from;
  if (to < from)
    throw new ApiError('VALIDATION_FAILED', 'to must be a value date YYYY-MM-DD, not before from', {
      field: 'to',
    });
  const legs = await ownLegsToExtract(pool, mspId, from, to, EXTRACT_ROWS_MAX + 1);
  if (legs.length > EXTRACT_ROWS_MAX)
    throw new ApiError(
      'VALIDATION_FAILED',
      `more than ${EXTRACT_ROWS_MAX} legs from ${from} to ${to}; ask for fewer days`,
      { field: 'to' },
    );
  const columns = DEFAULT_CSV.columns;
  const records = [
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
    ...legs.map((leg) => {
      const currency = leg.currency;
      if (!isCurrency(currency)) throw new Error(`own leg ${leg.legId} has currency ${currency}`);
      return [
        leg.reference,
        minorToMajorText(BigInt(leg.amountMinor), currency),
        currency,
        leg.valueDate,
        leg.role === 'DEBTOR_AGENT' ? 'DEBIT' : 'CREDIT',
        leg.payerRef,
        leg.payeeRef,
        leg.legId,
      ];
    }),
  ];
  const csv = records.map(csvRecord).join('\r\n') + '\r\n';
  return { csv, rows: legs.length, from, to };
}
