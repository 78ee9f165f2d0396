import { Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { parseLeg } from '../../../chaincode/src/core/leg';
import { parseCurrency } from '../../../chaincode/src/core/money';
import { parseCamt } from './camt';
import { compareBooks, legsToPost, LegsNotPostable, roleBySide, type LedgerLeg } from './compare';
import { parseCsv } from './csv';
import {
  bookRow,
  camt053Chunks,
  csvChunks,
  GENERATED_CSV_MAPPING,
  GENERATED_ROUTE,
  legOfRow,
  rows,
} from '../../../test/support/statementBooks';
import type { StatementLine } from './statementLine';

const SEED = 42;
const N = 2000;

/** The ledger's view of the day, with three planted differences. */
function ledgerWithThreeDifferences(amountChangedRow: number): LedgerLeg[] {
  const legs: LedgerLeg[] = [];
  for (let i = 0; i < N; i++) {
    if (i === 100) continue; // 1. in my books, never posted
    const leg = legOfRow(bookRow(SEED, i));
    // 3. the same payment, another amount on the ledger
    legs.push(
      i === amountChangedRow ? { ...leg, amountMinor: (BigInt(leg.amountMinor) + 1n).toString() } : leg,
    );
  }
  legs.push(legOfRow(bookRow(SEED, N))); // 2. on the ledger, not in my books
  return legs;
}

function expectExactlyThePlantedThree(myLines: readonly StatementLine[], amountChangedRow: number): void {
  const report = compareBooks(myLines, ledgerWithThreeDifferences(amountChangedRow));
  expect(report.onlyInMyBooks.map((l) => l.amountMinor)).toEqual([bookRow(SEED, 100).amountMinor]);
  expect(report.onlyOnLedger.map((l) => l.legId)).toEqual([bookRow(SEED, N).legId]);
  expect(report.fieldDifferences).toHaveLength(1);
  const changed = bookRow(SEED, amountChangedRow);
  expect(report.fieldDifferences[0]?.differences).toEqual([
    {
      field: 'amountMinor',
      mine: changed.amountMinor.toString(),
      ledger: (changed.amountMinor + 1n).toString(),
    },
  ]);
  expect(report.matched).toBe(N - 2);
  expect(report.notBooked).toEqual([]);
}

describe('compareBooks on a generated day with three planted differences', () => {
  it('reports exactly those three from a CSV export (UETR row changed)', async () => {
    const { lines } = await parseCsv(Readable.from(csvChunks(rows(SEED, N))), GENERATED_CSV_MAPPING);
    expectExactlyThePlantedThree(lines, 500);
  });

  it('reports exactly those three from a camt.053 (EndToEndId row changed, EndToEndIds reused)', async () => {
    const { lines } = await parseCamt(Readable.from(camt053Chunks([...rows(SEED, N)])));
    // Row 509's EndToEndId is also row 1509's: matched by amount and date, never by the EndToEndId alone.
    expect(bookRow(SEED, 509).reference).toBe(bookRow(SEED, 1509).reference);
    expectExactlyThePlantedThree(lines, 509);
    const report = compareBooks(lines, ledgerWithThreeDifferences(509));
    expect(report.fieldDifferences[0]?.matchedBy).toBe('END_TO_END_ID');
  });

  it('is deterministic', async () => {
    const { lines } = await parseCsv(Readable.from(csvChunks(rows(SEED, 300))), GENERATED_CSV_MAPPING);
    const legs = [...rows(SEED, 300)].map(legOfRow).reverse();
    expect(compareBooks(lines, legs)).toEqual(compareBooks(lines, legs));
  });
});

const EUR = parseCurrency('EUR');
const line = (over: Partial<StatementLine>): StatementLine => ({
  format: 'csv',
  statementId: 's',
  at: 1,
  side: 'DEBIT',
  reversal: false,
  status: 'BOOKED',
  amountMinor: 1000n,
  currency: EUR,
  valueDate: '2026-11-27',
  payerRef: 'ACC1',
  payeeRef: 'ACC2',
  ...over,
});
const leg = (over: Partial<LedgerLeg>): LedgerLeg => ({
  legId: 'L1',
  reference: 'E2E-1',
  role: 'DEBTOR_AGENT',
  route: GENERATED_ROUTE,
  amountMinor: '1000',
  currency: 'EUR',
  valueDate: '2026-11-27',
  payerRef: 'ACC1',
  payeeRef: 'ACC2',
  outcome: 'SETTLED',
  ...over,
});

describe('compareBooks rules', () => {
  it('never drops a second entry with the same EndToEndId as a duplicate', () => {
    const mine = [line({ at: 1, endToEndId: 'E2E-1' }), line({ at: 2, endToEndId: 'E2E-1' })];
    const report = compareBooks(mine, [leg({})]);
    expect(report.matched).toBe(1);
    expect(report.onlyInMyBooks.map((l) => l.at)).toEqual([2]);
  });

  it('pairs reused EndToEndIds by amount and date, whatever the order', () => {
    const mine = [
      line({ at: 1, endToEndId: 'E', amountMinor: 500n }),
      line({ at: 2, endToEndId: 'E', amountMinor: 700n }),
    ];
    const report = compareBooks(mine, [
      leg({ reference: 'E', amountMinor: '700' }),
      leg({ reference: 'E', amountMinor: '500' }),
    ]);
    expect(report.matched).toBe(2);
    expect(report.fieldDifferences).toEqual([]);
  });

  it('matches by UETR first and reports side, outcome, date and account differences', () => {
    const uetr = '8a562c67-ca16-48ba-b074-65581be6f001';
    const report = compareBooks(
      [
        line({
          uetr,
          endToEndId: 'E2E-1',
          reversal: true,
          side: 'CREDIT',
          payeeRef: 'ACC9',
          valueDate: '2026-11-26',
        }),
      ],
      [leg({ reference: uetr })],
    );
    expect(report.fieldDifferences[0]?.matchedBy).toBe('UETR');
    expect(report.fieldDifferences[0]?.differences.map((d) => d.field)).toEqual([
      'valueDate',
      'side',
      'outcome',
      'payeeRef',
    ]);
  });

  it('falls back to the leg id', () => {
    const report = compareBooks([line({ legId: 'L1' })], [leg({ reference: 'OTHER', amountMinor: '999' })]);
    expect(report.fieldDifferences[0]).toMatchObject({ matchedBy: 'LEG_ID' });
  });

  it('neither compares nor reports as missing a pending or information-only line', () => {
    const report = compareBooks(
      [line({ endToEndId: 'P', status: 'PENDING' }), line({ endToEndId: 'I', status: 'INFO' })],
      [],
    );
    expect(report.onlyInMyBooks).toEqual([]);
    expect(report.notBooked).toHaveLength(2);
  });
});

describe('legsToPost', () => {
  const context = { mspId: 'BankAMSP', roleFor: roleBySide, routeFor: () => GENERATED_ROUTE };

  it('turns what only my books hold into legs the chaincode accepts, with stable leg ids', async () => {
    const { lines } = await parseCsv(Readable.from(csvChunks(rows(SEED, 50))), GENERATED_CSV_MAPPING);
    const report = compareBooks(lines, []);
    const debits = { ...report, onlyInMyBooks: report.onlyInMyBooks.filter((l) => l.side === 'DEBIT') };
    const legs = legsToPost(debits, context);
    expect(legs).toHaveLength(debits.onlyInMyBooks.length);
    for (const l of legs) expect(() => parseLeg(l, 'BankAMSP')).not.toThrow();
    expect(legs[0]).toMatchObject({
      role: 'DEBTOR_AGENT',
      outcome: 'SETTLED',
      legId: debits.onlyInMyBooks[0]?.legId,
    });

    const camt = await parseCamt(Readable.from(camt053Chunks([...rows(SEED, 20)])));
    const camtDebits = compareBooks(camt.lines, []);
    const onlyDebits = {
      ...camtDebits,
      onlyInMyBooks: camtDebits.onlyInMyBooks.filter((l) => l.side === 'DEBIT'),
    };
    const first = legsToPost(onlyDebits, context);
    expect(legsToPost(onlyDebits, context)).toEqual(first);
    expect(first.every((l) => l.legId.startsWith('stmt-'))).toBe(true);
  });

  it('posts nothing when any line cannot become a leg, and says which', () => {
    const report = compareBooks(
      [
        line({ endToEndId: 'E2E-OK', at: 3 }),
        line({ at: 4 }),
        line({ at: 5, endToEndId: 'X', side: 'CREDIT' }),
      ],
      [],
    );
    try {
      legsToPost(report, context);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LegsNotPostable);
      expect((e as LegsNotPostable).problems.map((p) => p.at)).toEqual([4, 5]);
    }
  });
});
