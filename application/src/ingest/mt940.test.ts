import { createReadStream, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { endToEndIdFromDetails, parseMt940 } from './mt940';
import type { StatementErrorCode } from './statementLine';
import { listFiles, rejection } from '../../../test/support/statementFiles';

/** The published samples (../shared/fixtures/statements from the repo root), read-only. */
const MT940 = resolve(__dirname, '../../../../shared/fixtures/statements/mt940/wolph');

type Expected =
  | { readonly ok: { statements: number; lines: number } }
  | { readonly rejected: StatementErrorCode; readonly line: number; readonly why: string };

const snippet = (line = 1): Expected => ({
  rejected: 'MISSING_FIELD',
  line,
  why: 'a one-field snippet, not a statement (no :20:)',
});
const unbalanced = (line: number, why: string): Expected => ({ rejected: 'BALANCE_MISMATCH', line, why });

const EXPECTED: Record<string, Expected> = {
  'ASNB/mt940.txt': { ok: { statements: 31, lines: 8 } },
  'ASNB/mt940_with_spaces_for_entry_date.txt': { ok: { statements: 31, lines: 8 } },
  'betterplace/amount_formats.sta': snippet(),
  'betterplace/currency_in_25.sta': snippet(),
  'betterplace/empty_86.sta': snippet(),
  'betterplace/empty_entry_date.sta': snippet(),
  'betterplace/empty_line.sta': { rejected: 'MISSING_FIELD', line: 2, why: ':20: alone, no balances' },
  'betterplace/missing_crlf_at_end.sta': snippet(),
  'betterplace/sepa_mt9401.sta': { ok: { statements: 26, lines: 97 } },
  'betterplace/sepa_snippet.sta': unbalanced(
    55,
    'second statement: -1970431.87 - 2501917.30 is not -4472049.09',
  ),
  'betterplace/sepa_snippet_broken.sta': unbalanced(
    10,
    'its :86: was replaced by a :25:, and lines are missing',
  ),
  'betterplace/with_binary_character.sta': { ok: { statements: 2, lines: 4 } },
  'citi/mt940.txt': { ok: { statements: 1, lines: 5 } },
  'cmxl/account_balance_credit.sta': snippet(),
  'cmxl/account_balance_debit.sta': snippet(),
  'cmxl/account_identification_iban.sta': snippet(),
  'cmxl/account_identification_legacy.sta': snippet(),
  'cmxl/available_balance.sta': snippet(),
  'cmxl/closing_balance.sta': snippet(),
  'cmxl/mt940.sta': {
    rejected: 'UNKNOWN_CURRENCY',
    line: 4,
    why: 'DEM (Deutsche Mark) is no longer an ISO 4217 currency',
  },
  'cmxl/reference.sta': { rejected: 'MISSING_FIELD', line: 1, why: 'a lone :20:' },
  'cmxl/statement_details.sta': snippet(),
  'cmxl/statement_line.sta': snippet(),
  'cmxl/statement_number.sta': snippet(),
  'jejik/abnamro.sta': unbalanced(27, '3236.28 - 321.44 is not 876.84: lines were cut from the sample'),
  'jejik/generic.sta': { ok: { statements: 2, lines: 2 } },
  'jejik/ing.sta': unbalanced(26, '0.00 - 45.59 is not 3.47'),
  'jejik/knab.sta': unbalanced(20, 'second statement: 3058.98 - 7260 + 500 is not 798.98'),
  'jejik/postfinance.sta': unbalanced(27, 'second statement: 229.20 - 69.80 is not 159.60'),
  'jejik/rabobank-iban.sta': { ok: { statements: 2, lines: 4 } },
  'jejik/rabobank.sta': unbalanced(11, '473.17 - 1213.28 is not 395.82'),
  'jejik/sns.sta': { ok: { statements: 2, lines: 2 } },
  'jejik/triodos.sta': unbalanced(12, '4975.09 - 715.70 is not 4370.79'),
  'mBank/mt940.sta': { ok: { statements: 1, lines: 3 } },
  'mBank/mt942.sta': {
    rejected: 'UNSUPPORTED_MESSAGE',
    line: 5,
    why: 'MT942 is an interim report, not a statement',
  },
  'mBank/with_newline_in_tnr.sta': unbalanced(19, '0.46 + 89.00 is not 860.17'),
  'sberbank/171011_01234945.sta': { ok: { statements: 1, lines: 3 } },
  'self-provided/account_identification.sta': {
    rejected: 'MISSING_FIELD',
    line: 1,
    why: ':20: and :25: only',
  },
  'self-provided/details_60-63.sta': unbalanced(12, '12345.12 - 233.15 is not 12345.98'),
  'self-provided/empty_non_swift.sta': snippet(),
  'self-provided/february_30.sta': { rejected: 'INVALID_DATE', line: 6, why: 'value date 2016-02-30' },
  'self-provided/gv_codes.sta': { rejected: 'MISSING_FIELD', line: 1, why: 'no closing balance :62F:' },
  'self-provided/invalid_statement.sta': { rejected: 'MALFORMED', line: 1, why: 'lines 1..10, no fields' },
  'self-provided/long_statement_number.sta': { ok: { statements: 1, lines: 0 } },
  'self-provided/malformed_details.sta': unbalanced(15, '12345.12 - 233.15 is not 12345.98'),
  'self-provided/mt942.sta': {
    rejected: 'UNSUPPORTED_MESSAGE',
    line: 4,
    why: 'MT942 is an interim report, not a statement',
  },
  'self-provided/multiline.sta': {
    rejected: 'MISSING_FIELD',
    line: 38,
    why: 'a :61: after the end of the statement (-)',
  },
  'self-provided/overly_long_details.sta': unbalanced(15, '12345.12 - 233.15 is not 12345.98'),
  'self-provided/raiffeisen-cmi.sta': { rejected: 'MALFORMED', line: 7, why: 'ISO 8859-2 text: not UTF-8' },
  'self-provided/raphaelm.sta': {
    rejected: 'UNKNOWN_CURRENCY',
    line: 13,
    why: 'DEM is no longer a currency',
  },
  'self-provided/sparkassen.sta': snippet(),
  'self-provided/transaction_details_wrapped.sta': {
    rejected: 'INVALID_DATE',
    line: 6,
    why: 'value date 2016-02-30',
  },
  'self-provided/whitespace.sta': unbalanced(9, '12345.12 - 233.15 is not 12345.98'),
  'self-provided/wrapped_timestamp.sta': { rejected: 'INVALID_DATE', line: 5, why: 'value date 2016-02-30' },
};

describe('MT940: every published sample parses or is rejected for its stated reason', () => {
  const files = listFiles(MT940, (f) => /\.(sta|txt)$/.test(f))
    .map((f) => relative(MT940, f))
    .sort();

  it('knows every sample', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    const expected = EXPECTED[file];
    if (!expected) continue;
    if ('ok' in expected) {
      it(`${file} parses`, async () => {
        const parsed = await parseMt940(createReadStream(join(MT940, file), { highWaterMark: 256 }));
        expect(parsed.statements).toHaveLength(expected.ok.statements);
        expect(parsed.lines).toHaveLength(expected.ok.lines);
      });
    } else {
      it(`${file} is rejected at line ${expected.line}: ${expected.why}`, async () => {
        const e = await rejection(parseMt940(createReadStream(join(MT940, file))));
        expect(e.code).toBe(expected.rejected);
        expect(e.at).toBe(expected.line);
      });
    }
  }

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
          if ('ok' in expected) {
            const parsed = await parseMt940(chunks);
            expect(parsed, name).toEqual(await parseMt940(bytes));
            expect(parsed.lines, name).toHaveLength(expected.ok.lines);
          } else {
            const e = await rejection(parseMt940(chunks));
            expect([e.code, e.at], name).toEqual([expected.rejected, expected.line]);
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
