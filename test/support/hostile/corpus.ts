/**
 * The hostile statement corpus: malformed camt, MT940 and CSV files a careless or hostile member could upload,
 * each with the answer the upload route must give (status, code, and where possible the exact line or element).
 * Deterministic: `hostileCorpus()` returns the same bytes on every call, and `writeCorpus.ts` writes them to
 * `corpus/`, where they are committed; `application/src/http/statementsHostile.test.ts` checks that the files
 * there are exactly these and posts each one through the HTTP app. Cases too big to commit (100 MB and more)
 * are streams, made by `bigHostileCases()` when the test runs.
 */

export type HostileFormat = 'camt' | 'mt940' | 'csv';

export interface HostileCase {
  /** The file name in `corpus/`: number, family, what is wrong, and the format's extension. */
  readonly name: string;
  readonly format: HostileFormat;
  readonly body: Buffer;
  /** The raw `x-csv-mapping` header sent with it (CSV). */
  readonly mapping?: string;
  readonly status: 400 | 413;
  /** The statement error code (`error.details.code`), or for a refused mapping the header field named. */
  readonly expect:
    { readonly code: string | readonly string[]; readonly at?: string | number } | { readonly field: string };
}

type Draft = Omit<HostileCase, 'name'> & { readonly slug: string };

/**
 * Adds a case to its format's list: what follows the format in its name, its bytes, the answer it must get, and
 * for CSV the raw `x-csv-mapping` header sent with it.
 */
type Add = (slug: string, body: string | Buffer, expect: Draft['expect'], mapping?: string) => void;

/** A format's cases, in the order `fill` adds them; every committed case is refused 400. */
function casesOf(format: HostileFormat, fill: (add: Add) => void): Draft[] {
  const out: Draft[] = [];
  fill((slug, body, expect, mapping) =>
    out.push({
      slug: `${format}-${slug}`,
      format,
      body: typeof body === 'string' ? utf8(body) : body,
      status: 400,
      expect,
      ...(mapping === undefined ? {} : { mapping }),
    }),
  );
  return out;
}

const EXT: Record<HostileFormat, string> = { camt: 'xml', mt940: 'sta', csv: 'csv' };
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
/** `bytes` before the text. */
const behind = (bytes: readonly number[], body: Buffer): Buffer => Buffer.concat([Buffer.from(bytes), body]);
/** The text with `bytes` put in before its character `at`. */
const spliced = (text: string, at: number, bytes: readonly number[]): Buffer =>
  Buffer.concat([utf8(text.slice(0, at)), Buffer.from(bytes), utf8(text.slice(at))]);
const UTF16LE_BOM = [0xff, 0xfe];
const DOUBLE_UTF8_BOM = [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf];

/** The text in UTF-16 behind its byte-order mark, and in UTF-8 behind two: both refused at the first line. */
function bomCases(add: Add, valid: string): void {
  add('utf16le-bom', behind(UTF16LE_BOM, Buffer.from(valid, 'utf16le')), rejected('MALFORMED', 1));
  add('double-utf8-bom', behind(DOUBLE_UTF8_BOM, utf8(valid)), rejected('MALFORMED', 1));
}
/** Refused with `code` (or one of several: a file cut short may end in any of them), at `at` when given. */
const rejected = (code: string | readonly string[], at?: string | number) =>
  at === undefined ? { code } : { code, at };
/** What a file cut short ends in: a field cut in half is invalid, one cut off is missing. */
const TRUNCATED = ['MALFORMED', 'MISSING_FIELD', 'INVALID_FIELD', 'INVALID_AMOUNT', 'INVALID_DATE'] as const;

// ---------------------------------------------------------------------------------------------------- camt

const NS053 = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02';
const STMT = '/Document/BkToCstmrStmt/Stmt[1]';
const NTRY1 = `${STMT}/Ntry[1]`;

interface EntryOptions {
  amt?: string;
  ccy?: string;
  cd?: string;
  sts?: string;
  valDt?: string;
  bookgDt?: string;
  extra?: string;
  details?: string;
  rvsl?: string;
}

function entry(o: EntryOptions = {}): string {
  return (
    `<Ntry>${o.amt === '' ? '' : `<Amt Ccy="${o.ccy ?? 'EUR'}">${o.amt ?? '100.00'}</Amt>`}` +
    (o.cd === '' ? '' : `<CdtDbtInd>${o.cd ?? 'CRDT'}</CdtDbtInd>`) +
    (o.rvsl === undefined ? '' : `<RvslInd>${o.rvsl}</RvslInd>`) +
    (o.sts === '' ? '' : `<Sts>${o.sts ?? 'BOOK'}</Sts>`) +
    `<BookgDt><Dt>${o.bookgDt ?? '2026-11-27'}</Dt></BookgDt>` +
    `<ValDt><Dt>${o.valDt ?? '2026-11-27'}</Dt></ValDt>` +
    `<AcctSvcrRef>REF-1</AcctSvcrRef>${o.extra ?? ''}` +
    `<NtryDtls><TxDtls><Refs><EndToEndId>E2E-1</EndToEndId><UETR>8a562c67-ca16-48ba-b074-65581be6f001</UETR></Refs>${o.details ?? ''}</TxDtls></NtryDtls>` +
    `</Ntry>`
  );
}

const DEBIT = entry({ amt: '30.50', cd: 'DBIT' }).replace('E2E-1', 'E2E-2').replace('f001', 'f002');

interface CamtOptions {
  ns?: string;
  root?: string;
  document?: string;
  prolog?: string;
  entries?: string[];
  opening?: string;
  closing?: string;
  count?: string;
  acctCcy?: string;
  inStmt?: string;
}

function bal(code: string, amount: string, cd = 'CRDT', ccy = 'EUR'): string {
  return `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="${ccy}">${amount}</Amt><CdtDbtInd>${cd}</CdtDbtInd><Dt><Dt>2026-11-27</Dt></Dt></Bal>`;
}

