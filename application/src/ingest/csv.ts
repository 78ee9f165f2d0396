import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { CsvError, parse } from 'csv-parse';

import { amountAt, currencyAt, dateAt, textChunks, type StatementSource } from './source';
import {
  resolveLimits,
  StatementRejected,
  type BookingStatus,
  type IngestLimits,
  type ParsedStatements,
  type Side,
  type StatementLine,
} from './statementLine';

/** The columns of a CSV export, by header name. Only the first four are required. */
export interface CsvColumns {
  /** UETR or EndToEndId (a lowercase UUID v4 is read as a UETR). */
  readonly reference: string;
  /** Major units as text: "1234.56" (or "1234,56"); signed when there is no side column. */
  readonly amount: string;
  readonly currency: string;
  /** YYYY-MM-DD. */
  readonly valueDate: string;
  readonly side?: string;
  readonly bookingDate?: string;
  readonly payerRef?: string;
  readonly payeeRef?: string;
  readonly legId?: string;
  /** BOOK/BOOKED, PDNG/PENDING or INFO; every row is booked when absent. */
  readonly status?: string;
}

export interface CsvMapping {
  readonly columns: CsvColumns;
  /** Values of the side column; default CREDIT/CRDT/C and DEBIT/DBIT/D. */
  readonly sideValues?: { readonly credit: readonly string[]; readonly debit: readonly string[] };
  /** One character; default ",". */
  readonly delimiter?: string;
  readonly statementId?: string;
  readonly account?: string;
}

const UETR_SHAPE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const STATUS: ReadonlyMap<string, BookingStatus> = new Map([
  ['BOOK', 'BOOKED'],
  ['BOOKED', 'BOOKED'],
  ['PDNG', 'PENDING'],
  ['PENDING', 'PENDING'],
  ['INFO', 'INFO'],
]);

/**
 * Parses an RFC 4180 CSV (UTF-8, header row) by a declared column mapping, while it streams in. A CSV export
 * has no balances to check; every row must be complete and well-formed or the file is refused.
 */
