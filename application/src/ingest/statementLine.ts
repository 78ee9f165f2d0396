import type { Currency } from '../../../chaincode/src/core/money';

/** Largest statement accepted, in bytes as uploaded. A bigger file is refused before it is parsed to the end. */
export const STATEMENT_BYTES_MAX = 1024 * 1024 * 1024;
/** Most statement lines (entries, or transactions of batched entries) accepted from one file. */
export const ENTRIES_MAX = 2_000_000;

// Shape limits. They keep every parser linear in its input and its memory bounded by what it keeps, whatever
// the file: each is checked as the input arrives, and crossing one rejects the file with LIMIT_EXCEEDED naming
// the line or element. Each is far above what a real statement of the format needs.

/** Deepest element nesting in a camt message (ISO 20022's deepest useful path is about 15 levels). */
export const XML_DEPTH_MAX = 48;
/** Characters of text in one XML element (ISO 20022's longest text types are Max500Text). */
export const XML_TEXT_CHARS_MAX = 4096;
/** Characters of one XML token (a tag with its attributes, a text, a comment) before the parser sees its end. */
export const XML_TOKEN_CHARS_MAX = 65_536;
/** Transactions (TxDtls) in one camt entry: a camt.054 batch may hold thousands, not millions. */
export const XML_TRANSACTIONS_PER_ENTRY_MAX = 100_000;
/** Characters in one MT940 line (SWIFT allows 65; some banks write longer :86: lines). */
export const MT940_LINE_CHARS_MAX = 2048;
/** Lines in one MT940 field (SWIFT's :86: has 6 of 65 characters). */
export const MT940_FIELD_LINES_MAX = 100;
/** Characters of :86: details kept for one :61: line, however many :86: fields follow it. */
export const MT940_DETAILS_CHARS_MAX = 8192;
/** Columns of a CSV file. */
export const CSV_COLUMNS_MAX = 64;
/** Characters of one CSV record (a row, quoted line breaks included). */
export const CSV_RECORD_CHARS_MAX = 16_384;

export interface IngestLimits {
  /** Bytes per file; default `STATEMENT_BYTES_MAX`. */
  readonly statementBytesMax?: number;
  /** Lines per file; default `ENTRIES_MAX`. */
  readonly entriesMax?: number;
}

export type StatementFormat = 'camt.052' | 'camt.053' | 'camt.054' | 'mt940' | 'mt950' | 'csv';

/** The direction money moved on the statement's account: CREDIT in, DEBIT out (after any reversal). */
export type Side = 'CREDIT' | 'DEBIT';

/**
 * BOOKED is a final booking. PENDING (camt Sts PDNG) and INFO (camt Sts INFO) are not: they are never compared
 * or posted as if they were booked.
 */
export type BookingStatus = 'BOOKED' | 'PENDING' | 'INFO';

/**
 * One line of an institution's books, whatever format it came in. Flat and with only the fields present set,
 * because a million of them are held at once when a day's books are compared.
 */
export interface StatementLine {
  readonly format: StatementFormat;
  /** The statement's identifier (camt Stmt/Id, MT940 :20:, or the CSV's declared id). */
  readonly statementId: string;
  /** The statement's own account (camt Acct/Id, MT940 :25:), when known. */
  readonly account?: string;
  /** Where the line is: 1-based text line (CSV, MT940) or element path (XML). */
  readonly at: number | string;
  readonly side: Side;
  /** The line reverses an earlier booking (camt RvslInd, MT940 RC/RD). */
  readonly reversal: boolean;
  readonly status: BookingStatus;
  /** Integer minor units, never negative; the direction is `side`. */
  readonly amountMinor: bigint;
  readonly currency: Currency;
  readonly valueDate?: string;
  readonly bookingDate?: string;
  readonly uetr?: string;
  readonly endToEndId?: string;
  readonly txId?: string;
  readonly instrId?: string;
  readonly msgId?: string;
  readonly pmtInfId?: string;
  /** camt AcctSvcrRef, MT940 //bank reference. */
  readonly accountServicerRef?: string;
  /** camt NtryRef. */
  readonly entryRef?: string;
  /** MT940 customer reference (before //). */
  readonly customerRef?: string;
  /** The leg id, when the books carry one (CSV column). */
  readonly legId?: string;
  /** Debtor's (payer's) account, when the line names it. */
  readonly payerRef?: string;
  /** Creditor's (payee's) account, when the line names it. */
  readonly payeeRef?: string;
  /** Free text (MT940 :86:), kept for people, never matched on. */
  readonly details?: string;
}

