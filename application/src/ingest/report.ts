import type { LegRole, RouteStop } from '../../../chaincode/src/core/leg';
import { compareBooks, legsToPost, LegsNotPostable, roleBySide, type LedgerLeg } from './compare';
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
 */
export function buildReport(
  parsed: ParsedStatements,
  ledger: Iterable<LedgerLeg>,
  request: ReportRequest,
): Record<string, unknown> {
  const period = statementPeriod(parsed.lines);
  const report = compareBooks(parsed.lines, ledger);
  let proposedLegs: unknown = undefined;
  const { mspId, counterparty, clearing } = request;
  if (counterparty) {
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
    period,
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
