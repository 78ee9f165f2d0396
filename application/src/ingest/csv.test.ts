import { Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { parseCsv, type CsvMapping } from './csv';
import { rejection } from '../../../test/support/statementFiles';
import { csvChunks, GENERATED_CSV_MAPPING, rows } from '../../../test/support/statementBooks';

const MAPPING: CsvMapping = {
  columns: {
    reference: 'Reference',
    amount: 'Amount',
    currency: 'Ccy',
    valueDate: 'Value date',
    side: 'D/C',
    payerRef: 'Payer',
    payeeRef: 'Payee',
    legId: 'Leg',
    status: 'Status',
  },
  sideValues: { credit: ['C'], debit: ['D'] },
  statementId: 'books-2026-11-27',
  account: 'DE89370400440532013000',
};
const HEADER = 'Leg,Reference,D/C,Amount,Ccy,Value date,Payer,Payee,Status\r\n';
const UETR = '8a562c67-ca16-48ba-b074-65581be6f001';

describe('CSV', () => {
  it('reads rows by the declared mapping, with RFC 4180 quoting', async () => {
    const text =
      HEADER +
      `L1,${UETR.toUpperCase()},C,1234.56,EUR,2026-11-27,ACC1,ACC2,BOOK\r\n` +
      `"L2","E2E ""quoted"", one",D,"1,5",EUR,2026-11-27,ACC3,ACC4,PDNG\r\n`;
    const parsed = await parseCsv(text, MAPPING);
    expect(parsed.lines).toEqual([
      {
        format: 'csv',
        statementId: 'books-2026-11-27',
        account: 'DE89370400440532013000',
        at: 2,
        side: 'CREDIT',
        reversal: false,
        status: 'BOOKED',
        amountMinor: 123456n,
        currency: 'EUR',
        valueDate: '2026-11-27',
        uetr: UETR,
        legId: 'L1',
        payerRef: 'ACC1',
        payeeRef: 'ACC2',
      },
      expect.objectContaining({
        at: 3,
        side: 'DEBIT',
        amountMinor: 150n,
        status: 'PENDING',
        endToEndId: 'E2E "quoted", one',
      }),
    ]);
  });

  it('keeps amounts exact: BHD three decimals, JPY none, signed amounts without a side column', async () => {
    const mapping: CsvMapping = { columns: { reference: 'r', amount: 'a', currency: 'c', valueDate: 'd' } };
    const parsed = await parseCsv('r,a,c,d\nX1,-0.125,BHD,2026-11-27\nX2,1000000,JPY,2026-11-27\n', mapping);
    expect(parsed.lines.map((l) => [l.side, l.amountMinor])).toEqual([
      ['DEBIT', 125n],
      ['CREDIT', 1000000n],
    ]);
    const e = await rejection(parseCsv('r,a,c,d\nX1,1.5,JPY,2026-11-27\n', mapping));
    expect(e).toMatchObject({ code: 'INVALID_AMOUNT', at: 2 });
  });

  it('names the line of a bad row and rejects the file whole', async () => {
    const bad = async (row: string) =>
      rejection(parseCsv(`${HEADER}L1,R1,C,1.00,EUR,2026-11-27,A,B,BOOK\r\n${row}\r\n`, MAPPING));
    expect(await bad('L2,R2,X,1.00,EUR,2026-11-27,A,B,BOOK')).toMatchObject({ code: 'INVALID_FIELD', at: 3 });
    expect(await bad('L2,R2,C,1.00,XXX,2026-11-27,A,B,BOOK')).toMatchObject({
      code: 'UNKNOWN_CURRENCY',
      at: 3,
    });
    expect(await bad('L2,R2,C,1.00,EUR,2026-02-30,A,B,BOOK')).toMatchObject({ code: 'INVALID_DATE', at: 3 });
    expect(await bad('L2,R2,C,-1.00,EUR,2026-11-27,A,B,BOOK')).toMatchObject({
      code: 'INVALID_AMOUNT',
      at: 3,
    });
    expect(await bad('L2,R2,C,,EUR,2026-11-27,A,B,BOOK')).toMatchObject({ code: 'MISSING_FIELD', at: 3 });
    expect(await bad('L2,R2,C,1.00,EUR')).toMatchObject({ code: 'MALFORMED', at: 3 });
    expect(await bad('L2,"R2,C,1.00,EUR,2026-11-27,A,B,BOOK')).toMatchObject({ code: 'MALFORMED' });
  });

  it('requires the declared columns in the header', async () => {
    const e = await rejection(parseCsv('Leg,Reference\r\nL1,R1\r\n', MAPPING));
    expect(e).toMatchObject({ code: 'MISSING_FIELD', at: 1 });
  });

  it('streams across chunk boundaries, multi-byte characters included, and enforces the limits', async () => {
    const text = `${HEADER}L1,Zahlung-ü,C,1.00,EUR,2026-11-27,A,B,BOOK\r\nL2,R2,D,2.00,EUR,2026-11-27,A,B,BOOK\r\n`;
    const bytes = Buffer.from(text);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 3) }, (_, i) =>
      bytes.subarray(i * 3, i * 3 + 3),
    );
    const parsed = await parseCsv(Readable.from(chunks), { ...MAPPING, columns: { ...MAPPING.columns } });
    expect(parsed.lines.map((l) => l.endToEndId)).toEqual(['Zahlung-ü', 'R2']);
    expect((await rejection(parseCsv(text, MAPPING, { statementBytesMax: 40 }))).code).toBe(
      'STATEMENT_TOO_LARGE',
    );
    expect(await rejection(parseCsv(text, MAPPING, { entriesMax: 1 }))).toMatchObject({
      code: 'TOO_MANY_ENTRIES',
      at: 3,
    });
    const latin1 = Buffer.concat([Buffer.from(HEADER), Buffer.from([0x4c, 0x31, 0x2c, 0xfc, 0x0d, 0x0a])]);
    expect((await rejection(parseCsv(latin1, MAPPING))).code).toBe('MALFORMED');
  });

  it('takes any line ending, CRLF, LF, CR or mixed, and still names the right line', async () => {
    const text = [...csvChunks(rows(7, 200))].join('');
    const crlf = await parseCsv(text, GENERATED_CSV_MAPPING);
    expect(crlf.lines).toHaveLength(200);
    let i = 0;
    const endings: Record<string, () => string> = {
      LF: () => '\n',
      CR: () => '\r',
      mixed: () => ['\r\n', '\r', '\n'][i++ % 3] ?? '\n',
    };
    for (const [name, eol] of Object.entries(endings)) {
      const bytes = Buffer.from(text.replace(/\r\n/g, eol));
      // Chunks of 5 bytes: now and then a CRLF is cut in two.
      const chunks = Array.from({ length: Math.ceil(bytes.length / 5) }, (_, k) =>
        bytes.subarray(k * 5, k * 5 + 5),
      );
      expect(await parseCsv(Readable.from(chunks), GENERATED_CSV_MAPPING), name).toEqual(crlf);
    }
    // A quoted line break in a column not read (CR, then CRLF) counts as the lines it spans.
    const notes = { ...MAPPING, columns: { ...MAPPING.columns } };
    const withNotes = `Note,${HEADER}"a\rb\r\nc",L1,R1,C,1.00,EUR,2026-11-27,A,B,BOOK\rx,L2,R2,C,1.00,EUR,2026-02-30,A,B,BOOK\n`;
    expect(await rejection(parseCsv(withNotes, notes))).toMatchObject({ code: 'INVALID_DATE', at: 5 });
  });
});
