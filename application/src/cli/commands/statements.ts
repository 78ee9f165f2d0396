import type { CommittedLegs, StatementReport } from '../../http/apiTypes';
import { parseCommand } from '../cliArgs';
import type { CommandContext, Outcome } from '../cliContext';
import { usageError } from '../cliErrors';
import { formatAmount } from '../cliFormat';
import { request } from '../cliSession';
import { fileUpload } from '../cliUpload';

export const UPLOAD_OPTIONS = {
  format: { type: 'string' },
  counterparty: { type: 'string' },
  clearing: { type: 'string' },
  post: { type: 'boolean', default: false },
} as const;

const CONTENT_TYPES = { camt: 'application/xml', mt940: 'text/plain', csv: 'text/csv' } as const;

/** A difference's values in words: amounts in major units with the currency, other fields as they are. */
function differenceText(
  d: StatementReport['fieldDifferences'][number]['differences'][number],
  m: StatementReport['fieldDifferences'][number],
): string {
  if (d.field === 'amountMinor')
    return `amount mine ${formatAmount(d.mine, m.line.currency)} / ledger ${formatAmount(d.ledger, m.leg.currency)}`;
  return `${d.field} mine ${d.mine} / ledger ${d.ledger}`;
}

/** The report's lines for people: the counts, then each line only on one side or different. */
function reportLines(report: StatementReport): string[] {
  const c = report.counts;
  return [
    `${String(c.lines)} lines: ${String(c.matched)} matched, ${String(c.onlyInMyBooks)} only in my books, ${String(c.onlyOnLedger)} only on the ledger, ${String(c.fieldDifferences)} with differing fields, ${String(c.notBooked)} not booked; ${String(c.notSettled)} legs not settled, ${String(c.outOfScope)} of other accounts or currencies not compared`,
    ...report.onlyInMyBooks.map(
      (l) =>
        `  only in my books   ${l.uetr ?? l.endToEndId ?? '?'}  ${formatAmount(l.amountMinor, l.currency)}  (${String(l.at)})`,
    ),
    ...report.onlyOnLedger.map(
      (l) =>
        `  only on the ledger ${l.reference}  ${formatAmount(l.amountMinor, l.currency)}  leg ${l.legId}`,
    ),
    ...report.notSettled.map(
      (n) =>
        `  not settled        ${n.leg.reference}  ${formatAmount(n.leg.amountMinor, n.leg.currency)}  leg ${n.leg.legId} ${n.leg.outcome}${n.line === undefined ? '' : ` (booked at ${String(n.line.at)})`}`,
    ),
    ...report.fieldDifferences.map(
      (m) =>
        `  differs            leg ${m.leg.legId}: ${m.differences.map((d) => differenceText(d, m)).join('; ')}`,
    ),
  ];
}

/** Uploads a statement for comparison with the ledger; with --post, posts the legs it proposes. */
export async function upload(ctx: CommandContext, argv: readonly string[]): Promise<Outcome> {
  const { values, positionals } = parseCommand('upload', argv, UPLOAD_OPTIONS);
  const [file, ...extra] = positionals;
  const format = values.format;
  if (!file || extra.length > 0 || format === undefined)
    throw usageError('upload needs one file and --format camt|mt940|csv');
  if (!(format in CONTENT_TYPES)) throw usageError(`--format must be camt, mt940 or csv, got ${format}`);
  const q = new URLSearchParams({ format });
  if (values.counterparty) q.set('counterparty', values.counterparty);
  if (values.clearing) q.set('clearing', values.clearing);
  const { session: s, body } = await fileUpload(ctx, file);
  const report = await request<StatementReport>(s, 'POST', `/v1/statements?${q.toString()}`, body, {
    'content-type': CONTENT_TYPES[format as keyof typeof CONTENT_TYPES],
  });
  const lines = reportLines(report);
  if (!values.post) return { json: { report }, lines };
  if (!Array.isArray(report.proposedLegs))
    throw usageError(
      'nothing to post: give --counterparty (and --clearing) so the report can propose legs',
      'NOTHING_TO_POST',
    );
  const posted =
    report.proposedLegs.length > 0
      ? await request<CommittedLegs>(s, 'POST', '/v1/legs/batch', { legs: report.proposedLegs })
      : undefined;
  return {
    json: { report, posted: posted ?? null },
    lines: [...lines, `${String(report.proposedLegs.length)} missing legs posted`],
  };
}
