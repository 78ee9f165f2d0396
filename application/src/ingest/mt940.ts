import type { Currency } from '../../../chaincode/src/core/money';
import { checkBalances } from './consistency';
import { amountAt, currencyAt, dateAt, detach, textChunks, type StatementSource } from './source';
import {
  makeLine,
  MT940_DETAILS_CHARS_MAX,
  MT940_FIELD_LINES_MAX,
  MT940_LINE_CHARS_MAX,
  resolveLimits,
  StatementRejected,
  type IngestLimits,
  type ParsedStatements,
  type StatementFormat,
  type StatementLine,
  type StatementSummary,
} from './statementLine';

/** Tags an MT940/MT950 statement may carry. MT942 tags are recognised only to be refused with a clear message. */
const STATEMENT_TAGS = new Set([
  '20',
  '21',
  '25',
  '28',
  '28C',
  '60F',
  '60M',
  '61',
  '86',
  '62F',
  '62M',
  '64',
  '65',
  'NS',
]);
const MT942_TAGS = new Set(['34F', '13', '13D', '90D', '90C']);
const TAG_LINE = /^:(\d{2}[A-Z]?|NS):(.*)$/;
/** mark, date, currency, amount. The amount is read with dots too, only to refuse them by name. */
const BALANCE = /^([CD])(\d{6})([A-Z]{3})(\d[\d.,]*)$/;
/**
 * value date, entry date (or four spaces, or none), mark, funds code, amount, type, rest (references). The
 * amount is read with dots too, only to refuse them by name: `C100.75NTRF` must not be read as 100.
 */
const STATEMENT_LINE = /^(\d{6})(\d{4}| {4})?(RC|RD|C|D)([A-Z])?(\d[\d.,]{0,14})([NSF][A-Z0-9 ]{3})?(.*)$/;
/**
 * SWIFT's amount: digits, the decimal comma, digits. The standard makes the comma mandatory; a whole amount
 * without it (`C500NTRF`, as Knab writes) cannot be misread and is taken. A dot never is.
 */
const SWIFT_AMOUNT = /^\d+(,\d*)?$/;
/** Transmission envelope around a statement: SWIFT blocks, a bank's header lines, trailers. */
const ENVELOPE = /^(\{[1-5]:.*|-?\}?|[A-Z0-9]{8,12}|:?94[02]:?( \d+)?|\d{4} \d{2}[A-Z0-9]+)$/;

interface Field {
  readonly tag: string;
  value: string;
  readonly line: number;
  /** Lines of the field (its tag line and continuations). */
  lines: number;
}

/** The last :61: line, whose :86: details may still follow; finished once when the next field is not :86:. */
interface OpenLine {
  readonly line: StatementLine;
  /** The :61: supplementary line (if any), then each :86: value. */
  readonly details: string[];
  chars: number;
  /** A :86: followed: the details are read for an EndToEndId (a supplementary line alone is not). */
  withDetails: boolean;
}

interface Draft {
  readonly line: number;
  readonly id: string;
  account?: string;
  currency?: Currency;
  openingMinor?: bigint;
  bookedNetMinor: bigint;
  readonly lines: StatementLine[];
  open?: OpenLine;
}

/** Minor units from a SWIFT amount: a comma is the only decimal mark; a dot is refused by name. */
function swiftAmount(text: string, currency: Currency, at: number, field: string): bigint {
  if (text.includes('.')) {
    throw new StatementRejected(
      'INVALID_AMOUNT',
      at,
      `${field} amount ${JSON.stringify(text)} has a dot: MT940 amounts take a comma as decimal mark (e.g. 100,75)`,
    );
  }
  if (!SWIFT_AMOUNT.test(text)) {
    throw new StatementRejected(
      'INVALID_AMOUNT',
      at,
      `${field} amount ${JSON.stringify(text)} is not a SWIFT amount: digits with one decimal comma (e.g. 100,75 or 100,)`,
    );
  }
  return amountAt(text, currency, at);
}

