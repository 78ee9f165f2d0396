import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { CsvError, parse } from 'csv-parse';

import { amountAt, currencyAt, dateAt, lineBreaks, textChunks, type StatementSource } from './source';
import { looksLikeFormula, unguardCell } from './spreadsheetCell';
import {
  CSV_COLUMNS_MAX,
  CSV_RECORD_CHARS_MAX,
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

const COLUMN_KEYS = [
  'reference',
  'amount',
  'currency',
  'valueDate',
  'side',
  'bookingDate',
  'payerRef',
  'payeeRef',
  'legId',
  'status',
] as const satisfies readonly (keyof CsvColumns)[];
const REQUIRED_COLUMNS = ['reference', 'amount', 'currency', 'valueDate'] as const;
const MAPPING_KEYS = ['columns', 'sideValues', 'delimiter', 'statementId', 'account'] as const;
/** Longest column name, side value, statement id or account a mapping may give. */
const MAPPING_TEXT_MAX = 256;
/** Values per side in `sideValues`. */
const SIDE_VALUES_MAX = 16;

/**
 * The mapping of a CSV whose header names each column as the field it holds: the four required columns and
 * `optional` ones (`namedColumns('side', 'legId')`: columns `reference`, ..., `side`, `legId`).
 */
export function namedColumns(
  ...optional: Exclude<keyof CsvColumns, (typeof REQUIRED_COLUMNS)[number]>[]
): CsvMapping {
  const columns: Partial<Record<keyof CsvColumns, string>> = {};
  for (const f of [...REQUIRED_COLUMNS, ...optional]) columns[f] = f;
  return { columns: columns as CsvColumns };
}

/** A CSV mapping that cannot be used; `field` names the part that is wrong (`columns.amount`, `delimiter`). */
export class CsvMappingInvalid extends Error {
  override readonly name = 'CsvMappingInvalid';
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A CSV mapping from untrusted JSON (the upload's `x-csv-mapping` header), checked whole: an object with known
 * keys only (so `__proto__` or a misspelt key is refused, not ignored), columns named by non-empty strings,
 * the four required columns present, a one-character delimiter, side values that are non-empty strings and
 * not both credit and debit. Returns a fresh mapping holding only what was checked.
 */
export function parseCsvMapping(value: unknown): CsvMapping {
  if (!isPlainObject(value)) throw new CsvMappingInvalid('(mapping)', 'must be a JSON object');
  for (const k of Object.keys(value)) {
    if (!(MAPPING_KEYS as readonly string[]).includes(k))
      throw new CsvMappingInvalid(k, `unknown key; the keys are ${MAPPING_KEYS.join(', ')}`);
  }
  const text = (v: unknown, field: string): string => {
    if (typeof v !== 'string' || v.trim() === '' || v.length > MAPPING_TEXT_MAX)
      throw new CsvMappingInvalid(
        field,
        `must be a non-empty string of at most ${MAPPING_TEXT_MAX} characters`,
      );
    return v;
  };
  const cols = value.columns;
  if (!isPlainObject(cols))
    throw new CsvMappingInvalid('columns', 'must be an object naming the header of each column');
  const columns: Partial<Record<keyof CsvColumns, string>> = {};
  for (const k of Object.keys(cols)) {
    if (!(COLUMN_KEYS as readonly string[]).includes(k))
      throw new CsvMappingInvalid(
        `columns.${k}`,
        `unknown column; the columns are ${COLUMN_KEYS.join(', ')}`,
      );
    const name = cols[k];
    if (name === undefined) continue;
    columns[k as keyof CsvColumns] = text(name, `columns.${k}`).trim();
  }
  for (const k of REQUIRED_COLUMNS)
    if (columns[k] === undefined) throw new CsvMappingInvalid(`columns.${k}`, 'is required');
  const out: { -readonly [K in keyof CsvMapping]: CsvMapping[K] } = { columns: columns as CsvColumns };
  if (value.delimiter !== undefined) {
    const d = value.delimiter;
    if (typeof d !== 'string' || d.length !== 1 || /["\r\n\ufeff]/.test(d))
      throw new CsvMappingInvalid('delimiter', 'must be one character, not a quote or a line break');
    out.delimiter = d;
  }
  if (value.sideValues !== undefined) {
    const sv = value.sideValues;
    if (!isPlainObject(sv))
      throw new CsvMappingInvalid('sideValues', 'must be an object { credit: [...], debit: [...] }');
    for (const k of Object.keys(sv))
      if (k !== 'credit' && k !== 'debit')
        throw new CsvMappingInvalid(`sideValues.${k}`, 'unknown key; the keys are credit, debit');
    const list = (v: unknown, field: string): string[] => {
      if (!Array.isArray(v) || v.length === 0 || v.length > SIDE_VALUES_MAX)
        throw new CsvMappingInvalid(field, `must be an array of 1-${SIDE_VALUES_MAX} strings`);
      return v.map((x, i) => text(x, `${field}[${i}]`).trim().toUpperCase());
    };
    const credit = list(sv.credit, 'sideValues.credit');
    const debit = list(sv.debit, 'sideValues.debit');
    const both = credit.find((c) => debit.includes(c));
    if (both !== undefined)
      throw new CsvMappingInvalid('sideValues', `${JSON.stringify(both)} is both a credit and a debit`);
    out.sideValues = { credit, debit };
  }
  if (value.statementId !== undefined) out.statementId = text(value.statementId, 'statementId');
  if (value.account !== undefined) out.account = text(value.account, 'account');
  return out;
}

const UETR_SHAPE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const STATUS: ReadonlyMap<string, BookingStatus> = new Map([
  ['BOOK', 'BOOKED'],
  ['BOOKED', 'BOOKED'],
  ['PDNG', 'PENDING'],
  ['PENDING', 'PENDING'],
  ['INFO', 'INFO'],
]);

/** Where each mapped column is in a row, as the header names them. */
type ColumnIndex = Partial<Record<keyof CsvColumns, number>>;

/** The header row: every mapped column present once, at most CSV_COLUMNS_MAX columns. */
function columnIndex(record: readonly string[], mapping: CsvMapping, line: number): ColumnIndex {
  if (record.length > CSV_COLUMNS_MAX) {
    throw new StatementRejected(
      'LIMIT_EXCEEDED',
      line,
      `${record.length} columns, more than CSV_COLUMNS_MAX (${CSV_COLUMNS_MAX})`,
    );
  }
  const byName = new Map<string, number>();
  record.forEach((raw, i) => {
    const name = unguardCell(raw).trim();
    if (!byName.has(name)) byName.set(name, i);
  });
  const out: ColumnIndex = {};
  for (const key of COLUMN_KEYS) {
    const name = mapping.columns[key];
    if (name === undefined) continue;
    const i = byName.get(name);
    if (i === undefined)
      throw new StatementRejected('MISSING_FIELD', line, `no column ${JSON.stringify(name)} (${key})`);
    if (record.findIndex((c, j) => j > i && unguardCell(c).trim() === name) >= 0)
      throw new StatementRejected(
        'INVALID_FIELD',
        line,
        `column ${JSON.stringify(name)} (${key}) appears twice in the header`,
      );
    out[key] = i;
  }
  return out;
}

/** The rows of a CSV, one record at a time as csv-parse hands them out, with their line numbers. */
class CsvReader {
  readonly lines: StatementLine[] = [];
  /** The line each leg id was first seen on: a leg is booked once. */
  private readonly legIds = new Map<string, number>();
  // The side cell is compared in upper case, so are the values it is compared with.
  private readonly credit: ReadonlySet<string>;
  private readonly debit: ReadonlySet<string>;
  private index: ColumnIndex | undefined;
  private width = 0;
  /** The line of the record being read, and of the next one. */
  private line = 0;
  private nextLine = 1;

  constructor(
    private readonly mapping: CsvMapping,
    private readonly entriesMax: number,
  ) {
    this.credit = new Set(
      (mapping.sideValues?.credit ?? ['CREDIT', 'CRDT', 'C']).map((v) => v.toUpperCase()),
    );
    this.debit = new Set((mapping.sideValues?.debit ?? ['DEBIT', 'DBIT', 'D']).map((v) => v.toUpperCase()));
  }

  async read(source: StatementSource, statementBytesMax: number): Promise<ParsedStatements> {
    try {
      await pipeline(
        Readable.from(textChunks(source, statementBytesMax, (_pending, at) => at)),
        csvParser(this.mapping),
        this.sink(),
      );
    } catch (e) {
      throw rejectionOf(e, this.line + 1);
    }
    if (!this.index) throw new StatementRejected('EMPTY_STATEMENT', 1, 'the CSV has no header row');
    const { statementId = '', account } = this.mapping;
    return {
      statements: [
        {
          format: 'csv',
          statementId,
          ...(account !== undefined && { account }),
          entryCount: this.lines.length,
          lineCount: this.lines.length,
          at: 1,
        },
      ],
      lines: this.lines,
    };
  }

  private sink(): Writable {
    return new Writable({
      objectMode: true,
      highWaterMark: 1024,
      write: (record: string[], _encoding, callback) => {
        try {
          this.onRecord(record);
          callback();
        } catch (e) {
          callback(e as Error);
        }
      },
    });
  }

  /**
   * A record: the header, a row, or an empty line (a record of one empty field), skipped. Line numbers are
   * counted here rather than with csv-parse's `info`, which costs a third of the parse: a record spans one line
   * plus the line breaks inside its quoted fields.
   */
  private onRecord(record: readonly string[]): void {
    this.line = this.nextLine;
    this.nextLine++;
    for (const field of record) this.nextLine += lineBreaks(field);
    if (record.length === 1 && record[0] === '') return;
    if (!this.index) {
      this.width = record.length;
      this.index = columnIndex(record, this.mapping, this.line);
      return;
    }
    if (record.length !== this.width) {
      throw new StatementRejected(
        'MALFORMED',
        this.line,
        `${record.length} fields, the header has ${this.width}`,
      );
    }
    this.row(record, this.index);
  }

  /** A row as a statement line: every value checked, the leg id not seen before. */
  private row(record: readonly string[], cols: ColumnIndex): void {
    const line = this.line;
    const currency = currencyAt(this.required(record, cols, 'currency'), line, 'currency');
    const amountText = this.required(record, cols, 'amount');
    const signed = amountAt(amountText, currency, line);
    const side = this.sideOf(this.cell(record, cols, 'side'), amountText, signed);
    const status = this.statusOf(this.cell(record, cols, 'status'));
    const referenceText = this.cell(record, cols, 'reference');
    const reference = referenceText?.toUpperCase() === 'NOTPROVIDED' ? undefined : referenceText;
    const bookingDate = this.cell(record, cols, 'bookingDate');
    const payerRef = this.cell(record, cols, 'payerRef');
    const payeeRef = this.cell(record, cols, 'payeeRef');
    const legId = this.cell(record, cols, 'legId');
    if (legId) this.bookLegId(legId);
    if (this.lines.length >= this.entriesMax) {
      throw new StatementRejected(
        'TOO_MANY_ENTRIES',
        line,
        `more than entriesMax (${this.entriesMax}) lines`,
      );
    }
    const { statementId = '', account } = this.mapping;
    this.lines.push({
      format: 'csv',
      statementId,
      ...(account !== undefined && { account }),
      at: line,
      side,
      reversal: false,
      status,
      amountMinor: signed < 0n ? -signed : signed,
      currency,
      valueDate: dateAt(this.required(record, cols, 'valueDate'), line, 'valueDate'),
      ...(bookingDate && { bookingDate: dateAt(bookingDate, line, 'bookingDate') }),
      ...(reference &&
        (UETR_SHAPE.test(reference) ? { uetr: reference.toLowerCase() } : { endToEndId: reference })),
      ...(legId && { legId }),
      ...(payerRef && { payerRef }),
      ...(payeeRef && { payeeRef }),
    });
  }

  /**
   * A cell of a mapped column, trimmed, its guard apostrophe taken off; an unguarded cell a spreadsheet would
   * run, or a control character inside a value, is refused.
   */
  private cell(record: readonly string[], cols: ColumnIndex, key: keyof CsvColumns): string | undefined {
    const i = cols[key];
    if (i === undefined) return undefined;
    const raw = record[i] ?? '';
    const unguarded = unguardCell(raw);
    const column = `${key} (column ${this.mapping.columns[key] ?? ''})`;
    if (unguarded === raw && looksLikeFormula(raw)) {
      throw new StatementRejected(
        'INVALID_FIELD',
        this.line,
        `${column} starts like a spreadsheet formula (${JSON.stringify(raw.slice(0, 20))}); a value that really starts with =, +, -, @, TAB or CR is written with an apostrophe before it`,
      );
    }
    const v = unguarded.trim();
    if (/[\u0000-\u001f\u007f]/.test(v))
      throw new StatementRejected(
        'MALFORMED',
        this.line,
        `${column} holds a control character (a line break or CR inside a value?)`,
      );
    return v;
  }

  private required(record: readonly string[], cols: ColumnIndex, key: keyof CsvColumns): string {
    const v = this.cell(record, cols, key);
    if (!v)
      throw new StatementRejected(
        'MISSING_FIELD',
        this.line,
        `${key} (column ${this.mapping.columns[key] ?? ''}) is empty`,
      );
    return v;
  }

  /** The side column's value, or without one the amount's sign; an amount is unsigned beside a side column. */
  private sideOf(sideText: string | undefined, amountText: string, signed: bigint): Side {
    if (sideText === undefined) return signed < 0n ? 'DEBIT' : 'CREDIT';
    if (/^[+-]/.test(amountText)) {
      throw new StatementRejected(
        'INVALID_AMOUNT',
        this.line,
        'amount must be unsigned when a side column is declared',
      );
    }
    const s = sideText.toUpperCase();
    if (this.credit.has(s)) return 'CREDIT';
    if (this.debit.has(s)) return 'DEBIT';
    throw new StatementRejected(
      'INVALID_FIELD',
      this.line,
      `side ${JSON.stringify(sideText)} is neither credit nor debit`,
    );
  }

  private statusOf(statusText: string | undefined): BookingStatus {
    const status = statusText ? STATUS.get(statusText.toUpperCase()) : 'BOOKED';
    if (!status)
      throw new StatementRejected(
        'INVALID_FIELD',
        this.line,
        `status ${JSON.stringify(statusText)} is not BOOK, PDNG or INFO`,
      );
    return status;
  }

  private bookLegId(legId: string): void {
    const first = this.legIds.get(legId);
    if (first !== undefined)
      throw new StatementRejected(
        'DUPLICATE_LINE',
        this.line,
        `leg id ${JSON.stringify(legId)} is on line ${first} already`,
      );
    this.legIds.set(legId, this.line);
  }
}

/**
 * csv-parse for the mapping. Records end with CRLF, LF or CR, mixed as they come (a file edited on several
 * systems); csv-parse would otherwise take the first one it meets as the only one.
 */
function csvParser(mapping: CsvMapping): ReturnType<typeof parse> {
  return parse({
    bom: true,
    delimiter: mapping.delimiter ?? ',',
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: CSV_RECORD_CHARS_MAX,
    skip_empty_lines: false,
    relax_column_count: true,
  });
}

/** A failure of the parse as the rejection of the file; `line`, where it was when csv-parse does not say. */
function rejectionOf(e: unknown, line: number): unknown {
  if (e instanceof StatementRejected) return e;
  if (!(e instanceof CsvError)) return e;
  const at = (e as CsvError & { lines?: number }).lines ?? line;
  if (e.code === 'CSV_MAX_RECORD_SIZE')
    return new StatementRejected(
      'LIMIT_EXCEEDED',
      at,
      `a record longer than CSV_RECORD_CHARS_MAX (${CSV_RECORD_CHARS_MAX} characters)`,
    );
  return new StatementRejected('MALFORMED', at, e.message);
}

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
  const parsed = await new CsvReader(mapping, entriesMax).read(source, statementBytesMax);
  return parsed;
}