/** Summary of one statement (camt Stmt/Rpt/Ntfctn, MT940 :20: ... :62:, or a CSV file). */
export interface StatementSummary {
  readonly format: StatementFormat;
  readonly statementId: string;
  readonly account?: string;
  readonly currency?: Currency;
  /** Signed minor units (credit positive), when the statement gives them. */
  readonly openingBalanceMinor?: bigint;
  readonly closingBalanceMinor?: bigint;
  /** Entries as the statement counts them (a batched camt entry counts once). */
  readonly entryCount: number;
  /** Lines produced (one per transaction of a batched entry). */
  readonly lineCount: number;
  readonly at: number | string;
}

export interface ParsedStatements {
  readonly statements: readonly StatementSummary[];
  readonly lines: readonly StatementLine[];
}

export const STATEMENT_ERROR_CODES = [
  'STATEMENT_TOO_LARGE',
  'TOO_MANY_ENTRIES',
  'MALFORMED',
  'DOCTYPE_REFUSED',
  'UNSUPPORTED_MESSAGE',
  'MISSING_FIELD',
  'INVALID_FIELD',
  'INVALID_AMOUNT',
  'UNKNOWN_CURRENCY',
  'INVALID_DATE',
  'CURRENCY_MISMATCH',
  'BALANCE_MISMATCH',
  'ENTRY_COUNT_MISMATCH',
  'EMPTY_STATEMENT',
  'LIMIT_EXCEEDED',
  'DUPLICATE_LINE',
] as const;
export type StatementErrorCode = (typeof STATEMENT_ERROR_CODES)[number];

/**
 * A statement file refused as a whole. `at` names where: the 1-based line (CSV, MT940) or the element path
 * (XML, e.g. `/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt`). Nothing of a rejected file is returned.
 */
export class StatementRejected extends Error {
  override readonly name = 'StatementRejected';
  constructor(
    readonly code: StatementErrorCode,
    readonly at: number | string,
    readonly detail: string,
  ) {
    super(`${code} at ${typeof at === 'number' ? `line ${at}` : at}: ${detail}`);
  }
}

export function resolveLimits(limits: IngestLimits | undefined): Required<IngestLimits> {
  const statementBytesMax = limits?.statementBytesMax ?? STATEMENT_BYTES_MAX;
  const entriesMax = limits?.entriesMax ?? ENTRIES_MAX;
  if (!Number.isSafeInteger(statementBytesMax) || statementBytesMax <= 0)
    throw new RangeError('statementBytesMax must be a positive integer');
  if (!Number.isSafeInteger(entriesMax) || entriesMax <= 0)
    throw new RangeError('entriesMax must be a positive integer');
  return { statementBytesMax, entriesMax };
}

/**
 * A line with every field in one fixed order, absent ones undefined. Objects built by spreading optional
 * fields end up as slow dictionaries several times their size; a million of them would not fit.
 */
export function makeLine(f: StatementLine): StatementLine {
  return {
    format: f.format,
    statementId: f.statementId,
    account: f.account,
    at: f.at,
    side: f.side,
    reversal: f.reversal,
    status: f.status,
    amountMinor: f.amountMinor,
    currency: f.currency,
    valueDate: f.valueDate,
    bookingDate: f.bookingDate,
    uetr: f.uetr,
    endToEndId: f.endToEndId,
    txId: f.txId,
    instrId: f.instrId,
    msgId: f.msgId,
    pmtInfId: f.pmtInfId,
    accountServicerRef: f.accountServicerRef,
    entryRef: f.entryRef,
    customerRef: f.customerRef,
    legId: f.legId,
    payerRef: f.payerRef,
    payeeRef: f.payeeRef,
    details: f.details,
  };
}
