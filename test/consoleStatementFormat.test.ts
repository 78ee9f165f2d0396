import { describe, expect, it } from 'vitest';

import { statementFormatOf } from '../application/console/src/statementFormat';

describe('the statements screen: the format of a chosen file', () => {
  it('reads it from the start of the file when that is telling', () => {
    expect(statementFormatOf('export.txt', '\uFEFF<?xml version="1.0"?><Document')).toBe('camt');
    expect(statementFormatOf('statement.txt', '  <Document xmlns="urn:iso')).toBe('camt');
    expect(statementFormatOf('day.txt', '{1:F01BANKBEBBAXXX0000000000}{4:\n:20:STARTUMS')).toBe('mt940');
    expect(statementFormatOf('day.dat', ':20:STARTUMSE\r\n:25:10020030/1234567')).toBe('mt940');
    // what a file says of itself wins over a misleading name
    expect(statementFormatOf('looks-like.csv', '<Document>')).toBe('camt');
  });

  it('falls back on the extension, in any case, and says nothing when neither tells', () => {
    expect(statementFormatOf('FI_camt_053_sample.xml.xml', '')).toBe('camt');
    expect(statementFormatOf('KONTOAUSZUG.STA', 'garbled')).toBe('mt940');
    expect(statementFormatOf('books-2026-12-07.CSV', 'reference,amount,currency')).toBe('csv');
    expect(statementFormatOf('notes.txt', 'reference,amount')).toBeUndefined();
    expect(statementFormatOf('README', '')).toBeUndefined();
  });
});
