import { describe, expect, it } from 'vitest';

import { parseCamt } from './camt';
import { compareBooks, type LedgerLeg } from './compare';
import { namedColumns, parseCsv } from './csv';
import { parseMt940 } from './mt940';
import {
  CSV_COLUMNS_MAX,
  makeLine,
  MT940_DETAILS_CHARS_MAX,
  MT940_FIELD_LINES_MAX,
  XML_DEPTH_MAX,
  type StatementLine,
} from './statementLine';
import { parseCurrency } from '../../../chaincode/src/core/money';
import { rejection } from '../../../test/support/statementFiles';

// Every parser is linear in its input: doubling an input at most (roughly) doubles its parse. Each shape is the
// largest a limit allows of what once made a parser quadratic (deep nesting, many :86: fields, long fields),
// repeated n and 2n times. Measured as this process's CPU time (not wall time, which a busy machine stretches),
// as the median of interleaved runs; linear is a ratio of 2, quadratic 4, and the bound allows for noise.

const RATIO_MAX = 3.5;
const RUNS = 5;

/** Bytes in 64 KiB chunks, as an upload arrives. */
function chunked(text: string): Buffer[] {
  const b = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += 65_536) out.push(b.subarray(i, i + 65_536));
  return out;
}

async function cpuMs(parse: () => Promise<unknown>, refused: boolean): Promise<number> {
  const start = process.cpuUsage();
  // A valid shape is read to its end; a hostile one must be refused at a limit, whatever its size.
  if (refused) expect((await rejection(parse())).code).toBe('LIMIT_EXCEEDED');
  else await parse();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

/** Median CPU ms for `n` and `2n` repetitions, interleaved so a slow moment of the machine hits both. */
async function doubling(
  make: (n: number) => string,
  parse: (input: Buffer[]) => Promise<unknown>,
  n: number,
  refused: boolean,
): Promise<{ single: number; double: number; ratio: number }> {
  const one = chunked(make(n));
  const two = chunked(make(2 * n));
  await cpuMs(() => parse(one), refused); // warm up the JIT
  const singles: number[] = [];
  const doubles: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    singles.push(await cpuMs(() => parse(one), refused));
    doubles.push(await cpuMs(() => parse(two), refused));
  }
  const single = median(singles);
  const double = median(doubles);
  // A millisecond added to both: sub-millisecond refusals are all noise, not a ratio.
  return { single, double, ratio: (double + 1) / (single + 1) };
}

const NS = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02';
const camtEntries = (n: number, inside: string): string =>
  `<?xml version="1.0"?><Document xmlns="${NS}"><BkToCstmrStmt><Stmt><Id>S</Id>` +
  `<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>` +
  `<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">${n}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>` +
  `<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><ValDt><Dt>2026-11-27</Dt></ValDt>${inside}</Ntry>`.repeat(
    n,
  ) +
  `</Stmt></BkToCstmrStmt></Document>`;

const mt940Lines = (n: number, after61: string): string =>
  [
    ':20:S',
    ':25:ACC',
    ':60F:C261127EUR0,00',
    ...Array.from({ length: n }, () => `:61:2611271127C1,00NTRFREF//B\r\n${after61}`),
    `:62F:C261127EUR${n},00`,
    '-',
  ].join('\r\n');

