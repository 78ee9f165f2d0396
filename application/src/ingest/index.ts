/**
 * Statement ingestion: an institution's books (camt.052/053/054, MT940/MT950, CSV) into one normalised line
 * type, and their comparison with the institution's legs on the shared ledger. See README.md.
 */
import { parseCamt } from './camt';
import { parseCsv, type CsvMapping } from './csv';
import { parseMt940 } from './mt940';
import type { StatementSource } from './source';
import type { IngestLimits, ParsedStatements } from './statementLine';

export { parseCamt } from './camt';
export { parseCsv, type CsvColumns, type CsvMapping } from './csv';
export { parseMt940 } from './mt940';
export type { StatementSource } from './source';
export {
  ENTRIES_MAX,
  STATEMENT_BYTES_MAX,
  STATEMENT_ERROR_CODES,
  StatementRejected,
  type BookingStatus,
  type IngestLimits,
  type ParsedStatements,
  type Side,
  type StatementErrorCode,
  type StatementFormat,
  type StatementLine,
  type StatementSummary,
} from './statementLine';
export {
  COMPARED_FIELDS,
  compareBooks,
  legsToPost,
  LegsNotPostable,
  outcomeOfLine,
  roleBySide,
  sideOfRole,
  type BooksComparison,
  type ComparedField,
  type FieldDifference,
  type LedgerLeg,
  type MatchedBy,
  type Mismatch,
  type NotSettled,
  type PostingContext,
} from './compare';
export { LedgerScope, normaliseAccount, type ScopeOfStatement } from './ledgerScope';

export type UploadFormat = 'camt' | 'mt940' | 'csv';

/** One entry point for an upload whose format the caller declares (camt covers .052, .053 and .054). */
export function parseStatement(
  source: StatementSource,
  upload: { readonly format: 'camt' | 'mt940' } | { readonly format: 'csv'; readonly mapping: CsvMapping },
  limits?: IngestLimits,
): Promise<ParsedStatements> {
  switch (upload.format) {
    case 'camt':
      return parseCamt(source, limits);
    case 'mt940':
      return parseMt940(source, limits);
    case 'csv':
      return parseCsv(source, upload.mapping, limits);
  }
}
