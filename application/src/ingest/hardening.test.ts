import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseCurrency } from '../../../chaincode/src/core/money';
import { parseCamt } from './camt';
import { compareBooks, type LedgerLeg } from './compare';
import { CsvMappingInvalid, namedColumns, parseCsv, parseCsvMapping, type CsvMapping } from './csv';
import { parseMt940 } from './mt940';
import { csvRecord, guardCell, looksLikeFormula, unguardCell } from './spreadsheetCell';
import {
  CSV_COLUMNS_MAX,
  makeLine,
  MT940_FIELD_LINES_MAX,
  XML_DEPTH_MAX,
  XML_TEXT_CHARS_MAX,
  type StatementLine,
} from './statementLine';
import { rejection } from '../../../test/support/statementFiles';

// Inputs a hostile or careless member sends: each is refused whole, with the line or element that is wrong.

const camt = (entry: string, balances = true): string =>
  `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S1</Id>` +
  (balances
    ? `<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>` +
      `<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>`
    : '') +
  `<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>${entry}</Ntry></Stmt></BkToCstmrStmt></Document>`;

const mt940 = (line61: string, closing = 'C240101EUR1,00'): string =>
  [':20:S1', ':25:ACC', ':28C:1', ':60F:C240101EUR0,00', `:61:${line61}`, `:62F:${closing}`, '-'].join(
    '\r\n',
  );

const MAPPING: CsvMapping = namedColumns('side', 'legId');
const HEADER = 'reference,amount,currency,valueDate,side,legId\n';

describe('camt: shape limits and dates', () => {
  it(`refuses nesting deeper than XML_DEPTH_MAX (${XML_DEPTH_MAX}), naming the element, at once`, async () => {
    const deep = `${'<X>'.repeat(32_000)}${'</X>'.repeat(32_000)}`;
    const e = await rejection(parseCamt(camt(deep)));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(String(e.at)).toMatch(/^\/Document\/BkToCstmrStmt\/Stmt\[1\]\/Ntry\[1\](\/X)+$/);
    expect(e.detail).toMatch(/XML_DEPTH_MAX/);
  });

  it('refuses element text and tokens over their limits', async () => {
    const long = await rejection(
      parseCamt(camt(`<AddtlNtryInf>${'a'.repeat(XML_TEXT_CHARS_MAX + 1)}</AddtlNtryInf>`)),
    );
    expect([long.code, long.at]).toEqual([
      'LIMIT_EXCEEDED',
      '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/AddtlNtryInf',
    ]);
    const attribute = await rejection(parseCamt(camt(`<X a="${'v'.repeat(200_000)}"/>`)));
    expect(attribute.code).toBe('LIMIT_EXCEEDED');
    expect(attribute.detail).toMatch(/XML_TOKEN_CHARS_MAX/);
    const comment = await rejection(parseCamt(camt(`<!--${'c'.repeat(200_000)}-->`)));
    expect(comment.code).toBe('LIMIT_EXCEEDED');
  });

  it('refuses a value date of year 0000, an impossible date, and a DtTm without its time', async () => {
    const zero = await rejection(parseCamt(camt('<ValDt><Dt>0000-01-01</Dt></ValDt>')));
    expect([zero.code, zero.at]).toEqual([
      'INVALID_DATE',
      '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/ValDt/Dt',
    ]);
    expect(zero.detail).toMatch(/year 0/);
    const feb30 = await rejection(parseCamt(camt('<ValDt><Dt>2026-02-30</Dt></ValDt>')));
    expect([feb30.code, feb30.detail]).toEqual(['INVALID_DATE', 'ValDt 2026-02-30 is not a real date']);
    const dtTm = await rejection(parseCamt(camt('<BookgDt><DtTm>2026-01-01garbage</DtTm></BookgDt>')));
    expect([dtTm.code, dtTm.at]).toEqual([
      'INVALID_DATE',
      '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/BookgDt/DtTm',
    ]);
    const ok = await parseCamt(camt('<ValDt><DtTm>2026-01-01T10:00:00+01:00</DtTm></ValDt>'));
    expect(ok.lines[0]?.valueDate).toBe('2026-01-01');
  });
});