/** A camt.053 of two entries (credit 100.00, debit 30.50) from 1000.00 to 1069.50, with any part replaced. */
function camt(o: CamtOptions = {}): string {
  const entries = o.entries ?? [entry(), DEBIT];
  return (
    (o.prolog ?? '<?xml version="1.0" encoding="UTF-8"?>\n') +
    `<${o.document ?? 'Document'} xmlns="${o.ns ?? NS053}">\n` +
    `<${o.root ?? 'BkToCstmrStmt'}><GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-11-27T18:00:00</CreDtTm></GrpHdr>\n` +
    `<Stmt><Id>STMT-1</Id><CreDtTm>2026-11-27T18:00:00</CreDtTm>` +
    `<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id>${o.acctCcy === undefined ? '' : `<Ccy>${o.acctCcy}</Ccy>`}</Acct>\n` +
    `${o.opening ?? bal('OPBD', '1000.00')}\n${o.closing ?? bal('CLBD', '1069.50')}\n` +
    (o.count === undefined
      ? ''
      : `<TxsSummry><TtlNtries><NbOfNtries>${o.count}</NbOfNtries></TtlNtries></TxsSummry>`) +
    `${o.inStmt ?? ''}${entries.join('\n')}\n</Stmt>\n</${o.root ?? 'BkToCstmrStmt'}>\n</${o.document ?? 'Document'}>\n`
  );
}

/** A camt whose first entry is `entry(o)` (the debit second), with any other part replaced. */
function withEntry(o: EntryOptions, more: CamtOptions = {}): string {
  return camt({ ...more, entries: [entry(o), DEBIT] });
}

function camtCases(): Draft[] {
  const valid = camt();
  return casesOf('camt', (add) => {
    camtTruncated(add, valid);
    camtNested(add);
    camtEntities(add);
    camtEncodings(add, valid);
    camtOtherMessages(add);
    camtBalances(add);
    camtEntryFields(add);
    camtDatesAndBatches(add);
    camtMarkup(add);
  });
}

/** camt cut short: at the start, inside the prolog, in a tag, in text, before the last closing tags. */
function camtTruncated(add: Add, valid: string): void {
  const cuts = [0, 1, 10, 30, 60, 120, 200, 300, 400, 500, 650, 800, 1000, 1200, 1400, 1600, 1800];
  for (const c of cuts.filter((c) => c < valid.length - 12))
    add(`truncated-at-${c}`, valid.slice(0, c), rejected('MALFORMED'));
  add(
    'truncated-before-document-end',
    valid.slice(0, valid.lastIndexOf('</Document>')),
    rejected('MALFORMED'),
  );
  add(
    'truncated-mid-utf8',
    Buffer.concat([utf8(valid.slice(0, 600)), Buffer.from([0xe2, 0x82])]),
    rejected('MALFORMED'),
  );
}

/** camt nested deeply, where the parser reads (an entry, a transaction, a balance) and where it does not. */
function camtNested(add: Add): void {
  for (const depth of [49, 64, 500, 2000]) {
    const deep = `${'<X>'.repeat(depth)}${'</X>'.repeat(depth)}`;
    add(`nested-${depth}-in-entry`, withEntry({ extra: deep }), rejected('LIMIT_EXCEEDED'));
  }
  const deep = (n: number) => `${'<Y>'.repeat(n)}${'</Y>'.repeat(n)}`;
  add('nested-in-transaction', withEntry({ details: deep(100) }), rejected('LIMIT_EXCEEDED'));
  add('nested-in-statement', camt({ inStmt: deep(100) }), rejected('LIMIT_EXCEEDED'));
  add(
    'nested-in-balance',
    camt({ opening: bal('OPBD', '1000.00').replace('<Tp>', `<Tp>${deep(100)}`) }),
    rejected('LIMIT_EXCEEDED'),
  );
  add(
    'nested-amount',
    withEntry({ amt: `${'<Amt>'.repeat(60)}1${'</Amt>'.repeat(60)}` }),
    rejected('LIMIT_EXCEEDED'),
  );
}

/** camt with a DOCTYPE: refused, so nothing can be declared, fetched or expanded. */
function camtEntities(add: Add): void {
  const doctype = (dtd: string, use = '') =>
    camt({ prolog: `<?xml version="1.0"?>\n<!DOCTYPE Document [${dtd}]>\n` }).replace(
      'STMT-1',
      `STMT-1${use}`,
    );
  add('doctype-internal-entity', doctype('<!ENTITY a "b">', '&a;'), rejected('DOCTYPE_REFUSED'));
  add(
    'doctype-external-entity-file',
    doctype('<!ENTITY xxe SYSTEM "file:///etc/passwd">', '&xxe;'),
    rejected('DOCTYPE_REFUSED'),
  );
  add(
    'doctype-external-entity-http',
    doctype('<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">', '&xxe;'),
    rejected('DOCTYPE_REFUSED'),
  );
  add(
    'doctype-parameter-entity',
    doctype('<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;'),
    rejected('DOCTYPE_REFUSED'),
  );
  const laughs = Array.from({ length: 10 }, (_, i) =>
    i === 0 ? '<!ENTITY lol0 "lol">' : `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`,
  ).join('');
  add('billion-laughs', doctype(laughs, '&lol9;'), rejected('DOCTYPE_REFUSED'));
  add(
    'quadratic-blowup',
    doctype(`<!ENTITY big "${'x'.repeat(5000)}">`, '&big;'.repeat(200)),
    rejected('DOCTYPE_REFUSED'),
  );
  add(
    'external-dtd',
    camt({ prolog: '<?xml version="1.0"?>\n<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/camt.dtd">\n' }),
    rejected('DOCTYPE_REFUSED'),
  );
  add(
    'doctype-public',
    camt({ prolog: '<?xml version="1.0"?>\n<!DOCTYPE Document PUBLIC "-//X//Y" "camt.dtd">\n' }),
    rejected('DOCTYPE_REFUSED'),
  );
  add('undeclared-entity', camt().replace('STMT-1', 'STMT-1&xxe;'), rejected('MALFORMED'));
  add(
    'xinclude',
    camt({
      inStmt: '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>',
    }).replace('<Amt Ccy="EUR">100.00</Amt>', '<Amt Ccy="EUR">100.01</Amt>'),
    rejected('BALANCE_MISMATCH', STMT),
  );
}