export async function parseCsv(
  source: StatementSource,
  mapping: CsvMapping,
  limits?: IngestLimits,
): Promise<ParsedStatements> {
  const { statementBytesMax, entriesMax } = resolveLimits(limits);
  const credit = new Set(mapping.sideValues?.credit ?? ['CREDIT', 'CRDT', 'C']);
  const debit = new Set(mapping.sideValues?.debit ?? ['DEBIT', 'DBIT', 'D']);
  const statementId = mapping.statementId ?? '';
  const account = mapping.account;
  const lines: StatementLine[] = [];
  let index: Partial<Record<keyof CsvColumns, number>> | undefined;
  let line = 0;

  const header = (record: readonly string[]): Partial<Record<keyof CsvColumns, number>> => {
    const byName = new Map(record.map((name, i) => [name.trim(), i] as const));
    const out: Partial<Record<keyof CsvColumns, number>> = {};
    for (const [key, name] of Object.entries(mapping.columns) as [keyof CsvColumns, string | undefined][]) {
      if (name === undefined) continue;
      const i = byName.get(name);
      if (i === undefined)
        throw new StatementRejected('MISSING_FIELD', line, `no column ${JSON.stringify(name)} (${key})`);
      out[key] = i;
    }
    return out;
  };

  const row = (record: readonly string[], cols: Partial<Record<keyof CsvColumns, number>>): void => {
    const cell = (key: keyof CsvColumns): string | undefined => {
      const i = cols[key];
      return i === undefined ? undefined : (record[i] ?? '').trim();
    };
    const required = (key: keyof CsvColumns): string => {
      const v = cell(key);
      if (!v)
        throw new StatementRejected(
          'MISSING_FIELD',
          line,
          `${key} (column ${mapping.columns[key] ?? ''}) is empty`,
        );
      return v;
    };
    const currency = currencyAt(required('currency'), line, 'currency');
    const amountText = required('amount');
    const signed = amountAt(amountText, currency, line);
    const sideText = cell('side');
    let side: Side;
    if (sideText === undefined) {
      side = signed < 0n ? 'DEBIT' : 'CREDIT';
    } else {
      if (/^[+-]/.test(amountText)) {
        throw new StatementRejected(
          'INVALID_AMOUNT',
          line,
          'amount must be unsigned when a side column is declared',
        );
      }
      const s = sideText.toUpperCase();
      if (credit.has(s)) side = 'CREDIT';
      else if (debit.has(s)) side = 'DEBIT';
      else
        throw new StatementRejected(
          'INVALID_FIELD',
          line,
          `side ${JSON.stringify(sideText)} is neither credit nor debit`,
        );
    }
    const statusText = cell('status');
    const status = statusText ? STATUS.get(statusText.toUpperCase()) : 'BOOKED';
    if (!status)
      throw new StatementRejected(
        'INVALID_FIELD',
        line,
        `status ${JSON.stringify(statusText)} is not BOOK, PDNG or INFO`,
      );
    const referenceText = cell('reference');
    const reference = referenceText?.toUpperCase() === 'NOTPROVIDED' ? undefined : referenceText;
    const bookingDate = cell('bookingDate');
    const payerRef = cell('payerRef');
    const payeeRef = cell('payeeRef');
    const legId = cell('legId');
    if (lines.length >= entriesMax) {
      throw new StatementRejected('TOO_MANY_ENTRIES', line, `more than entriesMax (${entriesMax}) lines`);
    }
    lines.push({
      format: 'csv',
      statementId,
      ...(account !== undefined && { account }),
      at: line,
      side,
      reversal: false,
      status,
      amountMinor: signed < 0n ? -signed : signed,
      currency,
      valueDate: dateAt(required('valueDate'), line, 'valueDate'),
      ...(bookingDate && { bookingDate: dateAt(bookingDate, line, 'bookingDate') }),
      ...(reference &&
        (UETR_SHAPE.test(reference) ? { uetr: reference.toLowerCase() } : { endToEndId: reference })),
      ...(legId && { legId }),
      ...(payerRef && { payerRef }),
      ...(payeeRef && { payeeRef }),
    });
  };

  // Line numbers are counted here rather than with csv-parse's `info`, which costs a third of the parse:
  // a record spans one line plus the line breaks inside its quoted fields; an empty line is a record of one
  // empty field, skipped here.
  const parser = parse({
    bom: true,
    delimiter: mapping.delimiter ?? ',',
    skip_empty_lines: false,
    relax_column_count: true,
  });
  let width = 0;
  let nextLine = 1;
  const sink = new Writable({
    objectMode: true,
    highWaterMark: 1024,
    write(record: string[], _encoding, callback) {
      try {
        line = nextLine;
        nextLine++;
        for (const field of record) {
          for (let k = field.indexOf('\n'); k >= 0; k = field.indexOf('\n', k + 1)) nextLine++;
        }
        if (record.length === 1 && record[0] === '') {
          callback();
          return;
        }
        if (index) {
          if (record.length !== width) {
            throw new StatementRejected(
              'MALFORMED',
              line,
              `${record.length} fields, the header has ${width}`,
            );
          }
          row(record, index);
        } else {
          width = record.length;
          index = header(record);
        }
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
  });
  try {
    await pipeline(Readable.from(textChunks(source, statementBytesMax, () => line + 1)), parser, sink);
  } catch (e) {
    if (e instanceof StatementRejected) throw e;
    if (e instanceof CsvError) {
      const at = (e as CsvError & { lines?: number }).lines ?? line + 1;
      throw new StatementRejected('MALFORMED', at, e.message);
    }
    throw e;
  }
  if (!index) throw new StatementRejected('EMPTY_STATEMENT', 1, 'the CSV has no header row');
  return {
    statements: [
      {
        format: 'csv',
        statementId,
        ...(account !== undefined && { account }),
        entryCount: lines.length,
        lineCount: lines.length,
        at: 1,
      },
    ],
    lines,
  };
}