describe('MT940: the comma, line and field limits', () => {
  it('refuses an amount written with a dot, naming the line, even when the balances would fit', async () => {
    // Read as 100.00 before: the dot ended the amount and the balances were made to fit that reading.
    const e = await rejection(parseMt940(mt940('2401010101C100.75NTRFREF//B', 'C240101EUR100,00')));
    expect([e.code, e.at]).toEqual(['INVALID_AMOUNT', 5]);
    expect(e.detail).toMatch(/dot.*comma/);
    const balance = await rejection(parseMt940(mt940('2401010101C1,00NTRFREF//B', 'C240101EUR1.00')));
    expect([balance.code, balance.at]).toEqual(['INVALID_AMOUNT', 6]);
    const parsed = await parseMt940(mt940('2401010101C100,75NTRFREF//B', 'C240101EUR100,75'));
    expect(parsed.lines[0]?.amountMinor).toBe(10075n);
  });

  it('refuses an impossible value date, naming the line', async () => {
    const e = await rejection(parseMt940(mt940('2602300230C1,00NTRFREF//B')));
    expect([e.code, e.at]).toEqual(['INVALID_DATE', 5]);
  });

  it('takes a bare CR as a line end; refuses a 16 MB line and a field of too many lines, naming the line', async () => {
    const crlf = mt940('2401010101C1,00NTRFREF//B');
    const cr = await parseMt940(crlf.replace(':25:ACC\r\n', ':25:ACC\r'));
    expect(cr).toEqual(await parseMt940(crlf));
    const long = await rejection(parseMt940(`:20:S1\n:86:${'x'.repeat(16 * 1024 * 1024)}\n`));
    expect([long.code, long.at]).toEqual(['LIMIT_EXCEEDED', 2]);
    const lines = Array.from({ length: MT940_FIELD_LINES_MAX + 1 }, () => 'more text').join('\n');
    const field = await rejection(parseMt940(mt940(`2401010101C1,00NTRFREF//B\n${lines}`)));
    expect([field.code, field.at]).toEqual(['LIMIT_EXCEEDED', 5 + MT940_FIELD_LINES_MAX]);
  });

  it('keeps several :86: fields of a line, joined, and refuses 15,000 of them at the details limit', async () => {
    const two = mt940('2401010101C1,00NTRFREF//B').replace(
      ':62F:',
      ':86:?20EREF+E2E-1\r\n:86:?21SVWZ+Invoice 7\r\n:62F:',
    );
    const parsed = await parseMt940(two);
    expect(parsed.lines[0]).toMatchObject({
      details: '?20EREF+E2E-1\n?21SVWZ+Invoice 7',
      endToEndId: 'E2E-1',
    });
    const many = mt940('2401010101C1,00NTRFREF//B').replace(
      ':62F:',
      `${':86:?20EREF+abcdefghijklmn\r\n'.repeat(15_000)}:62F:`,
    );
    const e = await rejection(parseMt940(many));
    expect(e.code).toBe('LIMIT_EXCEEDED');
    expect(e.detail).toMatch(/MT940_DETAILS_CHARS_MAX/);
  });
});

