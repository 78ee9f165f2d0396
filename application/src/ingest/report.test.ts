import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { GENERATED_ROUTE } from '../../../test/support/statementBooks';
import { parseCamt } from './camt';
import { compareBooks, roleBySide, type LedgerLeg, type NotSettled } from './compare';
import { parseMt940 } from './mt940';
import { buildReport } from './report';
import type { ParsedStatements, StatementLine } from './statementLine';

/** The published samples (../shared/fixtures/statements from the repo root), read-only. */
const FIXTURES = resolve(__dirname, '../../../../shared/fixtures/statements');
const sample = (path: string): Buffer => readFileSync(resolve(FIXTURES, path));

/** A camt.054 of six credits to CH2909000000250094239, in CHF, each with its EndToEndId (moov-io). */
const SIX_CREDITS = 'camt/moov-io/200924_camt.054_P_CH2909000000250094239_1110092703_0_2019042423412214.xml';
const ACCOUNT = 'CH2909000000250094239';

/** The leg the institution would have posted for a line of its books. */
function legOf(line: StatementLine, n: number, over: Partial<LedgerLeg> = {}): LedgerLeg {
  return {
    legId: `L${n}`,
    reference: line.uetr ?? line.endToEndId ?? `REF-${n}`,
    role: roleBySide(line),
    route: GENERATED_ROUTE,
    amountMinor: line.amountMinor.toString(),
    currency: line.currency,
    valueDate: line.valueDate ?? '2020-06-17',
    payerRef: line.payerRef ?? (line.side === 'DEBIT' ? (line.account ?? 'ACC-PAYER') : 'ACC-PAYER'),
    payeeRef: line.payeeRef ?? (line.side === 'CREDIT' ? (line.account ?? 'ACC-PAYEE') : 'ACC-PAYEE'),
    outcome: 'SETTLED',
    ...over,
  };
}

interface Report {
  readonly counts: Record<string, number>;
  readonly scopes: readonly { account?: string; accountOnLedger: boolean; currency?: string }[];
  readonly onlyOnLedger: readonly LedgerLeg[];
  readonly onlyInMyBooks: readonly StatementLine[];
  readonly fieldDifferences: readonly unknown[];
  readonly notSettled: readonly NotSettled[];
}
const report = (parsed: ParsedStatements, legs: readonly LedgerLeg[]): Report =>
  buildReport(parsed, legs, { mspId: 'BankBMSP' }) as unknown as Report;

describe('a statement is compared with the legs of its account and currency only', () => {
  it("leaves out the day's legs in other currencies and of other accounts, and says so", async () => {
    const parsed = await parseCamt(sample(SIX_CREDITS));
    expect(parsed.lines).toHaveLength(6);
    const own = parsed.lines.map((l, i) => legOf(l, i));
    expect(own.every((l) => l.payeeRef === ACCOUNT && l.currency === 'CHF')).toBe(true);
    const first = own[0] as LedgerLeg;
    const elsewhere: LedgerLeg[] = [
      // The same account, other currencies: the account's CNY and EUR legs are other statements' business.
      { ...first, legId: 'CNY-1', reference: 'E2E-CNY-1', currency: 'CNY' },
      { ...first, legId: 'EUR-1', reference: 'E2E-EUR-1', currency: 'EUR' },
      // CHF, but another account of the institution on both sides.
      {
        ...first,
        legId: 'CHF-OTHER',
        reference: 'E2E-OTHER',
        payerRef: 'CH93 0076 2011 6238 5295 7',
        payeeRef: 'X',
      },
    ];
    // A CHF leg of this account (written with spaces, as IBANs are printed) that the statement lacks.
    const missing = {
      ...first,
      legId: 'CHF-MISSING',
      reference: 'E2E-MISSING',
      payeeRef: 'ch29 0900 0000 2500 9423 9',
    };
    const r = report(parsed, [...own, ...elsewhere, missing]);
    expect(r.scopes).toEqual([
      {
        statementId: parsed.statements[0]?.statementId,
        account: ACCOUNT,
        accountOnLedger: true,
        currency: 'CHF',
      },
    ]);
    expect(r.counts).toMatchObject({ matched: 6, onlyOnLedger: 1, ledgerLegs: 7, outOfScope: 3 });
    expect(r.onlyOnLedger.map((l) => l.legId)).toEqual(['CHF-MISSING']);
  });

  it('takes the legs by currency when no leg names the statement account', async () => {
    // mBank's MT940 names its account as its bank writes it; the ledger knows the payer and payee accounts only.
    const parsed = await parseMt940(sample('mt940/wolph/mBank/mt940.sta'));
    const statement = parsed.statements[0];
    expect(statement?.account).toBeDefined();
    const line = parsed.lines[0] as StatementLine;
    const legs = [
      legOf(line, 1, { reference: 'E2E-SAME-CCY', payerRef: 'A1', payeeRef: 'A2' }),
      legOf(line, 2, { reference: 'E2E-OTHER-CCY', payerRef: 'A1', payeeRef: 'A2', currency: 'USD' }),
    ];
    const r = report(parsed, legs);
    expect(r.scopes[0]).toMatchObject({ accountOnLedger: false, currency: statement?.currency });
    expect(r.counts).toMatchObject({ ledgerLegs: 1, outOfScope: 1, onlyOnLedger: 1 });
    expect(r.onlyOnLedger.map((l) => l.reference)).toEqual(['E2E-SAME-CCY']);
  });
});

