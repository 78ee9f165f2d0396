import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { parseCamt } from './camt';
import { camt053Chunks, rows } from '../../../test/support/statementBooks';
import { describePublishedSamples, rejection } from '../../../test/support/statementFiles';

/** The published samples (../shared/fixtures/statements from the repo root), read-only. */
const CAMT = resolve(__dirname, '../../../../shared/fixtures/statements/camt');

describePublishedSamples({
  format: 'camt',
  dir: CAMT,
  parse: parseCamt,
  highWaterMark: 512,
  check: (parsed) => {
    for (const l of parsed.lines) {
      expect(l.amountMinor >= 0n).toBe(true);
      expect(typeof l.at).toBe('string');
    }
  },
});

describe('camt: published samples read closely', () => {
  it('reads the references, dates and parties of a camt.053 entry', async () => {
    const parsed = await parseCamt(createReadStream(join(CAMT, 'viafintech/053/valid_example.xml')));
    const line = parsed.lines[0];
    expect(line).toMatchObject({ format: 'camt.053', status: 'BOOKED', currency: 'EUR' });
    expect(line?.valueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const withE2e = parsed.lines.filter((l) => l.endToEndId !== undefined);
    expect(withE2e.length).toBeGreaterThan(0);
  });

  it('splits a camt.054 batch into one line per transaction, each with its own amount', async () => {
    const parsed = await parseCamt(
      createReadStream(
        join(
          CAMT,
          'moov-io/200519_camt054-ESR-ASR_P_CH2909000000250094239_1110092704_0_2019042500372179.xml',
        ),
      ),
    );
    expect(parsed.statements[0]?.entryCount).toBe(2);
    expect(parsed.lines).toHaveLength(6);
    expect(new Set(parsed.lines.map((l) => l.at)).size).toBe(6);
    const batch = parsed.lines.filter((l) => typeof l.at === 'string' && l.at.includes('/Ntry[1]/'));
    expect(batch.map((l) => l.amountMinor)).toEqual([25000n, 20000n, 30000n, 32400n, 46300n]);
    expect(batch.every((l) => String(l.at).includes('/TxDtls['))).toBe(true);
  });
});

const ns = 'urn:iso:std:iso:20022:tech:xsd:camt.052.001.08';
function report(entries: string, opening: string, closing: string, ccy = 'EUR', summary = ''): string {
  const bal = (code: string, amount: string) =>
    `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="${ccy}">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-27</Dt></Dt></Bal>`;
  return (
    `<?xml version="1.0"?><Document xmlns="${ns}"><BkToCstmrAcctRpt><GrpHdr><MsgId>M</MsgId></GrpHdr>` +
    `<Rpt><Id>R1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>${ccy}</Ccy></Acct>` +
    `${bal('OPBD', opening)}${bal('CLBD', closing)}${summary}${entries}</Rpt></BkToCstmrAcctRpt></Document>`
  );
}
function entry(amount: string, side: 'CRDT' | 'DBIT', status: string, ccy = 'EUR', refs = ''): string {
  return (
    `<Ntry><Amt Ccy="${ccy}">${amount}</Amt><CdtDbtInd>${side}</CdtDbtInd><Sts><Cd>${status}</Cd></Sts>` +
    `<ValDt><Dt>2026-11-27</Dt></ValDt><NtryDtls><TxDtls><Refs>${refs}</Refs></TxDtls></NtryDtls></Ntry>`
  );
}

describe('camt: generated statements', () => {
  it('never books a PDNG or INFO entry, and checks balances on booked entries only', async () => {
    const xml = report(
      entry('10.00', 'CRDT', 'BOOK') + entry('99.00', 'CRDT', 'PDNG') + entry('5.00', 'DBIT', 'INFO'),
      '100.00',
      '110.00',
    );
    const parsed = await parseCamt(xml);
    expect(parsed.lines.map((l) => l.status)).toEqual(['BOOKED', 'PENDING', 'INFO']);
    expect(parsed.statements[0]).toMatchObject({
      format: 'camt.052',
      openingBalanceMinor: 10000n,
      closingBalanceMinor: 11000n,
    });
  });

  it('rejects a report whose pending entry was counted as booked by its bank', async () => {
    const xml = report(entry('10.00', 'CRDT', 'BOOK') + entry('99.00', 'CRDT', 'PDNG'), '100.00', '209.00');
    const e = await rejection(parseCamt(xml));
    expect(e.code).toBe('BALANCE_MISMATCH');
    expect(e.at).toBe('/Document/BkToCstmrAcctRpt/Rpt[1]');
  });

  it('rejects an entry count that disagrees with TxsSummry, naming NbOfNtries', async () => {
    const summary = '<TxsSummry><TtlNtries><NbOfNtries>2</NbOfNtries></TtlNtries></TxsSummry>';
    const e = await rejection(parseCamt(report(entry('10.00', 'CRDT', 'BOOK'), '0', '10', 'EUR', summary)));
    expect(e.code).toBe('ENTRY_COUNT_MISMATCH');
    expect(e.at).toBe('/Document/BkToCstmrAcctRpt/Rpt[1]/TxsSummry/TtlNtries/NbOfNtries');
  });

  it('converts amounts exactly from their text: JPY has no decimals, BHD three', async () => {
    const jpy = await parseCamt(report(entry('1234567', 'CRDT', 'BOOK', 'JPY'), '0', '1234567', 'JPY'));
    expect(jpy.lines[0]?.amountMinor).toBe(1234567n);
    const bhd = await parseCamt(report(entry('0.125', 'CRDT', 'BOOK', 'BHD'), '1.000', '1.125', 'BHD'));
    expect(bhd.lines[0]?.amountMinor).toBe(125n);
    const big = await parseCamt(
      report(entry('9007199254740993.01', 'CRDT', 'BOOK'), '0', '9007199254740993.01'),
    );
    expect(big.lines[0]?.amountMinor).toBe(900719925474099301n);
    const e = await rejection(parseCamt(report(entry('12.5', 'CRDT', 'BOOK', 'JPY'), '0', '12.5', 'JPY')));
    expect(e.code).toBe('INVALID_AMOUNT');
    expect(e.at).toBe('/Document/BkToCstmrAcctRpt/Rpt[1]/Ntry[1]/Amt');
  });

  it('refuses any DOCTYPE, and so any entity declaration or expansion', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      `<Document xmlns="${ns}"><BkToCstmrAcctRpt><Rpt><Id>&b;</Id></Rpt></BkToCstmrAcctRpt></Document>`;
    expect((await rejection(parseCamt(bomb))).code).toBe('DOCTYPE_REFUSED');
    const external = `<?xml version="1.0"?><!DOCTYPE d SYSTEM "file:///etc/passwd"><Document xmlns="${ns}"/>`;
    expect((await rejection(parseCamt(external))).code).toBe('DOCTYPE_REFUSED');
    const undeclared = report(
      entry('10.00', 'CRDT', 'BOOK', 'EUR', '<EndToEndId>&xxe;</EndToEndId>'),
      '0',
      '10',
    );
    const e = await rejection(parseCamt(undeclared));
    expect(e.code).toBe('MALFORMED');
    expect(e.at).toContain('/Ntry[1]/NtryDtls[1]/TxDtls[1]/Refs/EndToEndId');
  });

  it('names the element of a malformed document', async () => {
    const xml = report(entry('10.00', 'CRDT', 'BOOK'), '0', '10').replace(
      'CRDT</CdtDbtInd><Sts>',
      'CRDT</CdtDbt><Sts>',
    );
    const e = await rejection(parseCamt(xml));
    expect(e.code).toBe('MALFORMED');
    expect(e.at).toMatch(/^\/Document\/BkToCstmrAcctRpt\/Rpt\[1\]\/Ntry\[1\]/);
    expect(e.detail).toMatch(/1:\d+: unexpected close tag/);
  });

  it('refuses a file over statementBytesMax and more lines than entriesMax', async () => {
    const xml = report(entry('10.00', 'CRDT', 'BOOK') + entry('1.00', 'CRDT', 'BOOK'), '0', '11');
    expect((await rejection(parseCamt(xml, { statementBytesMax: 200 }))).code).toBe('STATEMENT_TOO_LARGE');
    const e = await rejection(parseCamt(xml, { entriesMax: 1 }));
    expect(e.code).toBe('TOO_MANY_ENTRIES');
    expect(e.at).toBe('/Document/BkToCstmrAcctRpt/Rpt[1]/Ntry[2]');
  });

  it('reads UETR and EndToEndId, any namespace prefix, split across tiny chunks', async () => {
    const uetr = '8a562c67-ca16-48ba-b074-65581be6f001';
    const xml = report(
      entry(
        '10.00',
        'CRDT',
        'BOOK',
        'EUR',
        `<EndToEndId>E2E-1</EndToEndId><UETR>${uetr.toUpperCase()}</UETR>`,
      ),
      '0',
      '10',
    )
      .replace(/<(\/?)([A-Za-z])/g, '<$1c:$2')
      .replace(`xmlns="${ns}"`, `xmlns:c="${ns}"`);
    const bytes = Buffer.from(xml);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    const parsed = await parseCamt(Readable.from(chunks));
    expect(parsed.lines[0]).toMatchObject({ uetr, endToEndId: 'E2E-1', amountMinor: 1000n, side: 'CREDIT' });
  });

  it('parses a generated camt.053 with consistent balances', async () => {
    const parsed = await parseCamt(Readable.from(camt053Chunks([...rows(7, 500)])));
    expect(parsed.lines).toHaveLength(500);
    expect(parsed.statements[0]?.entryCount).toBe(500);
  });
});