describe('CSV: guards, duplicates, limits and dates', () => {
  it('reads back every value the extract writes, guard quote and all (property)', () => {
    fc.assert(
      fc.property(fc.string(), (v) => {
        expect(unguardCell(guardCell(v))).toBe(v);
        // Nothing a spreadsheet would run leaves the writer unguarded.
        expect(/^[=+\-@\t\r]/.test(guardCell(v))).toBe(false);
      }),
    );
    expect(csvRecord(['-x', "'-x", '=1+1', 'a,"b"', "'plain"])).toBe(`'-x,''-x,'=1+1,"a,""b""",'plain`);
  });

  it('refuses unguarded formulas in a column it reads, accepting signed numbers and guarded text', async () => {
    const e = await rejection(
      parseCsv(`${HEADER}"=HYPERLINK(""http://x"")",1.00,EUR,2026-01-01,C,L1\n`, MAPPING),
    );
    expect([e.code, e.at]).toEqual(['INVALID_FIELD', 2]);
    expect(e.detail).toMatch(/reference.*spreadsheet formula/);
    const minus = await rejection(
      parseCsv(`${HEADER}-2+3+cmd|' /C calc'!A0,1.00,EUR,2026-01-01,C,L1\n`, MAPPING),
    );
    expect(minus.code).toBe('INVALID_FIELD');
    expect(looksLikeFormula('-12.50')).toBe(false);
    const guarded = await parseCsv(`${HEADER}'-E2E,1.00,EUR,2026-01-01,C,'@L1\n`, MAPPING);
    expect(guarded.lines[0]).toMatchObject({ endToEndId: '-E2E', legId: '@L1' });
  });

  it('refuses the same leg id twice, naming both lines', async () => {
    const row = 'E2E-1,1.00,EUR,2026-01-01,C,L1\n';
    const e = await rejection(parseCsv(`${HEADER}${row}E2E-2,2.00,EUR,2026-01-01,C,L2\n${row}`, MAPPING));
    expect([e.code, e.at, e.detail]).toEqual(['DUPLICATE_LINE', 4, 'leg id "L1" is on line 2 already']);
  });

  it('refuses year 0000 and 2026-02-30, too many columns, and a row a bare CR cuts short', async () => {
    const zero = await rejection(parseCsv(`${HEADER}E2E,1.00,EUR,0000-01-01,C,L1\n`, MAPPING));
    expect([zero.code, zero.at]).toEqual(['INVALID_DATE', 2]);
    const feb30 = await rejection(parseCsv(`${HEADER}E2E,1.00,EUR,2026-02-30,C,L1\n`, MAPPING));
    expect([feb30.code, feb30.at]).toEqual(['INVALID_DATE', 2]);
    const wide = Array.from({ length: CSV_COLUMNS_MAX + 1 }, (_, i) => `c${i}`).join(',');
    expect((await rejection(parseCsv(`${wide}\n`, MAPPING))).code).toBe('LIMIT_EXCEEDED');
    const cr = await rejection(parseCsv(`${HEADER}E2E\r-2,1.00,EUR,2026-01-01,C,L1\n`, MAPPING));
    expect([cr.code, cr.at]).toEqual(['MALFORMED', 2]);
  });

  it('checks an x-csv-mapping whole and says which part is wrong', () => {
    const field = (v: unknown): string => {
      try {
        parseCsvMapping(v);
      } catch (e) {
        if (e instanceof CsvMappingInvalid) return e.field;
        throw e;
      }
      return 'accepted';
    };
    const columns = { reference: 'r', amount: 'a', currency: 'c', valueDate: 'd' };
    expect(field({ columns })).toBe('accepted');
    expect(field(null)).toBe('(mapping)');
    expect(field([columns])).toBe('(mapping)');
    expect(field({ columns: null })).toBe('columns');
    expect(field({ columns: { ...columns, amount: null } })).toBe('columns.amount');
    expect(field({ columns: { reference: 'r' } })).toBe('columns.amount');
    expect(field({ columns, delimiter: '' })).toBe('delimiter');
    expect(field({ columns, delimiter: ';;' })).toBe('delimiter');
    expect(field(JSON.parse(`{"columns": ${JSON.stringify(columns)}, "__proto__": {"x": 1}}`))).toBe(
      '__proto__',
    );
    expect(field({ columns: JSON.parse(`{"__proto__": "x", "reference": "r"}`) as unknown })).toBe(
      'columns.__proto__',
    );
    expect(field({ columns, sideValues: { credit: 'C', debit: ['D'] } })).toBe('sideValues.credit');
    expect(field({ columns, sideValues: { credit: [1], debit: ['D'] } })).toBe('sideValues.credit[0]');
    expect(field({ columns, sideValues: { credit: ['C'], debit: ['c'] } })).toBe('sideValues');
    expect(field({ columns, sideValues: ['C', 'D'] })).toBe('sideValues');
    // Side values are compared with the side cell in upper case.
    expect(parseCsvMapping({ columns, sideValues: { credit: ['in'], debit: ['out'] } }).sideValues).toEqual({
      credit: ['IN'],
      debit: ['OUT'],
    });
  });
});

describe('comparison with many lines of one EndToEndId', () => {
  it('pairs each leg with the first line of its amount and date, as with few, by an index made for the shared id', () => {
    const eur = parseCurrency('EUR');
    const line = (i: number, amountMinor: bigint, valueDate?: string): StatementLine =>
      makeLine({
        format: 'csv',
        statementId: '',
        at: i,
        side: 'CREDIT',
        reversal: false,
        status: 'BOOKED',
        amountMinor,
        currency: eur,
        ...(valueDate === undefined ? {} : { valueDate }),
        endToEndId: 'SHARED',
      });
    const leg = (i: number, amountMinor: number, valueDate = '2026-11-27'): LedgerLeg => ({
      legId: `L${i}`,
      reference: 'SHARED',
      role: 'CREDITOR_AGENT',
      route: [],
      amountMinor: String(amountMinor),
      currency: 'EUR',
      valueDate,
      payerRef: 'P',
      payeeRef: 'Q',
      outcome: 'SETTLED',
    });
    // 100 lines: amounts 1..50 twice (the second time without a value date, which agrees with any date).
    const lines = Array.from({ length: 100 }, (_, i) =>
      i < 50 ? line(i, BigInt(i + 1), '2026-11-27') : line(i, BigInt(i - 49)),
    );
    // 100 legs in reverse order of amount, then 1 that agrees with nothing.
    const legs = [...Array.from({ length: 100 }, (_, i) => leg(i, 50 - (i % 50))), leg(100, 999)];
    const report = compareBooks(lines, legs);
    expect(report.matched).toBe(100);
    expect(report.onlyInMyBooks).toEqual([]);
    expect(report.onlyOnLedger.map((l) => l.legId)).toEqual(['L100']);
    // The first of two lines of one amount is taken first: the dated one (line order), then the undated one.
    const again = compareBooks(lines, [leg(0, 7), leg(1, 7, '2026-11-28')]);
    expect(again.matched).toBe(2);
    expect(again.onlyInMyBooks.filter((l) => l.amountMinor === 7n)).toEqual([]);
  });
});
