import type { RouteStop } from '../../chaincode/src/core/leg';
import { minorToMajorText, parseCurrency, type Currency } from '../../chaincode/src/core/money';
import type { LedgerLeg } from '../../application/src/ingest/compare';
import type { CsvMapping } from '../../application/src/ingest/csv';
import type { Side } from '../../application/src/ingest/statementLine';

/**
 * Deterministic books and ledger legs for tests and the benchmark: row i is a pure function of (seed, i), so a
 * day of a million payments is written and compared without ever being held twice.
 */
export interface BookRow {
  readonly legId: string;
  readonly reference: string;
  readonly side: Side;
  readonly amountMinor: bigint;
  readonly currency: Currency;
  readonly valueDate: string;
  readonly payerRef: string;
  readonly payeeRef: string;
}

export const GENERATED_ROUTE: readonly RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];

function mix(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex2 = (n: number): string => HEX[n & 255] ?? '00';
const hex8 = (n: number): string => hex2(n >>> 24) + hex2(n >>> 16) + hex2(n >>> 8) + hex2(n);

/** A UUID v4 unique per i (mix is a bijection on 32 bits). */
export function generatedUetr(seed: number, i: number): string {
  const a = hex8(mix(i * 4 + 1 + seed));
  const b = hex8(mix(i * 4 + 2 + seed));
  const c = hex8(mix(i * 4 + 3 + seed));
  const d = hex8(mix(i * 4 + 4 + seed));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${'89ab'[mix(i + seed) & 3] ?? '8'}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}

/**
 * Row i of a generated day. Every tenth payment has no UETR, only an EndToEndId shared with other payments
 * (payers reuse them), so matching cannot rely on the EndToEndId alone.
 */
export function bookRow(seed: number, i: number, currency: Currency = parseCurrency('EUR')): BookRow {
  const r = mix(i ^ (seed * 0x9e3779b1));
  return {
    legId: `L-${seed}-${i}`,
    reference: i % 10 === 9 ? `E2E-INV-${i % 1000}` : generatedUetr(seed, i),
    side: r & 1 ? 'CREDIT' : 'DEBIT',
    amountMinor: BigInt(100 + (r % 5_000_000)),
    currency,
    valueDate: '2026-11-27',
    payerRef: `ACC${((r >>> 3) % 90000) + 10000}`,
    payeeRef: `ACC${((r >>> 7) % 90000) + 20000}`,
  };
}

export function legOfRow(row: BookRow): LedgerLeg {
  return {
    legId: row.legId,
    reference: row.reference,
    role: row.side === 'DEBIT' ? 'DEBTOR_AGENT' : 'CREDITOR_AGENT',
    route: GENERATED_ROUTE,
    amountMinor: row.amountMinor.toString(),
    currency: row.currency,
    valueDate: row.valueDate,
    payerRef: row.payerRef,
    payeeRef: row.payeeRef,
    outcome: 'SETTLED',
  };
}

export const GENERATED_CSV_MAPPING: CsvMapping = {
  columns: {
    reference: 'reference',
    amount: 'amount',
    currency: 'currency',
    valueDate: 'value_date',
    side: 'side',
    payerRef: 'payer_account',
    payeeRef: 'payee_account',
    legId: 'leg_id',
  },
  statementId: 'generated',
};

/** The rows as CSV, in chunks of about 64 KiB. */
export function* csvChunks(rows: Iterable<BookRow>): Generator<string> {
  let out = 'leg_id,reference,side,amount,currency,value_date,payer_account,payee_account\r\n';
  for (const r of rows) {
    out += `${r.legId},${r.reference},${r.side},${minorToMajorText(r.amountMinor, r.currency)},${r.currency},${r.valueDate},${r.payerRef},${r.payeeRef}\r\n`;
    if (out.length >= 65536) {
      yield out;
      out = '';
    }
  }
  if (out) yield out;
}

/**
 * The rows as one camt.053.001.08 statement with consistent balances (opening 0) and entry count. `rows` is
 * read twice (for the closing balance first), so it must be re-iterable.
 */
export function* camt053Chunks(
  rows: Iterable<BookRow>,
  currency: Currency = parseCurrency('EUR'),
): Generator<string> {
  let net = 0n;
  let count = 0;
  for (const r of rows) {
    net += r.side === 'CREDIT' ? r.amountMinor : -r.amountMinor;
    count++;
  }
  const bal = (code: string, minor: bigint) =>
    `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="${currency}">${minorToMajorText(minor < 0n ? -minor : minor, currency)}</Amt>` +
    `<CdtDbtInd>${minor < 0n ? 'DBIT' : 'CRDT'}</CdtDbtInd><Dt><Dt>2026-11-27</Dt></Dt></Bal>`;
  let out =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>' +
    '<GrpHdr><MsgId>GEN-1</MsgId><CreDtTm>2026-11-27T18:00:00Z</CreDtTm></GrpHdr>' +
    `<Stmt><Id>GEN-STMT-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>${currency}</Ccy></Acct>` +
    bal('OPBD', 0n) +
    bal('CLBD', net) +
    `<TxsSummry><TtlNtries><NbOfNtries>${count}</NbOfNtries></TtlNtries></TxsSummry>\n`;
  for (const r of rows) {
    const ref = r.reference.includes('-4') && r.reference.length === 36 ? `<UETR>${r.reference}</UETR>` : '';
    const e2e = ref ? 'NOTPROVIDED' : r.reference;
    out +=
      `<Ntry><Amt Ccy="${r.currency}">${minorToMajorText(r.amountMinor, r.currency)}</Amt><CdtDbtInd>${r.side === 'CREDIT' ? 'CRDT' : 'DBIT'}</CdtDbtInd>` +
      `<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>${r.valueDate}</Dt></BookgDt><ValDt><Dt>${r.valueDate}</Dt></ValDt>` +
      `<AcctSvcrRef>${r.legId}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>${e2e}</EndToEndId>${ref}</Refs>` +
      `<RltdPties><DbtrAcct><Id><Othr><Id>${r.payerRef}</Id></Othr></Id></DbtrAcct><CdtrAcct><Id><Othr><Id>${r.payeeRef}</Id></Othr></Id></CdtrAcct></RltdPties>` +
      `</TxDtls></NtryDtls></Ntry>\n`;
    if (out.length >= 65536) {
      yield out;
      out = '';
    }
  }
  yield `${out}</Stmt></BkToCstmrStmt></Document>\n`;
}

/** Rows 0..n-1, lazily. */
export function* rows(seed: number, n: number): Generator<BookRow> {
  for (let i = 0; i < n; i++) yield bookRow(seed, i);
}