describe('legs that did not settle are their own group, not differences', () => {
  it('a timed-out leg against a booking, and a failed leg with no line', async () => {
    const parsed = await parseCamt(sample(SIX_CREDITS));
    const legs = parsed.lines.map((l, i) => legOf(l, i, i === 2 ? { outcome: 'TIMED_OUT' } : {}));
    const failed = legOf(parsed.lines[0] as StatementLine, 9, { reference: 'E2E-NEVER', outcome: 'FAILED' });
    const r = report(parsed, [...legs, failed]);
    expect(r.counts).toMatchObject({
      matched: 5,
      fieldDifferences: 0,
      onlyOnLedger: 0,
      onlyInMyBooks: 0,
      notSettled: 2,
    });
    expect(r.notSettled.map((n) => [n.leg.legId, n.leg.outcome, n.line?.endToEndId, n.differences])).toEqual([
      ['L2', 'TIMED_OUT', 'EndToEndId-001-03-03', []],
      ['L9', 'FAILED', undefined, []],
    ]);
  });

  it('a returned payment (camt RvslInd) against the leg that failed', async () => {
    const parsed = await parseCamt(
      sample('camt/moov-io/camt054-returns_p_ch5109000000250092291_1110097606_0_2020112500512470.xml'),
    );
    const line = parsed.lines[0] as StatementLine;
    expect(line.reversal).toBe(true);
    const r = compareBooks(parsed.lines, [legOf(line, 1, { outcome: 'FAILED' })]);
    expect(r.fieldDifferences).toEqual([]);
    expect(r.notSettled.map((n) => [n.leg.legId, n.line, n.matchedBy, n.differences])).toEqual([
      ['L1', line, 'END_TO_END_ID', []],
    ]);
  });
});

describe("camt's EndToEndId pairs entries", () => {
  // viafintech's camt.053.001.02 has no UETR element; a payer that puts a UUID in the EndToEndId (many do) names
  // the payment the ledger knows by that UUID. The sample's first EndToEndId is replaced by one, as a bank writes it.
  const UUID = '3F2504E0-4F89-41D3-9A0C-0305E82C3301';
  const camt = (): Promise<ParsedStatements> =>
    parseCamt(
      sample('camt/viafintech/053/valid_example.xml')
        .toString('utf8')
        .replace('<EndToEndId>EndToEndReference</EndToEndId>', `<EndToEndId>${UUID}</EndToEndId>`),
    );

  it('pairs a leg whose reference is that UUID with the entry', async () => {
    const parsed = await camt();
    const line = parsed.lines.find((l) => l.endToEndId === UUID) as StatementLine;
    expect(line.uetr).toBeUndefined();
    const r = compareBooks(parsed.lines, [legOf(line, 1, { reference: UUID.toLowerCase() })]);
    expect([r.matched, r.onlyOnLedger.length]).toEqual([1, 0]);
    expect(r.onlyInMyBooks).not.toContain(line);
  });

  it('and reports its differences when the amount differs, the EndToEndId being left once on each side', async () => {
    const parsed = await camt();
    const line = parsed.lines.find((l) => l.endToEndId === UUID) as StatementLine;
    const leg = legOf(line, 1, {
      reference: UUID.toLowerCase(),
      amountMinor: (line.amountMinor + 5n).toString(),
    });
    const r = compareBooks(parsed.lines, [leg]);
    expect(r.fieldDifferences).toMatchObject([
      { matchedBy: 'END_TO_END_ID', differences: [{ field: 'amountMinor' }] },
    ]);
  });

  it('pairs the other entries by their EndToEndIds as written, as before', async () => {
    const parsed = await camt();
    const withE2e = parsed.lines.filter((l) => l.endToEndId !== undefined);
    expect(withE2e.map((l) => l.endToEndId)).toEqual([
      UUID,
      'STZV-EtE27122013-11:02-1',
      'STZV-EtE27122013-11:02-2',
    ]);
    const legs = withE2e.map((l, i) =>
      legOf(l, i, { reference: l.endToEndId === UUID ? UUID.toLowerCase() : (l.endToEndId ?? '') }),
    );
    const r = compareBooks(parsed.lines, legs);
    expect([r.matched, r.onlyOnLedger.length]).toEqual([3, 0]);
  });
});