function date6(text: string, at: number, field: string): string {
  const yy = Number(text.slice(0, 2));
  const century = yy <= 69 ? '20' : '19';
  return dateAt(`${century}${text.slice(0, 2)}-${text.slice(2, 4)}-${text.slice(4, 6)}`, at, field);
}

/** MMDD near `valueDate`: the entry date may fall in the year before or after the value date. */
function entryDate(mmdd: string, valueDate: string, at: number): string {
  let year = Number(valueDate.slice(0, 4));
  const month = Number(mmdd.slice(0, 2));
  const valueMonth = Number(valueDate.slice(5, 7));
  if (month - valueMonth > 6) year--;
  else if (valueMonth - month > 6) year++;
  return dateAt(`${year}-${mmdd.slice(0, 2)}-${mmdd.slice(2, 4)}`, at, 'entry date');
}

/** The EndToEndId in :86:, as German (?20EREF+...) and Dutch (/EREF/...) banks structure it. */
export function endToEndIdFromDetails(details: string): string | undefined {
  const flat = details.replace(/\n/g, '');
  // ?20 ... ?29 are the purpose lines; EREF+ may be split across them.
  const parts = flat.split(/\?(\d\d)/);
  let sub = '';
  for (let i = 1; i + 1 < parts.length; i += 2) if (parts[i]?.startsWith('2')) sub += parts[i + 1] ?? '';
  const german = /EREF\+(.*?)(?=(?:KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|COAM|OAMT|IBAN|BIC)\+|$)/.exec(sub);
  const dutch = /\/EREF\/([^/]*)/.exec(flat);
  const id = (german?.[1] ?? dutch?.[1] ?? '').trim();
  return id && id.toUpperCase() !== 'NOTPROVIDED' && id.toUpperCase() !== 'NONREF' ? id : undefined;
}

/** The open :61: line with its :86: details joined, read once (an EndToEndId) and kept with the statement. */
function finishLine(d: Draft): void {
  const open = d.open;
  if (!open) return;
  d.open = undefined;
  if (!open.withDetails) {
    d.lines.push(open.line);
    return;
  }
  const details = open.details.join('\n');
  const e2e = endToEndIdFromDetails(details);
  d.lines.push(
    makeLine({
      ...open.line,
      details: detach(details),
      ...(e2e !== undefined && { endToEndId: detach(e2e) }),
    }),
  );
}