describe('parsers are linear in their input', () => {
  const shapes: [string, (n: number) => string, (i: Buffer[]) => Promise<unknown>, number, boolean?][] = [
    [
      `camt: entries each nesting to XML_DEPTH_MAX (${XML_DEPTH_MAX})`,
      (n) => camtEntries(n, `${'<X>'.repeat(XML_DEPTH_MAX - 5)}${'</X>'.repeat(XML_DEPTH_MAX - 5)}`),
      (i) => parseCamt(i),
      1500,
    ],
    [
      'camt: entries with many unknown siblings and a batch of transactions',
      (n) =>
        camtEntries(
          n,
          `${'<AddtlInf>x</AddtlInf>'.repeat(40)}<NtryDtls>${'<TxDtls><Refs><EndToEndId>E</EndToEndId></Refs></TxDtls>'.repeat(10)}</NtryDtls>`,
        ),
      (i) => parseCamt(i),
      1000,
    ],
    [
      `MT940: :61: lines each with :86: fields up to MT940_DETAILS_CHARS_MAX (${MT940_DETAILS_CHARS_MAX})`,
      (n) =>
        mt940Lines(
          n,
          Array.from(
            { length: Math.floor(MT940_DETAILS_CHARS_MAX / 70) - 2 },
            () => `:86:?20EREF+${'e'.repeat(52)}`,
          ).join('\r\n'),
        ),
      (i) => parseMt940(i),
      400,
    ],
    [
      `MT940: :86: fields of MT940_FIELD_LINES_MAX (${MT940_FIELD_LINES_MAX}) lines`,
      (n) =>
        mt940Lines(
          n,
          `:86:/EREF/E\r\n${Array.from({ length: MT940_FIELD_LINES_MAX - 1 }, () => 'd'.repeat(60)).join('\r\n')}`,
        ),
      (i) => parseMt940(i),
      800,
    ],
    [
      `CSV: rows of CSV_COLUMNS_MAX (${CSV_COLUMNS_MAX}) columns with quoted line breaks`,
      (n) => {
        const extra = Array.from({ length: CSV_COLUMNS_MAX - 5 }, (_, i) => `x${i}`);
        const header = ['reference', 'amount', 'currency', 'valueDate', 'side', ...extra].join(',');
        const row = (i: number) =>
          [`E2E-${i}`, '1.00', 'EUR', '2026-11-27', 'C', ...extra.map(() => '"a\nb"')].join(',');
        return [header, ...Array.from({ length: n }, (_, i) => row(i))].join('\r\n');
      },
      (i) => parseCsv(i, namedColumns('side')),
      3000,
    ],
    // The hostile inputs, which took 8.4 s, 19 s and 4.5 s, refused at a limit at any size.
    [
      'camt: n x 16,000 elements nested inside one entry (refused)',
      (n) => camtEntries(1, `${'<X>'.repeat(16_000 * n)}${'</X>'.repeat(16_000 * n)}`),
      (i) => parseCamt(i),
      1,
      true,
    ],
    [
      'MT940: n x 7,500 :86: fields after one :61: (refused)',
      (n) =>
        mt940Lines(1, Array.from({ length: 7_500 * n }, () => ':86:?20EREF+abcdefghijklmnop').join('\r\n')),
      (i) => parseMt940(i),
      1,
      true,
    ],
    [
      'MT940: a line of n x 8 MB (refused)',
      (n) => `:20:S\r\n:86:${'x'.repeat(8 * 1024 * 1024 * n)}\r\n`,
      (i) => parseMt940(i),
      1,
      true,
    ],
  ];

  for (const [name, make, parse, n, refused = false] of shapes) {
    it(`${name}: twice the input, at most ${RATIO_MAX}x the time`, async () => {
      const r = await doubling(make, parse, n, refused);
      console.log(
        `${name}: ${r.single.toFixed(0)} ms, doubled ${r.double.toFixed(0)} ms, ratio ${r.ratio.toFixed(2)}`,
      );
      // A refused input is refused at its limit, in about the same time at either size; a valid one is parsed
      // with enough work to measure (the doubled parse well over a timer tick).
      if (!refused) expect(r.double).toBeGreaterThan(20);
      expect(r.ratio).toBeLessThan(RATIO_MAX);
    });
  }

  it('compareBooks: n lines and n ledger legs all of one EndToEndId, none agreeing: twice n, at most 3.5x the time', async () => {
    // Payers reuse EndToEndIds; a hostile file gives one to every line. Each leg used to walk every line of it.
    const eur = parseCurrency('EUR');
    const lines = (n: number): StatementLine[] =>
      Array.from({ length: n }, (_, i) =>
        makeLine({
          format: 'csv',
          statementId: '',
          at: i + 2,
          side: 'CREDIT',
          reversal: false,
          status: 'BOOKED',
          amountMinor: BigInt(2 * i + 1),
          currency: eur,
          valueDate: '2026-11-27',
          endToEndId: 'SAME',
        }),
      );
    const legs = (n: number): LedgerLeg[] =>
      Array.from({ length: n }, (_, i) => ({
        legId: `L${i}`,
        reference: 'SAME',
        role: 'CREDITOR_AGENT',
        route: [],
        amountMinor: String(2 * i + 2),
        currency: 'EUR',
        valueDate: '2026-11-27',
        payerRef: 'P',
        payeeRef: 'Q',
        outcome: 'SETTLED',
      }));
    const n = 20_000;
    const inputs = new Map([
      [n, { l: lines(n), g: legs(n) }],
      [2 * n, { l: lines(2 * n), g: legs(2 * n) }],
    ]);
    const r = await doubling(
      (k) => String(k),
      (i) => {
        const k = Number(Buffer.concat(i).toString());
        const input = inputs.get(k);
        if (!input) throw new Error(`no input of ${k}`);
        const report = compareBooks(input.l, input.g);
        expect(report.onlyOnLedger).toHaveLength(k);
        return Promise.resolve(report);
      },
      n,
      false,
    );
    console.log(
      `compareBooks, one shared EndToEndId: ${r.single.toFixed(0)} ms, doubled ${r.double.toFixed(0)} ms, ratio ${r.ratio.toFixed(2)}`,
    );
    expect(r.double).toBeGreaterThan(20);
    expect(r.ratio).toBeLessThan(RATIO_MAX);
  });
});