/** camt not in UTF-8, with a BOM where none belongs, with bytes that are not UTF-8 or a NUL. */
function camtEncodings(add: Add, valid: string): void {
  const utf16 = Buffer.from(valid, 'utf16le');
  add('utf16le-bom', behind(UTF16LE_BOM, utf16), rejected('MALFORMED', 'line 1'));
  add('utf16be-bom', behind([0xfe, 0xff], Buffer.from(utf16).swap16()), rejected('MALFORMED', 'line 1'));
  add('utf32-bom', behind([0xff, 0xfe, 0x00, 0x00], utf8(valid)), rejected('MALFORMED'));
  add('double-utf8-bom', behind(DOUBLE_UTF8_BOM, utf8(valid)), rejected('MALFORMED'));
  add('bom-inside-amount', withEntry({ amt: '100\ufeff.00' }), rejected('INVALID_AMOUNT', `${NTRY1}/Amt`));
  const badBytes: [string, number[]][] = [
    ['invalid-byte-ff', [0xff]],
    ['lone-continuation', [0x80]],
    ['overlong-slash', [0xc0, 0xaf]],
    ['encoded-surrogate', [0xed, 0xa0, 0x80]],
    ['truncated-sequence', [0xe2, 0x28, 0xa1]],
    ['latin1-umlaut', [0xfc]],
    ['above-unicode', [0xf4, 0x90, 0x80, 0x80]],
  ];
  const at = valid.indexOf('STMT-1') + 4;
  for (const [slug, bytes] of badBytes)
    add(`bad-utf8-${slug}`, spliced(valid, at, bytes), rejected('MALFORMED'));
  add('nul-character', camt().replace('STMT-1', 'STMT\u0000-1'), rejected('MALFORMED'));
  add(
    'encoding-declared-latin1',
    camt({ prolog: '<?xml version="1.0" encoding="ISO-8859-1"?>\n' })
      .replace('STMT-1', 'STMT-\u00fc')
      .replace('<Amt Ccy="EUR">100.00', '<Amt Ccy="EUR">100.02'),
    rejected('BALANCE_MISMATCH'),
  );
}

