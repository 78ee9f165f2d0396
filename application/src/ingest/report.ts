import type { LegRole, RouteStop } from '../../../chaincode/src/core/leg';
import {
  compareBooks,
  legsToPost,
  LegsNotPostable,
  roleBySide,
  type BooksComparison,
  type LedgerLeg,
} from './compare';
import { LedgerScope } from './ledgerScope';
import type { ParsedStatements, StatementLine } from './statementLine';

/** Items of each kind returned in one report; the counts are always complete. */
export const REPORT_ITEMS_MAX = 1000;

/** Who compares, and with whom the legs only in their books would be posted (no legs proposed without one). */
export interface ReportRequest {
  readonly mspId: string;
  readonly counterparty?: string;
  readonly clearing?: string;
}

/** The value dates the books cover: the ledger's legs of these days are what they are compared with. */
export function statementPeriod(lines: readonly StatementLine[]): { from: string; to: string } {
  let from: string | undefined;
  let to: string | undefined;
  for (const l of lines) {
    const d = l.valueDate ?? l.bookingDate;
    if (d === undefined) continue;
    if (from === undefined || d < from) from = d;
    if (to === undefined || d > to) to = d;
  }
  return { from: from ?? '0001-01-01', to: to ?? '9999-12-31' };
}

/**
 * The upload's report: counts (always complete), the first `REPORT_ITEMS_MAX` items of each kind, and with a
 * counterparty the legs to post for what is only in the books (nothing is posted here). Plain data, so it can
 * cross from the worker thread that builds it.
 *
 * `ledger` is the institution's legs of the statement's period; each statement is compared with those of its
 * account and currency only (`LedgerScope`), and the others are counted as out of scope.
 */
export function buildReport(
  parsed: ParsedStatements,
  ledger: readonly LedgerLeg[],
  request: ReportRequest,
): Record<string, unknown> {
  const period = statementPeriod(parsed.lines);
  const scope = new LedgerScope(parsed.statements, ledger);
  const inScope = ledger.filter((leg) => scope.includes(leg));
  const report = compareBooks(parsed.lines, inScope);
  const proposedLegs = proposeLegs(report, request);
  return {
    statements: parsed.statements.slice(0, REPORT_ITEMS_MAX),
    period,
    scopes: scope.statements.slice(0, REPORT_ITEMS_MAX),
    counts: {
      statements: parsed.statements.length,
      lines: parsed.lines.length,
      matched: report.matched,
      onlyInMyBooks: report.onlyInMyBooks.length,
      onlyOnLedger: report.onlyOnLedger.length,
      fieldDifferences: report.fieldDifferences.length,
      notSettled: report.notSettled.length,
      notBooked: report.notBooked.length,
      ledgerLegs: inScope.length,
      outOfScope: ledger.length - inScope.length,
    },
    onlyInMyBooks: report.onlyInMyBooks.slice(0, REPORT_ITEMS_MAX),
    onlyOnLedger: report.onlyOnLedger.slice(0, REPORT_ITEMS_MAX),
    fieldDifferences: report.fieldDifferences.slice(0, REPORT_ITEMS_MAX),
    notSettled: report.notSettled.slice(0, REPORT_ITEMS_MAX),
    ...(proposedLegs === undefined ? {} : { proposedLegs }),
  };
}

/** With a counterparty, the legs to post for what is only in my books, or why they cannot be. */
function proposeLegs(report: BooksComparison, request: ReportRequest): unknown {
  const { mspId, counterparty, clearing } = request;
  if (!counterparty) return undefined;
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
    return legsToPost(report, { mspId, roleFor: roleBySide, routeFor }).slice(0, REPORT_ITEMS_MAX);
  } catch (e) {
    if (e instanceof LegsNotPostable) return { problems: e.problems.slice(0, REPORT_ITEMS_MAX) };
    throw e;
  }
}
