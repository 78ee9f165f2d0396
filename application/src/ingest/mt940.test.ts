import { createReadStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { endToEndIdFromDetails, parseMt940 } from './mt940';
import {
  describePublishedSamples,
  rejection,
  sampleExpectations,
  sampleFiles,
} from '../../../test/support/statementFiles';

/** The published samples (../shared/fixtures/statements from the repo root), read-only. */
const MT940 = resolve(__dirname, '../../../../shared/fixtures/statements/mt940/wolph');
const isMt940 = (f: string) => /\.(sta|txt)$/.test(f);

describePublishedSamples({
  format: 'mt940',
  dir: MT940,
  keep: isMt940,
  parse: parseMt940,
  highWaterMark: 256,
});

describe('MT940: published samples read closely', () => {
  const files = sampleFiles(MT940, isMt940);
  const EXPECTED = sampleExpectations('mt940');

  describe('reads every sample alike whatever its line endings: CRLF, LF, CR or mixed', () => {
    const endings: Record<string, (i: number) => string> = {
      CRLF: () => '\r\n',
      LF: () => '\n',
      CR: () => '\r',
      // A CR is followed by a CRLF, never by a LF alone (CR then LF is a CRLF, whatever was meant).
      mixed: (i) => ['\r\n', '\n', '\r'][i % 3] ?? '\n',
    };
    /**
     * The file with its line endings replaced, in chunks of 7 bytes: a CRLF is cut across two now and then. Read
     * byte for byte (latin1), so a file that is not UTF-8 stays as it was.
     */
    const rewritten = (bytes0: Buffer, eol: (i: number) => string): Buffer[] => {
      let i = 0;
      const bytes = Buffer.from(
        bytes0.toString('latin1').replace(/\r\n|\r|\n/g, () => eol(i++)),
        'latin1',
      );
      return Array.from({ length: Math.ceil(bytes.length / 7) }, (_, k) => bytes.subarray(k * 7, k * 7 + 7));
    };
    for (const file of files) {
      const expected = EXPECTED[file];
      if (!expected) continue;
      it(file, async () => {
        const bytes = readFileSync(join(MT940, file));
        for (const [name, eol] of Object.entries(endings)) {
          const chunks = rewritten(bytes, eol);
          if ('rejected' in expected) {
            const e = await rejection(parseMt940(chunks));
            expect([e.code, e.at], name).toEqual([expected.rejected, expected.at]);
          } else {
            const parsed = await parseMt940(chunks);
            expect(parsed, name).toEqual(await parseMt940(bytes));
            expect(parsed.lines, name).toHaveLength(expected.lines);
          }
        }
      });
    }
  });

  it('reads a :61: line field by field, and EREF from :86:', async () => {
    const parsed = await parseMt940(createReadStream(join(MT940, 'jejik/rabobank-iban.sta')));
    expect(parsed.lines[0]).toMatchObject({
      format: 'mt940',
      statementId: '940S130101',
      account: 'NL71RABO0123456789',
      side: 'DEBIT',
      reversal: false,
      amountMinor: 2500n,
      currency: 'EUR',
      valueDate: '2013-01-01',
      at: 6,
    });
    expect(parsed.lines[0]?.endToEndId).toBe('01-01-2013 12:00 0030000987654321');
    const sepa = await parseMt940(createReadStream(join(MT940, 'betterplace/sepa_mt9401.sta')));
    const first = sepa.lines[0];
    expect(first).toMatchObject({
      side: 'CREDIT',
      amountMinor: 30000n,
      valueDate: '2007-09-04',
      bookingDate: '2007-09-04',
      customerRef: 'TFNr 40005 MSGID',
      accountServicerRef: '0724710345313905',
    });
    expect(sepa.statements[0]?.openingBalanceMinor).toBe(-123471836n);
  });
});

const statement = (lines: string, opening = 'C261127EUR100,00', closing = 'C261127EUR100,00') =>
  `:20:REF1\r\n:25:DE89370400440532013000\r\n:28C:1/1\r\n:60F:${opening}\r\n${lines}:62F:${closing}\r\n-\r\n`;

describe('MT940: generated statements', () => {
  it('books C, D, RC and RD with their direction and balances them', async () => {
    const text = statement(
      ':61:2611271127C10,00NTRFNONREF//B1\r\n:86:EREF+X\r\n' +
        ':61:2611271127D2,5NTRFREF2//B2\r\n' +
        ':61:2611271127RC1,00NTRFNONREF\r\n' +
        ':61:2611271127RD0,50NTRFNONREF\r\n',
      'C261127EUR100,00',
      'C261127EUR107,00',
    );
    const parsed = await parseMt940(text);
    expect(parsed.lines.map((l) => [l.side, l.reversal, l.amountMinor])).toEqual([
      ['CREDIT', false, 1000n],
      ['DEBIT', false, 250n],
      ['DEBIT', true, 100n],
      ['CREDIT', true, 50n],
    ]);
  });

  it('rejects a statement whose lines do not give its closing balance, naming the :62F: line', async () => {
    const e = await rejection(parseMt940(statement(':61:2611271127C10,00NTRFNONREF\r\n')));
    expect(e.code).toBe('BALANCE_MISMATCH');
    expect(e.at).toBe(6);
  });

  it('converts amounts from the text with comma decimals: JPY none, BHD three', async () => {
    const jpy = await parseMt940(
      statement(':61:2611271127C1234567,NTRFNONREF\r\n', 'C261127JPY0,', 'C261127JPY1234567,'),
    );
    expect(jpy.lines[0]?.amountMinor).toBe(1234567n);
    const bhd = await parseMt940(
      statement(':61:2611271127D0,125NTRFNONREF\r\n', 'C261127BHD1,', 'C261127BHD0,875'),
    );
    expect(bhd.lines[0]?.amountMinor).toBe(125n);
    const e = await rejection(
      parseMt940(statement(':61:2611271127C1,5NTRFNONREF\r\n', 'C261127JPY0,', 'C261127JPY1,5')),
    );
    expect(e.code).toBe('INVALID_AMOUNT');
    expect(e.at).toBe(5);
  });

  it('refuses a file over statementBytesMax and more lines than entriesMax', async () => {
    const text = statement(':61:2611271127C1,00NTRFNONREF\r\n:61:2611271127D1,00NTRFNONREF\r\n');
    expect((await rejection(parseMt940(text, { statementBytesMax: 50 }))).code).toBe('STATEMENT_TOO_LARGE');
    const e = await rejection(parseMt940(text, { entriesMax: 1 }));
    expect(e.code).toBe('TOO_MANY_ENTRIES');
    expect(e.at).toBe(6);
  });

  it('reads an MT950 in its SWIFT envelope', async () => {
    const text =
      '{1:F01BANKDEFFAXXX0000000000}{2:O9501200261127BANKDEFFAXXX00000000002611271200N}{4:\r\n' +
      statement(':61:2611271127D10,00NTRFREF1//B1\r\n', 'C261127EUR100,00', 'C261127EUR90,00').replace(
        /-\r\n$/,
        '-}\r\n',
      );
    const parsed = await parseMt940(text);
    expect(parsed.lines[0]).toMatchObject({
      format: 'mt950',
      side: 'DEBIT',
      amountMinor: 1000n,
      customerRef: 'REF1',
    });
  });

  it('finds EndToEndIds in structured :86: text', () => {
    expect(endToEndIdFromDetails('166?00GUTSCHRIFT?20EREF+ABC 1?21 23SVWZ+text')).toBe('ABC 1 23');
    expect(endToEndIdFromDetails('/EREF/E2E-9/BENM//NAME/X')).toBe('E2E-9');
    expect(endToEndIdFromDetails('?20EREF+NOTPROVIDED')).toBeUndefined();
  });
});