/** camt of other namespaces, roots and messages. */
function camtOtherMessages(add: Add): void {
  add(
    'namespace-pain001',
    camt({ ns: 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09' }),
    rejected('UNSUPPORTED_MESSAGE', '/Document'),
  );
  add(
    'namespace-none',
    camt().replace(` xmlns="${NS053}"`, ''),
    rejected('UNSUPPORTED_MESSAGE', '/Document'),
  );
  add(
    'namespace-typo',
    camt({ ns: 'urn:iso:std:iso:20022:tech:xsd:camt.053.001' }),
    rejected('UNSUPPORTED_MESSAGE', '/Document'),
  );
  add(
    'namespace-upper-case',
    camt({ ns: NS053.toUpperCase() }),
    rejected('UNSUPPORTED_MESSAGE', '/Document'),
  );
  add(
    'namespace-camt056',
    camt({ ns: 'urn:iso:std:iso:20022:tech:xsd:camt.056.001.08' }),
    rejected('UNSUPPORTED_MESSAGE', '/Document'),
  );
  add(
    'namespace-camt052-with-053-root',
    camt({ ns: 'urn:iso:std:iso:20022:tech:xsd:camt.052.001.02' }),
    rejected('UNSUPPORTED_MESSAGE', '/Document/BkToCstmrStmt'),
  );
  add(
    'namespace-camt054-with-053-root',
    camt({ ns: 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08' }),
    rejected('UNSUPPORTED_MESSAGE', '/Document/BkToCstmrStmt'),
  );
  add(
    'namespace-on-other-prefix',
    camt().replace(`<Document xmlns="${NS053}">`, `<Document xmlns:c="${NS053}">`),
    rejected('UNSUPPORTED_MESSAGE', '/Document'),
  );
  add('root-not-document', camt({ document: 'Doc' }), rejected('UNSUPPORTED_MESSAGE', '/Doc'));
  add(
    'root-pacs008',
    camt({ root: 'FIToFICstmrCdtTrf' }),
    rejected('UNSUPPORTED_MESSAGE', '/Document/FIToFICstmrCdtTrf'),
  );
  add(
    'no-statement',
    camt().replace(/<Stmt>[\s\S]*<\/Stmt>/, ''),
    rejected('EMPTY_STATEMENT', '/Document/BkToCstmrStmt'),
  );
  add('two-roots', `${camt()}<Document/>`, rejected('MALFORMED'));
}

/** camt whose balances, currencies and counts do not add up. */
function camtBalances(add: Add): void {
  for (const closing of ['1069.49', '1069.51', '1169.50', '930.50', '0.00'])
    add(`closing-${closing}`, camt({ closing: bal('CLBD', closing) }), rejected('BALANCE_MISMATCH', STMT));
  add(
    'closing-wrong-side',
    camt({ closing: bal('CLBD', '1069.50', 'DBIT') }),
    rejected('BALANCE_MISMATCH', STMT),
  );
  add(
    'opening-wrong-side',
    camt({ opening: bal('OPBD', '1000.00', 'DBIT') }),
    rejected('BALANCE_MISMATCH', STMT),
  );
  add('no-opening', camt({ opening: '' }), rejected('MISSING_FIELD', STMT));
  add('no-closing', camt({ closing: '' }), rejected('MISSING_FIELD', STMT));
  add(
    'closing-in-usd',
    camt({ closing: bal('CLBD', '1069.50', 'CRDT', 'USD') }),
    rejected('CURRENCY_MISMATCH', `${STMT}/Bal[2]/Amt`),
  );
  add(
    'entry-in-usd',
    withEntry({ ccy: 'USD' }, { acctCcy: 'EUR' }),
    rejected('CURRENCY_MISMATCH', `${NTRY1}/Amt`),
  );
  add('account-in-gbp', camt({ acctCcy: 'GBP' }), rejected('CURRENCY_MISMATCH', `${NTRY1}/Amt`));
  add('entry-count-3', camt({ count: '3' }), rejected('ENTRY_COUNT_MISMATCH'));
  add(
    'entry-count-text',
    camt({ count: 'two' }),
    rejected('INVALID_FIELD', `${STMT}/TxsSummry/TtlNtries/NbOfNtries`),
  );
  add('duplicate-entry', camt({ entries: [entry(), entry(), DEBIT] }), rejected('BALANCE_MISMATCH', STMT));
}

/** camt entries with an amount, currency, side or status that cannot be read. */
function camtEntryFields(add: Add): void {
  const AMT = `${NTRY1}/Amt`;
  const fields: [string, EntryOptions, string, string][] = [
    ['amount-negative', { amt: '-100.00' }, 'INVALID_AMOUNT', AMT],
    ['amount-comma', { amt: '100,00' }, 'INVALID_AMOUNT', AMT],
    ['amount-exponent', { amt: '1e2' }, 'INVALID_AMOUNT', AMT],
    ['amount-three-decimals', { amt: '100.001' }, 'INVALID_AMOUNT', AMT],
    ['amount-huge', { amt: '99999999999999999999999999.00' }, 'INVALID_AMOUNT', AMT],
    ['amount-empty', { amt: ' ' }, 'INVALID_AMOUNT', AMT],
    ['amount-missing', { amt: '' }, 'MISSING_FIELD', NTRY1],
    ['currency-unknown', { ccy: 'XYZ' }, 'UNKNOWN_CURRENCY', AMT],
    ['currency-withdrawn-dem', { ccy: 'DEM' }, 'UNKNOWN_CURRENCY', AMT],
    ['side-missing', { cd: '' }, 'MISSING_FIELD', `${NTRY1}/CdtDbtInd`],
    ['side-unknown', { cd: 'CREDIT' }, 'INVALID_FIELD', `${NTRY1}/CdtDbtInd`],
    ['status-missing', { sts: '' }, 'MISSING_FIELD', `${NTRY1}/Sts`],
    ['status-unknown', { sts: 'DONE' }, 'INVALID_FIELD', `${NTRY1}/Sts`],
  ];
  for (const [slug, o, code, at] of fields) add(slug, withEntry(o), rejected(code, at));
}

/** camt dates that do not exist, batches that do not add up, a text over its limit. */
function camtDatesAndBatches(add: Add): void {
  for (const [slug, d] of [
    ['year-0000', '0000-01-01'],
    ['feb-30', '2026-02-30'],
    ['month-13', '2026-13-01'],
    ['day-00', '2026-11-00'],
    ['two-digit-year', '26-11-27'],
    ['slashes', '2026/11/27'],
  ] as const) {
    add(`value-date-${slug}`, withEntry({ valDt: d }), rejected('INVALID_DATE', `${NTRY1}/ValDt/Dt`));
    add(`booking-date-${slug}`, withEntry({ bookgDt: d }), rejected('INVALID_DATE', `${NTRY1}/BookgDt/Dt`));
  }
  add(
    'value-datetime-no-time',
    camt({
      entries: [entry().replace('<ValDt><Dt>2026-11-27</Dt>', '<ValDt><DtTm>2026-11-27</DtTm>'), DEBIT],
    }),
    rejected('INVALID_DATE', `${NTRY1}/ValDt/DtTm`),
  );
  const batch = (a: string, b: string) =>
    entry().replace(
      /<NtryDtls>[\s\S]*<\/NtryDtls>/,
      `<NtryDtls><TxDtls><Refs><EndToEndId>B-1</EndToEndId></Refs><Amt Ccy="EUR">${a}</Amt></TxDtls><TxDtls><Refs><EndToEndId>B-2</EndToEndId></Refs><Amt Ccy="EUR">${b}</Amt></TxDtls></NtryDtls>`,
    );
  add(
    'batch-does-not-add-up',
    camt({ entries: [batch('60.00', '40.01'), DEBIT] }),
    rejected('BALANCE_MISMATCH', NTRY1),
  );
  add(
    'batch-other-currency',
    camt({
      entries: [batch('60.00', '40.00').replace('<Amt Ccy="EUR">40.00', '<Amt Ccy="USD">40.00'), DEBIT],
    }),
    rejected('CURRENCY_MISMATCH'),
  );
  add(
    'text-over-limit',
    withEntry({ extra: `<AddtlNtryInf>${'A'.repeat(5000)}</AddtlNtryInf>` }),
    rejected('LIMIT_EXCEEDED', `${NTRY1}/AddtlNtryInf`),
  );
}

/** camt markup that is not well formed, or that hides an amount from a plain reading. */
function camtMarkup(add: Add): void {
  add('mismatched-tags', camt().replace('</Stmt>', '</Stmnt>'), rejected('MALFORMED'));
  add(
    'unclosed-attribute',
    camt().replace('<Amt Ccy="EUR">100.00', '<Amt Ccy="EUR>100.00'),
    rejected('MALFORMED'),
  );
  add(
    'duplicate-attribute',
    camt().replace('<Amt Ccy="EUR">100.00', '<Amt Ccy="EUR" Ccy="USD">100.00'),
    rejected('MALFORMED'),
  );
  add(
    'cdata-amount',
    withEntry({ amt: '<![CDATA[100.00]]>' }, { closing: bal('CLBD', '1069.51') }),
    rejected('BALANCE_MISMATCH', STMT),
  );
  add(
    'processing-instruction-in-amount',
    withEntry({ amt: '100<?x y?>.00' }, { closing: bal('CLBD', '1069.51') }),
    rejected('BALANCE_MISMATCH', STMT),
  );
}

// ---------------------------------------------------------------------------------------------------- MT940

/** The first entry's `:61:` line with its dates, side and amount replaced. */
const line61 = (datesSideAmount: string) => `:61:${datesSideAmount}NTRFE2E-1//BANKREF1`;

const MT940_LINES = [
  ':20:STMT-1',
  ':25:NL91ABNA0417164300',
  ':28C:1/1',
  ':60F:C261127EUR1000,00',
  line61('2611271127C100,00'),
  ':86:/EREF/E2E-1/REMI/invoice 1',
  ':61:2611271127D30,50NTRFE2E-2//BANKREF2',
  ':86:/EREF/E2E-2',
  ':62F:C261127EUR1069,50',
  '-',
];

function mt940(replace: Record<number, string | string[]> = {}, eol = '\r\n'): string {
  return `${MT940_LINES.flatMap((l, i) => replace[i + 1] ?? l).join(eol)}${eol}`;
}

function mt940Cases(): Draft[] {
  const valid = mt940();
  return casesOf('mt940', (add) => {
    mt940Balances(add);
    mt940DatesAndStructure(add, valid);
    mt940TruncatedAndEncodings(add, valid);
    mt940LineEndingsAndLimits(add);
  });
}

/** MT940 with a wrong closing balance, lines that do not give it, and amounts that are not comma decimals. */
function mt940Balances(add: Add): void {
  for (const closing of [
    'C261127EUR1069,49',
    'C261127EUR1069,51',
    'D261127EUR1069,50',
    'C261127EUR1000,00',
    'C261127EUR0,',
  ])
    add(
      `closing-${closing.replace(',', '_')}`,
      mt940({ 9: `:62F:${closing}` }),
      rejected('BALANCE_MISMATCH', 9),
    );
  add('closing-in-usd', mt940({ 9: ':62F:C261127USD1069,50' }), rejected('CURRENCY_MISMATCH', 9));
  add('opening-debit', mt940({ 4: ':60F:D261127EUR1000,00' }), rejected('BALANCE_MISMATCH', 9));
  add(
    'line-repeated',
    mt940({ 5: [MT940_LINES[4] ?? '', MT940_LINES[4] ?? ''] }),
    rejected('BALANCE_MISMATCH', 10),
  );
  add(
    'credit-written-as-debit-reversal',
    mt940({ 5: line61('2611271127RC100,00') }),
    rejected('BALANCE_MISMATCH', 9),
  );

  // Amounts: the comma is the decimal mark; a dot is refused, not read as the whole part.
  add('dot-in-61', mt940({ 5: line61('2611271127C100.00') }), rejected('INVALID_AMOUNT', 5));
  add(
    'dot-in-61-balanced',
    mt940({ 5: line61('2611271127C100.75'), 9: ':62F:C261127EUR1069,50' }),
    rejected('INVALID_AMOUNT', 5),
  );
  add('dot-in-opening', mt940({ 4: ':60F:C261127EUR1000.00' }), rejected('INVALID_AMOUNT', 4));
  add('dot-in-closing', mt940({ 9: ':62F:C261127EUR1069.50' }), rejected('INVALID_AMOUNT', 9));
  add('two-commas', mt940({ 5: line61('2611271127C1,00,00') }), rejected('INVALID_AMOUNT', 5));
  add('thousands-separators', mt940({ 4: ':60F:C261127EUR1.000,00' }), rejected('INVALID_AMOUNT', 4));
  add('too-many-decimals', mt940({ 5: line61('2611271127C100,001') }), rejected('INVALID_AMOUNT', 5));
  add(
    'jpy-decimals',
    mt940({ 4: ':60F:C261127JPY1000,00', 5: line61('2611271127C100,50') }),
    rejected('INVALID_AMOUNT', 5),
  );
  add('currency-unknown', mt940({ 4: ':60F:C261127XYZ1000,00' }), rejected('UNKNOWN_CURRENCY', 4));
  add('currency-dem', mt940({ 4: ':60F:C261127DEM1000,00' }), rejected('UNKNOWN_CURRENCY', 4));
  add('no-amount', mt940({ 5: line61('2611271127C') }), rejected('INVALID_FIELD', 5));
}

/** MT940 dates that do not exist, and tags missing, repeated or out of order. */
function mt940DatesAndStructure(add: Add, valid: string): void {
  for (const [slug, dates] of [
    ['value-date-feb-30', '2602300230'],
    ['value-date-month-13', '2613011301'],
    ['value-date-zero', '0000000000'],
    ['entry-date-feb-30', '2602280230'],
  ] as const)
    add(slug, mt940({ 5: line61(`${dates}C100,00`) }), rejected('INVALID_DATE', 5));
  add('opening-date-invalid', mt940({ 4: ':60F:C269999EUR1000,00' }), rejected('INVALID_DATE', 4));

  // Structure.
  add('no-closing', mt940({ 9: [], 10: [] }), rejected('MISSING_FIELD', 1));
  add('no-opening', mt940({ 4: [] }), rejected('MISSING_FIELD', 4));
  add('no-20', mt940({ 1: [] }), rejected('MISSING_FIELD', 1));
  add(
    'second-opening',
    mt940({ 4: [':60F:C261127EUR1000,00', ':60M:C261127EUR1000,00'] }),
    rejected('INVALID_FIELD', 5),
  );
  add(
    'statement-in-statement',
    mt940({ 5: [':20:STMT-2', MT940_LINES[4] ?? ''] }),
    rejected('MISSING_FIELD', 1),
  );
  add('unknown-tag', mt940({ 3: ':99:what' }), rejected('INVALID_FIELD', 3));
  add('mt942-34f', mt940({ 3: ':34F:EURC0,00' }), rejected('UNSUPPORTED_MESSAGE', 3));
  add('mt942-13d', mt940({ 3: ':13D:2611271800+0100' }), rejected('UNSUPPORTED_MESSAGE', 3));
  add('mt942-90d', mt940({ 3: ':90D:1EUR30,50' }), rejected('UNSUPPORTED_MESSAGE', 3));
  add('garbage-line', `hello world\r\n${valid}`, rejected('MALFORMED', 1));
  add('empty-file', '', rejected('EMPTY_STATEMENT', 1));
  add(
    'only-envelope',
    '{1:F01BANKBEBBAXXX0000000000}{2:O9401200261127BANKBEBBAXXX00000000002611271200N}{4:\r\n-}\r\n',
    rejected('EMPTY_STATEMENT', 1),
  );
  add('xml-instead', camt(), rejected('MALFORMED', 1));
  add('csv-instead', 'reference,amount\r\nE2E,1.00\r\n', rejected('MALFORMED', 1));
  add('61-garbage', mt940({ 5: ':61:yesterday C100,00' }), rejected('INVALID_FIELD', 5));
}

/** MT940 cut short before its closing balance is complete; encodings and control characters. */
function mt940TruncatedAndEncodings(add: Add, valid: string): void {
  const end = valid.indexOf(':62F:') + 10;
  for (const c of [1, 5, 20, 40, 60, 90, 120, 150, 180, 210, 240])
    if (c < end) add(`truncated-at-${c}`, valid.slice(0, c), rejected(TRUNCATED));
  add(
    'truncated-mid-utf8',
    Buffer.concat([utf8(mt940({ 6: ':86:/EREF/E2E-1/REMI/caf\u00e9' }).slice(0, 150)), Buffer.from([0xc3])]),
    rejected('MALFORMED'),
  );

  // Encodings and control characters.
  bomCases(add, valid);
  add('latin1-in-86', spliced(valid, valid.indexOf('invoice'), [0xe9]), rejected('MALFORMED', 6));
  add('nul-in-86', mt940({ 6: ':86:/EREF/E2E-1/\u0000' }), rejected('MALFORMED', 6));
  add('bell-in-61', mt940({ 5: ':61:2611271127C100,00NTRF\u0007E2E-1//BANKREF1' }), rejected('MALFORMED', 5));
  add('escape-in-25', mt940({ 2: ':25:NL91\u001b[31mABNA' }), rejected('MALFORMED', 2));
}

/** MT940 line endings (a fault after them named at its line) and shape limits. */
function mt940LineEndingsAndLimits(add: Add): void {
  // Line endings: CRLF, LF and CR, mixed as they come, are all line ends; a fault after them is named at its line.
  add(
    'cr-everywhere-closing-off',
    mt940({ 9: ':62F:C261127EUR1069,49' }, '\r'),
    rejected('BALANCE_MISMATCH', 9),
  );
  add(
    'cr-one-line-then-dot-amount',
    mt940({ 5: line61('2611271127C100.00') }).replace(':28C:1/1\r\n', ':28C:1/1\r'),
    rejected('INVALID_AMOUNT', 5),
  );
  add(
    'cr-in-86-then-mt942-tag',
    mt940({ 6: ':86:/EREF/E2E-1\r:34F:EURC0,' }),
    rejected('UNSUPPORTED_MESSAGE', 7),
  );
  add(
    'mixed-lf-crlf-and-cr-closing-off',
    mt940({ 9: ':62F:C261127EUR1069,51' }).replace(/\r\n/g, (_, i: number) =>
      i % 3 === 0 ? '\n' : i % 3 === 1 ? '\r\n' : '\r',
    ),
    rejected('BALANCE_MISMATCH', 9),
  );

  // Shape limits.
  add(
    '86-repeated-400-times',
    mt940({ 6: Array.from({ length: 400 }, () => ':86:?20EREF+abcdefghijklmnopq') }),
    rejected('LIMIT_EXCEEDED'),
  );
  add(
    '86-field-of-150-lines',
    mt940({ 6: [':86:/EREF/E2E-1', ...Array.from({ length: 150 }, (_, i) => `more ${i}`)] }),
    rejected('LIMIT_EXCEEDED', 106),
  );
  add('line-of-3000', mt940({ 6: `:86:${'x'.repeat(3000)}` }), rejected('LIMIT_EXCEEDED', 6));
}

// ---------------------------------------------------------------------------------------------------- CSV

const CSV_HEADER = ['reference', 'amount', 'currency', 'valueDate', 'side', 'payerRef', 'payeeRef', 'legId'];
const CSV_ROWS = [
  [
    '8a562c67-ca16-48ba-b074-65581be6f001',
    '100.00',
    'EUR',
    '2026-11-27',
    'CREDIT',
    'PAYER-1',
    'PAYEE-1',
    'leg-1',
  ],
  [
    '8a562c67-ca16-48ba-b074-65581be6f002',
    '30.50',
    'EUR',
    '2026-11-27',
    'DEBIT',
    'PAYER-2',
    'PAYEE-2',
    'leg-2',
  ],
  ['E2E-3', '7', 'JPY', '2026-11-27', 'CREDIT', 'PAYER-3', 'PAYEE-3', 'leg-3'],
];

/** The header and three rows, with cells replaced (`{ 2: { 1: 'x' } }`: line 2, second column). */
function csv(cells: Record<number, Record<number, string>> = {}, eol = '\r\n'): string {
  return (
    [CSV_HEADER, ...CSV_ROWS].map((r, i) => r.map((c, j) => cells[i + 1]?.[j] ?? c).join(',')).join(eol) + eol
  );
}

function csvCases(): Draft[] {
  const valid = csv();
  return casesOf('csv', (add) => {
    csvFormulasAndColumns(add, valid);
    csvRowsAndValues(add, valid);
    csvEncodings(add, valid);
    csvMappings(add, valid);
  });
}

/** CSV cells a spreadsheet would run; missing columns, short and long rows. */
function csvFormulasAndColumns(add: Add, valid: string): void {
  const formulas: [string, string][] = [
    ['equals', '=HYPERLINK("http://x")'],
    ['plus', "+cmd|' /C calc'!A0"],
    ['minus', "-2+3+cmd|' /C calc'!A0"],
    ['at', "@SUM(1+1)*cmd|' /C calc'!A0"],
    ['tab', '\t=1+1'],
    ['dde', '=DDE("cmd";"/C calc";"x")'],
  ];
  for (const [slug, f] of formulas) {
    const quoted = /[",\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f;
    for (const [col, name] of [
      [0, 'reference'],
      [5, 'payerRef'],
      [6, 'payeeRef'],
      [7, 'legId'],
    ] as const)
      add(`formula-${slug}-in-${name}`, csv({ 3: { [col]: quoted } }), rejected('INVALID_FIELD', 3));
  }
  add('formula-in-amount', csv({ 2: { 1: '=1+1' } }), rejected('INVALID_FIELD', 2));
  add('formula-in-side', csv({ 2: { 4: '=CREDIT' } }), rejected('INVALID_FIELD', 2));
  add('formula-in-currency', csv({ 4: { 2: '@EUR' } }), rejected('INVALID_FIELD', 4));
  add('formula-cr-prefix', csv({ 2: { 0: '"\r=1+1"' } }), rejected('INVALID_FIELD', 2));

  // Missing columns, short and long rows.
  for (const [i, name] of CSV_HEADER.entries()) {
    const header = CSV_HEADER.map((h, j) => (j === i ? `${h}X` : h)).join(',');
    add(
      `missing-column-${name}`,
      `${header}\r\n${valid.split('\r\n').slice(1).join('\r\n')}`,
      rejected('MISSING_FIELD', 1),
    );
  }
  add('row-short', `${valid}E2E-9,1.00,EUR\r\n`, rejected('MALFORMED', 5));
  add('row-long', `${valid}${CSV_ROWS[0]?.join(',') ?? ''},extra\r\n`, rejected('MALFORMED', 5));
  add('header-only-separators', ',,,,,,,\r\n', rejected('MISSING_FIELD', 1));
  add(
    'duplicate-header-column',
    `${CSV_HEADER.join(',')},amount\r\n${CSV_ROWS.map((r) => `${r.join(',')},1`).join('\r\n')}\r\n`,
    rejected('INVALID_FIELD', 1),
  );
  add('empty-file', '', rejected('EMPTY_STATEMENT', 1));
  add('header-repeated-as-row', `${valid}${CSV_HEADER.join(',')}\r\n`, rejected('UNKNOWN_CURRENCY', 5));
}

/** CSV duplicate lines, line endings, and values that cannot be read. */
function csvRowsAndValues(add: Add, valid: string): void {
  add(
    'duplicate-line-adjacent',
    `${valid}${CSV_ROWS[2]?.join(',') ?? ''}\r\n`,
    rejected('DUPLICATE_LINE', 5),
  );
  add('duplicate-line-first', `${valid}${CSV_ROWS[0]?.join(',') ?? ''}\r\n`, rejected('DUPLICATE_LINE', 5));
  add('duplicate-leg-id-other-amount', csv({ 3: { 7: 'leg-1' } }), rejected('DUPLICATE_LINE', 3));
  add(
    'duplicate-leg-id-guarded',
    csv({ 2: { 7: "'-leg" }, 4: { 7: "'-leg" } }),
    rejected('DUPLICATE_LINE', 4),
  );
  add(
    'duplicate-block',
    `${valid}${CSV_ROWS.map((r) => r.join(',')).join('\r\n')}\r\n`,
    rejected('DUPLICATE_LINE', 5),
  );

  // Line endings: CRLF, LF and CR, mixed as they come, all end a record: a bare CR cuts a row short, and a line
  // break inside a quoted value the upload reads is refused.
  add(
    'bare-cr-in-row',
    valid.replace('\r\n8a562c67-ca16-48ba-b074-65581be6f002', '\r\n8a562c67-ca16\r48ba-b074-65581be6f002'),
    rejected('MALFORMED', 3),
  );
  add('bare-cr-in-quoted-cell', csv({ 3: { 5: '"PAYER\r2"' } }), rejected('MALFORMED', 3));
  add('lf-in-quoted-reference', csv({ 3: { 0: '"E2E\n3"' } }), rejected('MALFORMED', 3));
  add(
    'mixed-crlf-lf-and-cr-then-feb-30',
    csv({ 4: { 3: '2026-02-30' } }).replace(/\r\n/g, (_, i: number) => (i % 2 === 0 ? '\r' : '\n')),
    rejected('INVALID_DATE', 4),
  );

  // Values.
  for (const [slug, d] of [
    ['year-0000', '0000-01-01'],
    ['feb-30', '2026-02-30'],
    ['month-13', '2026-13-01'],
    ['day-32', '2026-01-32'],
    ['short', '26-11-27'],
    ['us-order', '11/27/2026'],
    ['empty', ''],
  ] as const)
    add(`value-date-${slug}`, csv({ 3: { 3: d } }), rejected(d === '' ? 'MISSING_FIELD' : 'INVALID_DATE', 3));
  for (const [slug, a] of [
    ['two-dots', '1.2.3'],
    ['thousands', '"1,000.00"'],
    ['exponent', '1e3'],
    ['hex', '0x10'],
    ['signed-with-side', '-30.50'],
    ['three-decimals', '30.505'],
    ['huge', '99999999999999999999999999'],
    ['letters', 'thirty'],
  ] as const)
    add(`amount-${slug}`, csv({ 3: { 1: a } }), rejected('INVALID_AMOUNT', 3));
  add('amount-jpy-decimals', csv({ 4: { 1: '7.5' } }), rejected('INVALID_AMOUNT', 4));
  add('amount-empty', csv({ 2: { 1: '' } }), rejected('MISSING_FIELD', 2));
  add('currency-unknown', csv({ 2: { 2: 'XYZ' } }), rejected('UNKNOWN_CURRENCY', 2));
  add('currency-withdrawn', csv({ 2: { 2: 'DEM' } }), rejected('UNKNOWN_CURRENCY', 2));
  add('currency-empty', csv({ 2: { 2: '' } }), rejected('MISSING_FIELD', 2));
  add('side-unknown', csv({ 2: { 4: 'SIDEWAYS' } }), rejected('INVALID_FIELD', 2));
  add('unterminated-quote', csv({ 4: { 0: '"E2E-3' } }), rejected('MALFORMED'));
  add('quote-inside-unquoted', csv({ 3: { 5: 'PAY"ER' } }), rejected('MALFORMED', 3));
  add('nul-in-cell', csv({ 3: { 6: 'PAY\u0000EE' } }), rejected('MALFORMED', 3));
}

/** CSV not in UTF-8, or with a BOM where none belongs. */
function csvEncodings(add: Add, valid: string): void {
  bomCases(add, valid);
  add('latin1-payer', spliced(valid, valid.indexOf('PAYER-2'), [0xe9]), rejected('MALFORMED', 3));
  add('overlong-in-header', behind([0xc0, 0xaf], utf8(valid)), rejected('MALFORMED', 1));
}

/** malformed x-csv-mapping headers: each names the part that is wrong. */
function csvMappings(add: Add, valid: string): void {
  const columns = Object.fromEntries(CSV_HEADER.map((h) => [h, h]));
  const mappings: [string, string, string][] = [
    ['null-columns', JSON.stringify({ columns: null }), 'x-csv-mapping.columns'],
    [
      'null-amount-column',
      JSON.stringify({ columns: { ...columns, amount: null } }),
      'x-csv-mapping.columns.amount',
    ],
    ['empty-delimiter', JSON.stringify({ columns, delimiter: '' }), 'x-csv-mapping.delimiter'],
    ['quote-delimiter', JSON.stringify({ columns, delimiter: '"' }), 'x-csv-mapping.delimiter'],
    [
      'proto',
      `{"columns":${JSON.stringify(columns)},"__proto__":{"polluted":true}}`,
      'x-csv-mapping.__proto__',
    ],
    [
      'proto-in-columns',
      `{"columns":{"__proto__":{"reference":"x"},"amount":"amount"}}`,
      'x-csv-mapping.columns.__proto__',
    ],
    [
      'side-values-string',
      JSON.stringify({ columns, sideValues: { credit: 'C', debit: 'D' } }),
      'x-csv-mapping.sideValues.credit',
    ],
    [
      'side-values-numbers',
      JSON.stringify({ columns, sideValues: { credit: [1], debit: [2] } }),
      'x-csv-mapping.sideValues.credit[0]',
    ],
    [
      'side-values-overlap',
      JSON.stringify({ columns, sideValues: { credit: ['C'], debit: ['c'] } }),
      'x-csv-mapping.sideValues',
    ],
    ['side-values-array', JSON.stringify({ columns, sideValues: ['C', 'D'] }), 'x-csv-mapping.sideValues'],
    ['array', JSON.stringify([{ columns }]), 'x-csv-mapping.(mapping)'],
    ['not-json', '{columns: reference}', 'x-csv-mapping'],
    ['unknown-key', JSON.stringify({ columns, delimeter: ';' }), 'x-csv-mapping.delimeter'],
    [
      'missing-reference',
      JSON.stringify({ columns: { amount: 'amount', currency: 'currency', valueDate: 'valueDate' } }),
      'x-csv-mapping.columns.reference',
    ],
  ];
  for (const [slug, header, field] of mappings) add(`mapping-${slug}`, valid, { field }, header);
}

/** Every committed case, numbered in a fixed order. */
export function hostileCorpus(): HostileCase[] {
  return [...camtCases(), ...mt940Cases(), ...csvCases()].map(({ slug, ...c }, i) => ({
    ...c,
    name: `${String(i + 1).padStart(3, '0')}-${slug}.${EXT[c.format]}`,
  }));
}

// ------------------------------------------------------------------------------------- made when tests run

export interface BigHostileCase {
  readonly name: string;
  readonly format: HostileFormat;
  /** Bytes sent, in chunks made as they are sent. */
  readonly bytes: number;
  readonly chunks: () => Iterator<Buffer>;
  readonly status: 400 | 413;
  readonly expect: { readonly code: string; readonly at?: string | number };
}

const MIB = 1024 * 1024;

function* repeated(prefix: string, unit: string, total: number, suffix = ''): Generator<Buffer> {
  yield utf8(prefix);
  const block = utf8(unit.repeat(Math.max(1, Math.floor(MIB / unit.length))));
  let sent = prefix.length + suffix.length;
  while (sent + block.length <= total) {
    yield block;
    sent += block.length;
  }
  if (total > sent) yield utf8(unit.repeat(Math.ceil((total - sent) / unit.length)).slice(0, total - sent));
  if (suffix) yield utf8(suffix);
}

/** Cases of 225 KB to 101 MB, too BIG to commit: made chunk by chunk as the test sends them. */
export function bigHostileCases(): BigHostileCase[] {
  return [...bigCamtCases(), ...bigMt940Cases(), ...bigCsvCases()];
}

/** The largest cases: 101 MiB each, made as they are sent. */
const BIG = 101 * MIB;

/** A case of `bytes` bytes as sent (0: whatever its one chunk holds), refused LIMIT_EXCEEDED, at `at` if given. */
function tooBig(
  format: HostileFormat,
  slug: string,
  bytes: number,
  chunks: () => Iterator<Buffer>,
  at?: string | number,
): BigHostileCase {
  const code = 'LIMIT_EXCEEDED';
  return {
    name: `${format}-${slug}`,
    format,
    bytes,
    chunks,
    status: 400,
    expect: at === undefined ? { code } : { code, at },
  };
}

function bigCamtCases(): BigHostileCase[] {
  const camtHead = camt().slice(0, camt().indexOf('<AcctSvcrRef>'));
  return [
    // The issue's 225 KB camt.053 with 32,000 nested elements inside an entry (8.4 s of CPU before).
    tooBig('camt', '32000-nested-in-entry', camtHead.length + 32_000 * 7, () =>
      [utf8(`${camtHead}${'<X>'.repeat(32_000)}${'</X>'.repeat(32_000)}`)].values(),
    ),
    tooBig(
      'camt',
      '101mb-text',
      BIG,
      () => repeated(`${camtHead}<AddtlNtryInf>`, 'A', BIG),
      `${NTRY1}/AddtlNtryInf`,
    ),
    tooBig('camt', '101mb-attribute', BIG, () => repeated(`${camtHead}<X a="`, 'v', BIG)),
    tooBig('camt', '101mb-nested', BIG, () => repeated(camtHead, '<X>', BIG)),
  ];
}

function bigMt940Cases(): BigHostileCase[] {
  const many86 = Array.from({ length: 15_000 }, () => ':86:?20EREF+abcdefghijklmnop');
  return [
    // The issue's 16 MB MT940 line (4.5 s and 400 MB before), then one of 101 MB.
    tooBig('mt940', '16mb-line', 16 * MIB, () => repeated(':20:S1\r\n:86:', 'x', 16 * MIB), 2),
    tooBig('mt940', '101mb-line', BIG, () => repeated(':20:S1\r\n:86:', 'x', BIG), 2),
    // The issue's 15,000 repeated :86: fields (19 s before).
    tooBig('mt940', '15000-86-fields', 0, () => [utf8(mt940({ 6: many86 }))].values()),
    tooBig(
      'mt940',
      '101mb-of-86-lines',
      BIG,
      () => repeated(`${MT940_LINES.slice(0, 5).join('\r\n')}\r\n:86:x\r\n`, 'continued text\r\n', BIG),
      106,
    ),
  ];
}

function bigCsvCases(): BigHostileCase[] {
  return [
    tooBig('csv', '101mb-record', BIG, () => repeated(`${CSV_HEADER.join(',')}\r\n"`, 'y', BIG), 2),
    tooBig('csv', '101mb-header', BIG, () => repeated('', 'column,', BIG), 1),
  ];
}