/** A balance field (:60F:, :62F:, ...): mark, date, currency, amount; signed minor units (credit positive). */
function balance(value: string, at: number, name: string): { currency: Currency; minor: bigint } {
  const m = BALANCE.exec(value.trim());
  if (!m?.[4] || !m[3] || !m[2]) {
    throw new StatementRejected(
      'INVALID_FIELD',
      at,
      `${name} must be C|D, YYMMDD, currency, amount (e.g. C240312EUR1234,56), got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  date6(m[2], at, `${name} date`);
  const currency = currencyAt(m[3], at, `${name} currency`);
  const minor = swiftAmount(m[4], currency, at, name);
  return { currency, minor: m[1] === 'D' ? -minor : minor };
}

/** A :61: field (its first line, and the supplementary line if any) as a statement line of `d`. */
function statementLine(
  format: StatementFormat,
  value: string,
  at: number,
  d: Draft,
  currency: Currency,
): StatementLine {
  const newline = value.indexOf('\n');
  const first = newline < 0 ? value : value.slice(0, newline);
  const supplementary = newline < 0 ? '' : value.slice(newline + 1).trim();
  const m = STATEMENT_LINE.exec(first);
  if (!m?.[1] || !m[3] || !m[5]) {
    throw new StatementRejected(
      'INVALID_FIELD',
      at,
      `:61: must start with value date YYMMDD, [entry date MMDD], C|D|RC|RD, amount; got ${JSON.stringify(first.slice(0, 40))}`,
    );
  }
  const valueDate = date6(m[1], at, ':61: value date');
  const bookingDate = m[2] && m[2].trim() ? entryDate(m[2], valueDate, at) : undefined;
  const mark = m[3];
  const amountMinor = swiftAmount(m[5], currency, at, ':61:');
  const rest = m[7] ?? '';
  const slash = rest.indexOf('//');
  const customerRef = (slash < 0 ? rest : rest.slice(0, slash)).trim();
  const bankRef = slash < 0 ? '' : rest.slice(slash + 2).trim();
  return makeLine({
    format,
    statementId: d.id,
    ...(d.account !== undefined && { account: d.account }),
    at,
    side: mark === 'C' || mark === 'RD' ? 'CREDIT' : 'DEBIT',
    reversal: mark.startsWith('R'),
    status: 'BOOKED',
    amountMinor,
    currency,
    valueDate,
    ...(bookingDate !== undefined && { bookingDate }),
    ...(customerRef && customerRef !== 'NONREF' && { customerRef: detach(customerRef) }),
    ...(bankRef && { accountServicerRef: detach(bankRef) }),
    ...(supplementary && { details: detach(supplementary) }),
  });
}

function tooLong(at: number): never {
  throw new StatementRejected(
    'LIMIT_EXCEEDED',
    at,
    `line longer than MT940_LINE_CHARS_MAX (${MT940_LINE_CHARS_MAX} characters)`,
  );
}

/**
 * One MT940/MT950 file read as it streams in: lines are cut from the chunks, joined into fields (a tag line and
 * its continuation lines), and each field, once complete, read into the statement it belongs to.
 */
class Mt940Reader {
  private readonly lines: StatementLine[] = [];
  private readonly statements: StatementSummary[] = [];
  private format: StatementFormat = 'mt940';
  /** The field being read: complete when the next one starts. */
  private field: Field | undefined;
  /** The statement being read, from its :20: to its closing balance. */
  private draft: Draft | undefined;
  private lastTag = '';
  private lineNo = 0;
  // Line cutting: the unfinished last line, in pieces, and whether the last chunk ended with a CR.
  private rest: string[] = [];
  private restChars = 0;
  private afterCr = false;

  constructor(private readonly entriesMax: number) {}

  async read(source: StatementSource, statementBytesMax: number): Promise<ParsedStatements> {
    for await (const chunk of textChunks(source, statementBytesMax, (_pending, at) => at)) this.cut(chunk);
    if (this.rest.length > 0) this.onLine(this.rest.join(''));
    if (this.field) this.onField(this.field);
    const open = this.draft;
    if (open) {
      finishLine(open);
      throw new StatementRejected(
        'MISSING_FIELD',
        open.line,
        `statement ${open.id} has no closing balance :62F:/:62M:`,
      );
    }
    if (this.statements.length === 0)
      throw new StatementRejected('EMPTY_STATEMENT', 1, 'no MT940 statement (:20: ... :62F:) found');
    return { statements: this.statements, lines: this.lines };
  }

  /**
   * Lines end with CRLF, LF or CR, mixed as they come (a file edited on several systems). They are cut from each
   * chunk where it has a line break; the unfinished last line waits, in pieces, for the next chunk, so a long
   * line is never searched or copied again per chunk, and is refused once over the limit. A CR that ends a chunk
   * may be the first half of a CRLF: a LF that starts the next chunk then ends no further line.
   */
  private cut(chunk: string): void {
    let start: number = this.afterCr && chunk.startsWith('\n') ? 1 : 0;
    this.afterCr = false;
    const lineBreak = /\r\n?|\n/g;
    lineBreak.lastIndex = start;
    for (let m = lineBreak.exec(chunk); m; m = lineBreak.exec(chunk)) {
      const piece = chunk.slice(start, m.index);
      const line = this.rest.length === 0 ? piece : this.rest.join('') + piece;
      this.rest = [];
      this.restChars = 0;
      this.onLine(line);
      start = lineBreak.lastIndex;
      this.afterCr = m[0] === '\r' && start === chunk.length;
    }
    if (start < chunk.length) {
      const tail = chunk.slice(start);
      this.rest.push(tail);
      this.restChars += tail.length;
      if (this.restChars > MT940_LINE_CHARS_MAX) tooLong(this.lineNo + 1);
    }
  }

  /** A line: it starts a field, continues the open one, ends a message, or is envelope. */
  private onLine(raw: string): void {
    const text = this.cleanLine(raw);
    const tag = TAG_LINE.exec(text);
    const tagName = tag?.[1];
    if (tag && tagName !== undefined) {
      const known = STATEMENT_TAGS.has(tagName) || MT942_TAGS.has(tagName);
      // Wrapped :86: text can start with something that looks like a tag (":26:37" of a time): not a field.
      if (known || this.field?.tag !== '86') {
        if (this.field) this.onField(this.field);
        this.field = { tag: tagName, value: tag[2] ?? '', line: this.lineNo, lines: 1 };
        return;
      }
    }
    if (text.trim() === '-' || text.startsWith('-}')) {
      if (this.field) this.onField(this.field);
      this.field = undefined;
      if (!this.draft) this.lastTag = '';
      return;
    }
    if (this.field) {
      this.continueField(this.field, text);
      return;
    }
    if (text.trim() === '') return;
    if (ENVELOPE.test(text.trim())) {
      if (/\{2:[IO]950/.test(text)) this.format = 'mt950';
      return;
    }
    throw new StatementRejected(
      'MALFORMED',
      this.lineNo,
      `${JSON.stringify(text.slice(0, 40))} is not an MT940 field (:tag:value)`,
    );
  }

  /** The next line, counted and checked: within the length limit, framing (SOH/ETX) off, no control characters. */
  private cleanLine(raw: string): string {
    this.lineNo++;
    if (raw.length > MT940_LINE_CHARS_MAX) tooLong(this.lineNo);
    const text = raw.replace(/[\u0001\u0003]/g, '');
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) {
      throw new StatementRejected('MALFORMED', this.lineNo, 'control characters: not an MT940 text file');
    }
    return text;
  }

  private continueField(field: Field, text: string): void {
    if (++field.lines > MT940_FIELD_LINES_MAX) {
      throw new StatementRejected(
        'LIMIT_EXCEEDED',
        this.lineNo,
        `field :${field.tag}: of line ${field.line} runs over more than MT940_FIELD_LINES_MAX (${MT940_FIELD_LINES_MAX}) lines`,
      );
    }
    field.value += `\n${text}`;
  }

  /** A complete field: it starts a statement, belongs to the one open, or follows one (trailer fields). */
  private onField(f: Field): void {
    if (this.draft && f.tag !== '86') finishLine(this.draft);
    if (MT942_TAGS.has(f.tag)) {
      throw new StatementRejected(
        'UNSUPPORTED_MESSAGE',
        f.line,
        `:${f.tag}: belongs to an MT942 interim report, which has no opening and closing balances: not a statement`,
      );
    }
    if (f.tag === '20') {
      if (this.draft) {
        throw new StatementRejected(
          'MISSING_FIELD',
          this.draft.line,
          `statement ${this.draft.id} has no closing balance :62F:/:62M:`,
        );
      }
      this.draft = { line: f.line, id: detach(f.value.trim()), bookedNetMinor: 0n, lines: [] };
    } else if (this.draft) {
      this.onStatementField(this.draft, f);
    } else {
      // After :62F:, available balances and information for the whole statement may follow.
      const trailer = f.tag === '64' || f.tag === '65' || f.tag === 'NS' || f.tag === '86';
      if (!trailer || !['62F', '62M', '64', '65', '86', 'NS'].includes(this.lastTag))
        throw new StatementRejected(
          'MISSING_FIELD',
          f.line,
          `:${f.tag}: outside a statement (no :20: before it)`,
        );
    }
    this.lastTag = f.tag;
  }

  private onStatementField(d: Draft, f: Field): void {
    switch (f.tag) {
      case '21':
      case '28':
      case '28C':
      case 'NS':
      case '64':
      case '65':
        return;
      case '25':
        d.account = detach(f.value.trim());
        return;
      case '60F':
      case '60M':
        this.openingBalance(d, f);
        return;
      case '61':
        this.onStatementLine(d, f);
        return;
      case '86':
        this.onDetails(d, f);
        return;
      case '62F':
      case '62M':
        this.closingBalance(d, f);
        return;
      default:
        throw new StatementRejected('INVALID_FIELD', f.line, `unknown tag :${f.tag}:`);
    }
  }

  private openingBalance(d: Draft, f: Field): void {
    if (d.openingMinor !== undefined)
      throw new StatementRejected('INVALID_FIELD', f.line, 'a second opening balance');
    const b = balance(f.value, f.line, `:${f.tag}:`);
    d.currency = b.currency;
    d.openingMinor = b.minor;
  }

  /** A :61: line: booked at once; its :86: details may still follow (`open`). */
  private onStatementLine(d: Draft, f: Field): void {
    if (d.openingMinor === undefined || !d.currency) {
      throw new StatementRejected('MISSING_FIELD', f.line, ':61: before the opening balance :60F:/:60M:');
    }
    if (this.lines.length + d.lines.length >= this.entriesMax) {
      throw new StatementRejected(
        'TOO_MANY_ENTRIES',
        f.line,
        `more than entriesMax (${this.entriesMax}) lines`,
      );
    }
    const l = statementLine(this.format, f.value, f.line, d, d.currency);
    d.bookedNetMinor += l.side === 'CREDIT' ? l.amountMinor : -l.amountMinor;
    const supplementary = l.details;
    d.open = {
      line: l,
      details: supplementary === undefined ? [] : [supplementary],
      chars: supplementary?.length ?? 0,
      withDetails: false,
    };
  }

  /**
   * Details of the :61: line before; several :86: fields are joined. Collected here and read once when the line
   * is finished: never re-read as they grow, so many :86: fields cost what their text costs.
   */
  private onDetails(d: Draft, f: Field): void {
    const open = d.open;
    if (!open || (this.lastTag !== '61' && this.lastTag !== '86')) return;
    open.chars += f.value.length + 1;
    if (open.chars > MT940_DETAILS_CHARS_MAX) {
      throw new StatementRejected(
        'LIMIT_EXCEEDED',
        f.line,
        `:86: details of the :61: line ${String(open.line.at)} longer than MT940_DETAILS_CHARS_MAX (${MT940_DETAILS_CHARS_MAX} characters)`,
      );
    }
    open.details.push(f.value);
    open.withDetails = true;
  }

  /** The closing balance ends the statement: it must follow from the opening one and the lines. */
  private closingBalance(d: Draft, f: Field): void {
    if (d.openingMinor === undefined || !d.currency) {
      throw new StatementRejected(
        'MISSING_FIELD',
        d.line,
        `statement ${d.id} has no opening balance :60F:/:60M:`,
      );
    }
    const b = balance(f.value, f.line, `:${f.tag}:`);
    if (b.currency !== d.currency) {
      throw new StatementRejected(
        'CURRENCY_MISMATCH',
        f.line,
        `closing balance in ${b.currency}, opening balance in ${d.currency}`,
      );
    }
    checkBalances({
      currency: d.currency,
      openingMinor: d.openingMinor,
      closingMinor: b.minor,
      bookedNetMinor: d.bookedNetMinor,
      at: f.line,
    });
    for (const l of d.lines) this.lines.push(l);
    this.statements.push({
      format: this.format,
      statementId: d.id,
      ...(d.account !== undefined && { account: d.account }),
      currency: d.currency,
      openingBalanceMinor: d.openingMinor,
      closingBalanceMinor: b.minor,
      entryCount: d.lines.length,
      lineCount: d.lines.length,
      at: d.line,
    });
    this.draft = undefined;
  }
}

/**
 * Parses SWIFT MT940 (and MT950, which has no :86:) while it streams in, one statement per :20: ... :62F:/:62M:.
 * Amounts are read from their text with the comma as decimal mark. A statement whose opening balance and lines
 * do not give its closing balance rejects the whole file.
 */
export async function parseMt940(source: StatementSource, limits?: IngestLimits): Promise<ParsedStatements> {
  const { statementBytesMax, entriesMax } = resolveLimits(limits);
  const parsed = await new Mt940Reader(entriesMax).read(source, statementBytesMax);
  return parsed;
}
