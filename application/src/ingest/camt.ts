import { SaxesParser, type SaxesTagPlain } from 'saxes';

import type { Currency } from '../../../chaincode/src/core/money';
import { checkBalances, checkEntryCount } from './consistency';
import { amountAt, currencyAt, dateAt, detach, textChunks, type StatementSource } from './source';
import {
  makeLine,
  resolveLimits,
  StatementRejected,
  XML_DEPTH_MAX,
  XML_TEXT_CHARS_MAX,
  XML_TOKEN_CHARS_MAX,
  XML_TRANSACTIONS_PER_ENTRY_MAX,
  type BookingStatus,
  type IngestLimits,
  type ParsedStatements,
  type Side,
  type StatementFormat,
  type StatementLine,
  type StatementSummary,
} from './statementLine';

type CamtType = 'camt.052' | 'camt.053' | 'camt.054';

/** Any version of the three bank-to-customer cash management messages. */
const NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.001\.\d{2}$/;
const MESSAGE_ROOT: Record<CamtType, string> = {
  'camt.052': 'BkToCstmrAcctRpt',
  'camt.053': 'BkToCstmrStmt',
  'camt.054': 'BkToCstmrDbtCdtNtfctn',
};
const STATEMENT_ELEMENT: Record<CamtType, string> = {
  'camt.052': 'Rpt',
  'camt.053': 'Stmt',
  'camt.054': 'Ntfctn',
};
/** Elements that repeat, so their paths carry an index (`Ntry[3]`). */
const INDEXED = new Set(['Stmt', 'Rpt', 'Ntfctn', 'Bal', 'Ntry', 'NtryDtls', 'TxDtls']);
/** Segments of the longest path read below a statement, entry, balance or transaction (`RltdPties/DbtrAcct/Id/Othr/Id`). */
const RELATIVE_SEGMENTS_MAX = 5;
/** The saxes parser is fed at most this many characters at a time, so a long token is caught early. */
const WRITE_CHARS = 16_384;
const STATUS: ReadonlyMap<string, BookingStatus> = new Map([
  ['BOOK', 'BOOKED'],
  ['PDNG', 'PENDING'],
  ['INFO', 'INFO'],
  // A future-dated entry (camt v8+) is not a booking either.
  ['FUTR', 'PENDING'],
]);

interface Frame {
  readonly name: string;
  readonly index: number;
  /** Children seen so far, by name; kept for the repeating (INDEXED) names only, so at most seven entries. */
  counts: Map<string, number> | undefined;
}

interface Amount {
  readonly text: string;
  readonly ccy: string | undefined;
  readonly at: string;
}

interface TxDraft {
  readonly at: string;
  amount?: Amount;
  side?: string;
  sideAt?: string;
  refs: Partial<
    Record<
      'uetr' | 'endToEndId' | 'txId' | 'instrId' | 'msgId' | 'pmtInfId' | 'payerRef' | 'payeeRef',
      string
    >
  >;
}

interface EntryDraft {
  readonly at: string;
  amount?: Amount;
  side?: string;
  reversal?: string;
  status?: string;
  bookingDate?: string;
  valueDate?: string;
  accountServicerRef?: string;
  entryRef?: string;
  readonly txs: TxDraft[];
}

interface BalanceDraft {
  readonly at: string;
  code?: string;
  amount?: Amount;
  side?: string;
}

interface StatementDraft {
  readonly at: string;
  id?: string;
  account?: string;
  accountCcy?: string;
  readonly balances: BalanceDraft[];
  declaredCount?: number;
  declaredCountAt?: string;
  entryCount: number;
  lineCount: number;
  bookedNetMinor: bigint;
  currency?: Currency;
  currencyAt?: string;
}

const localName = (qname: string): string => {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
};

function sideOf(value: string | undefined, at: string): Side {
  if (value === 'CRDT') return 'CREDIT';
  if (value === 'DBIT') return 'DEBIT';
  if (value === undefined) throw new StatementRejected('MISSING_FIELD', at, 'CdtDbtInd is required');
  throw new StatementRejected(
    'INVALID_FIELD',
    at,
    `CdtDbtInd must be CRDT or DBIT, got ${JSON.stringify(value)}`,
  );
}

function money(a: Amount): { amountMinor: bigint; currency: Currency } {
  const currency = currencyAt(a.ccy, a.at, 'Amt/@Ccy');
  if (!/^\d+(\.\d+)?$/.test(a.text)) {
    throw new StatementRejected(
      'INVALID_AMOUNT',
      a.at,
      `${JSON.stringify(a.text)} is not an unsigned decimal amount`,
    );
  }
  return { amountMinor: amountAt(a.text, currency, a.at), currency };
}

/** The statement's currency is that of its account, or else of its first amount; every booked amount must share it. */
function statementCurrency(s: StatementDraft, currency: Currency, at: string): void {
  if (s.currency === undefined) {
    s.currency = s.accountCcy ? currencyAt(s.accountCcy, `${s.at}/Acct/Ccy`, 'Acct/Ccy') : currency;
    s.currencyAt = at;
  }
  if (currency !== s.currency) {
    throw new StatementRejected(
      'CURRENCY_MISMATCH',
      at,
      `amount in ${currency} on a statement in ${s.currency}: balances cannot be checked`,
    );
  }
}

/** The entry's Sts as a booking status: BOOK, PDNG, INFO or FUTR, and nothing else. */
function entryStatus(e: EntryDraft): BookingStatus {
  if (e.status === undefined)
    throw new StatementRejected('MISSING_FIELD', `${e.at}/Sts`, 'the entry has no Sts');
  const status = STATUS.get(e.status);
  if (!status) {
    throw new StatementRejected(
      'INVALID_FIELD',
      `${e.at}/Sts`,
      `entry status ${JSON.stringify(e.status)} is none of BOOK, PDNG, INFO, FUTR`,
    );
  }
  return status;
}

/** What every line of one entry shares. */
interface EntryLines {
  readonly format: StatementFormat;
  readonly statement: StatementDraft;
  readonly entry: EntryDraft;
  readonly reversal: boolean;
  readonly status: BookingStatus;
  readonly currency: Currency;
}

function lineOf(
  x: EntryLines,
  at: string,
  side: Side,
  amountMinor: bigint,
  refs: TxDraft['refs'] | undefined,
): StatementLine {
  const e = x.entry;
  return makeLine({
    format: x.format,
    statementId: x.statement.id ?? '',
    account: x.statement.account,
    at,
    side,
    reversal: x.reversal,
    status: x.status,
    amountMinor,
    currency: x.currency,
    valueDate: e.valueDate,
    bookingDate: e.bookingDate,
    uetr: refs?.uetr,
    endToEndId: refs?.endToEndId,
    txId: refs?.txId,
    instrId: refs?.instrId,
    msgId: refs?.msgId,
    pmtInfId: refs?.pmtInfId,
    accountServicerRef: e.accountServicerRef,
    entryRef: e.entryRef,
    payerRef: refs?.payerRef,
    payeeRef: refs?.payeeRef,
  });
}

/** A batch: one line per transaction, whose amounts must add up to the entry's. */
function batchLines(x: EntryLines, side: Side, amountMinor: bigint): StatementLine[] {
  let netMinor = 0n;
  const txLines: StatementLine[] = [];
  for (const t of x.entry.txs) {
    if (!t.amount) continue;
    const m = money(t.amount);
    if (m.currency !== x.currency) {
      throw new StatementRejected(
        'CURRENCY_MISMATCH',
        t.amount.at,
        `transaction amount in ${m.currency} inside an entry in ${x.currency}`,
      );
    }
    const txSide = t.side === undefined ? side : sideOf(t.side, t.sideAt ?? t.at);
    netMinor += txSide === side ? m.amountMinor : -m.amountMinor;
    txLines.push(lineOf(x, t.at, txSide, m.amountMinor, t.refs));
  }
  if (netMinor !== amountMinor) {
    throw new StatementRejected(
      'BALANCE_MISMATCH',
      x.entry.at,
      `the entry's ${x.entry.txs.length} transactions add up to ${netMinor} minor units, the entry amount is ${amountMinor}`,
    );
  }
  return txLines;
}

/**
 * The lines of a closed entry: one, with the entry's amount (one transaction, none, or a batch without amounts
 * per transaction), or one per transaction of a batch. A booked entry counts in the statement's balance.
 */
function entryLines(format: StatementFormat, s: StatementDraft, e: EntryDraft): StatementLine[] {
  if (!e.amount) throw new StatementRejected('MISSING_FIELD', e.at, 'the entry has no Amt');
  const { amountMinor, currency } = money(e.amount);
  const side = sideOf(e.side, `${e.at}/CdtDbtInd`);
  const status = entryStatus(e);
  const reversal = e.reversal === 'true' || e.reversal === '1';
  if (status === 'BOOKED') {
    statementCurrency(s, currency, e.amount.at);
    s.bookedNetMinor += side === 'CREDIT' ? amountMinor : -amountMinor;
  }
  const x: EntryLines = { format, statement: s, entry: e, reversal, status, currency };
  const splits = e.txs.length > 1 && e.txs.every((t) => t.amount !== undefined);
  if (splits) return batchLines(x, side, amountMinor);
  return [lineOf(x, e.at, side, amountMinor, e.txs.length === 1 ? e.txs[0]?.refs : undefined)];
}

/** A balance of the statement, signed (credit positive), in the statement's currency; undefined when absent. */
function signedBalance(s: StatementDraft, draft: BalanceDraft | undefined): bigint | undefined {
  if (!draft) return undefined;
  if (!draft.amount) throw new StatementRejected('MISSING_FIELD', draft.at, 'the balance has no Amt');
  const m = money(draft.amount);
  statementCurrency(s, m.currency, draft.amount.at);
  const side = sideOf(draft.side, `${draft.at}/CdtDbtInd`);
  return side === 'CREDIT' ? m.amountMinor : -m.amountMinor;
}

/**
 * A closed statement checked (a camt.053 has both balances; balances, when both are there, add up with the
 * booked entries; the entry count agrees with the summary) and summed up.
 */
function statementSummary(type: CamtType, s: StatementDraft): StatementSummary {
  const byCode = (code: string) => s.balances.find((b) => b.code === code);
  const o = signedBalance(s, byCode('OPBD') ?? byCode('PRCD'));
  const c = signedBalance(s, byCode('CLBD'));
  if (type === 'camt.053' && (o === undefined || c === undefined)) {
    throw new StatementRejected(
      'MISSING_FIELD',
      s.at,
      `a camt.053 statement needs an opening (OPBD or PRCD) and a closing (CLBD) balance; ${o === undefined ? 'opening' : 'closing'} is missing`,
    );
  }
  if (o !== undefined && c !== undefined && s.currency) {
    checkBalances({
      currency: s.currency,
      openingMinor: o,
      closingMinor: c,
      bookedNetMinor: s.bookedNetMinor,
      at: s.at,
    });
  }
  if (s.declaredCount !== undefined)
    checkEntryCount(s.declaredCount, s.entryCount, s.declaredCountAt ?? s.at);
  return {
    format: type,
    statementId: s.id ?? '',
    ...(s.account !== undefined && { account: s.account }),
    ...(s.currency !== undefined && { currency: s.currency }),
    ...(o !== undefined && { openingBalanceMinor: o }),
    ...(c !== undefined && { closingBalanceMinor: c }),
    entryCount: s.entryCount,
    lineCount: s.lineCount,
    at: s.at,
  };
}

/** The day of an ISODate (`Dt`) or the day part of an ISODateTime (`DtTm`), which must have its time. */
function dayOf(value: string, rel: string, at: string): string {
  if (!rel.endsWith('DtTm')) return value;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value)) {
    throw new StatementRejected(
      'INVALID_DATE',
      at,
      `${rel} ${JSON.stringify(value.slice(0, 40))} is not a date and time YYYY-MM-DDThh:mm:ss`,
    );
  }
  return value.slice(0, 10);
}

/**
 * One camt message read as it streams through saxes: the element stack, the statement, balance, entry and
 * transaction being read (each with the depth it opened at), and what has been read so far.
 */
class CamtReader {
  private readonly parser = new SaxesParser({ position: true, xmlns: false });
  private readonly stack: Frame[] = [];
  private readonly lines: StatementLine[] = [];
  private readonly statements: StatementSummary[] = [];
  private type: CamtType | undefined;
  private format: StatementFormat = 'camt.053';
  /** Text of the element open last. */
  private text = '';
  /** The Ccy of the Amt open last. */
  private amountCcy: string | undefined;
  private stmt: StatementDraft | undefined;
  private stmtDepth = -1;
  private bal: BalanceDraft | undefined;
  private balDepth = -1;
  private entry: EntryDraft | undefined;
  private entryDepth = -1;
  private tx: TxDraft | undefined;
  private txDepth = -1;
  /** Characters handed to saxes since it last reported a token; reset by every event. */
  private sinceToken = 0;

  constructor(private readonly entriesMax: number) {
    const tokenSeen = (): void => {
      this.sinceToken = 0;
    };
    this.parser.on('comment', tokenSeen);
    this.parser.on('processinginstruction', tokenSeen);
    this.parser.on('xmldecl', tokenSeen);
    this.parser.on('doctype', () => {
      throw new StatementRejected(
        'DOCTYPE_REFUSED',
        `line ${this.parser.line}`,
        'a DOCTYPE is not accepted in a statement (entity declarations are refused)',
      );
    });
    this.parser.on('opentag', (tag) => {
      this.onOpenTag(tag);
    });
    this.parser.on('text', (t) => {
      this.onText(t);
    });
    this.parser.on('cdata', (t) => {
      this.onText(t);
    });
    this.parser.on('closetag', () => {
      this.onCloseTag();
    });
  }

  /** Parses the whole source, then checks that it held a camt message with at least one statement. */
  async read(source: StatementSource, statementBytesMax: number): Promise<ParsedStatements> {
    try {
      for await (const chunk of textChunks(source, statementBytesMax, () => this.where())) this.write(chunk);
      this.parser.close();
    } catch (e) {
      if (e instanceof StatementRejected) throw e;
      // saxes reports well-formedness errors as "file:line:column: message".
      const message = e instanceof Error ? e.message : String(e);
      throw new StatementRejected('MALFORMED', this.where(), message);
    }
    if (!this.type) throw new StatementRejected('MALFORMED', '/', 'no Document element');
    if (this.statements.length === 0) {
      throw new StatementRejected(
        'EMPTY_STATEMENT',
        `/Document/${MESSAGE_ROOT[this.type]}`,
        `no ${STATEMENT_ELEMENT[this.type]} in the ${this.type} message`,
      );
    }
    return { statements: this.statements, lines: this.lines };
  }

  /** Feeds saxes at most WRITE_CHARS at a time, so that a token longer than its limit is caught early. */
  private write(chunk: string): void {
    for (let i = 0; i < chunk.length; i += WRITE_CHARS) {
      const piece = i === 0 && chunk.length <= WRITE_CHARS ? chunk : chunk.slice(i, i + WRITE_CHARS);
      this.sinceToken += piece.length;
      this.parser.write(piece);
      // Every event resets the count, so it is (at most a piece more than) the length of the token in progress.
      if (this.sinceToken > XML_TOKEN_CHARS_MAX) {
        throw new StatementRejected(
          'LIMIT_EXCEEDED',
          this.where(),
          `a tag, text or comment longer than XML_TOKEN_CHARS_MAX (${XML_TOKEN_CHARS_MAX} characters) near line ${this.parser.line}`,
        );
      }
    }
  }

  private where(): string {
    return this.stack.length > 0 ? this.path() : `line ${this.parser.line}`;
  }

  // Joined (not concatenated) so that the path is one flat string, not a tree of pieces kept per line.
  private path(): string {
    const parts: string[] = [];
    for (const f of this.stack) parts.push(INDEXED.has(f.name) ? `/${f.name}[${f.index}]` : `/${f.name}`);
    return parts.join('');
  }

  // A leaf's path below the element it belongs to. Paths longer than any the parser reads are not built: a
  // closing tag costs the same at any depth, so deep nesting cannot make the parse quadratic.
  private relative(from: number): string {
    const stack = this.stack;
    if (stack.length - from > RELATIVE_SEGMENTS_MAX) return '';
    let r = '';
    for (let i = from; i < stack.length; i++) r += (r ? '/' : '') + (stack[i]?.name ?? '');
    return r;
  }

  private amount(): Amount {
    return { text: this.text.trim(), ccy: this.amountCcy, at: this.path() };
  }

  private onOpenTag(tag: SaxesTagPlain): void {
    this.sinceToken = 0;
    const name = localName(tag.name);
    this.pushFrame(name);
    const depth = this.stack.length;
    if (depth === 1) {
      this.openDocument(tag, name);
      return;
    }
    const type = this.type;
    if (!type) return;
    if (depth === 2) {
      if (name !== MESSAGE_ROOT[type]) {
        throw new StatementRejected(
          'UNSUPPORTED_MESSAGE',
          this.path(),
          `a ${type} Document holds ${MESSAGE_ROOT[type]}, not ${name}`,
        );
      }
      return;
    }
    if (depth === 3 && name === STATEMENT_ELEMENT[type]) {
      this.stmt = { at: this.path(), balances: [], entryCount: 0, lineCount: 0, bookedNetMinor: 0n };
      this.stmtDepth = depth;
      return;
    }
    if (this.stmt) this.openInStatement(this.stmt, tag, name, depth);
  }

  /** The element goes on the stack, with its index among its parent's children of its name if it repeats. */
  private pushFrame(name: string): void {
    const parent = this.stack[this.stack.length - 1];
    let index = 1;
    if (parent && INDEXED.has(name)) {
      parent.counts ??= new Map();
      index = (parent.counts.get(name) ?? 0) + 1;
      parent.counts.set(name, index);
    }
    if (this.stack.length >= XML_DEPTH_MAX) {
      throw new StatementRejected(
        'LIMIT_EXCEEDED',
        `${this.path()}/${name}`,
        `elements nested more than XML_DEPTH_MAX (${XML_DEPTH_MAX}) deep`,
      );
    }
    this.stack.push({ name, index, counts: undefined });
    this.text = '';
  }

  /** The root: a Document in the namespace of camt.052, .053 or .054, any version, any prefix. */
  private openDocument(tag: SaxesTagPlain, name: string): void {
    if (name !== 'Document')
      throw new StatementRejected('UNSUPPORTED_MESSAGE', `/${name}`, 'the root element must be Document');
    const prefix = tag.name.includes(':') ? tag.name.slice(0, tag.name.indexOf(':')) : undefined;
    const ns = tag.attributes[prefix ? `xmlns:${prefix}` : 'xmlns'] ?? '';
    const m = NAMESPACE.exec(ns);
    if (!m?.[1]) {
      throw new StatementRejected(
        'UNSUPPORTED_MESSAGE',
        '/Document',
        `namespace ${JSON.stringify(ns)} is not camt.052, camt.053 or camt.054`,
      );
    }
    this.type = m[1] as CamtType;
    this.format = this.type;
  }

  /** Inside a statement: an amount's currency, a balance, an entry or one of its transactions opens. */
  private openInStatement(stmt: StatementDraft, tag: SaxesTagPlain, name: string, depth: number): void {
    if (name === 'Amt') this.amountCcy = tag.attributes.Ccy;
    if (name === 'Bal' && depth === this.stmtDepth + 1) {
      this.bal = { at: this.path() };
      stmt.balances.push(this.bal);
      this.balDepth = depth;
    } else if (name === 'Ntry' && depth === this.stmtDepth + 1) {
      stmt.entryCount++;
      this.entry = { at: this.path(), txs: [] };
      this.entryDepth = depth;
    } else if (name === 'TxDtls' && this.entry && !this.tx) {
      this.openTransaction(this.entry, depth);
    }
  }

  private openTransaction(entry: EntryDraft, depth: number): void {
    if (entry.txs.length >= XML_TRANSACTIONS_PER_ENTRY_MAX) {
      throw new StatementRejected(
        'LIMIT_EXCEEDED',
        this.path(),
        `more than XML_TRANSACTIONS_PER_ENTRY_MAX (${XML_TRANSACTIONS_PER_ENTRY_MAX}) transactions in one entry`,
      );
    }
    if (entry.txs.length >= this.entriesMax) {
      throw new StatementRejected(
        'TOO_MANY_ENTRIES',
        this.path(),
        `more than entriesMax (${this.entriesMax}) lines`,
      );
    }
    this.tx = {
      at: this.path(),
      refs: {
        uetr: undefined,
        endToEndId: undefined,
        txId: undefined,
        instrId: undefined,
        msgId: undefined,
        pmtInfId: undefined,
        payerRef: undefined,
        payeeRef: undefined,
      },
    };
    entry.txs.push(this.tx);
    this.txDepth = depth;
  }

  private onText(t: string): void {
    this.sinceToken = 0;
    if (this.text.length + t.length > XML_TEXT_CHARS_MAX) {
      // Whitespace between elements is no element's text; anything else this long is refused.
      if (t.trim() === '') return;
      throw new StatementRejected(
        'LIMIT_EXCEEDED',
        this.where(),
        `element text longer than XML_TEXT_CHARS_MAX (${XML_TEXT_CHARS_MAX} characters)`,
      );
    }
    this.text += t;
  }

  /** An element closes: a leaf is read into what is open below it, or what it closes is finished. */
  private onCloseTag(): void {
    this.sinceToken = 0;
    const depth = this.stack.length;
    const value = this.text.trim();
    if (this.tx) {
      if (depth === this.txDepth) this.tx = undefined;
      else this.onTxLeaf(this.tx, this.relative(this.txDepth), value);
    } else if (this.entry) {
      if (depth === this.entryDepth) {
        if (this.stmt) this.closeEntry(this.stmt, this.entry);
        this.entry = undefined;
      } else {
        this.onEntryLeaf(this.entry, this.relative(this.entryDepth), value);
      }
    } else if (this.bal) {
      if (depth === this.balDepth) this.bal = undefined;
      else this.onBalanceLeaf(this.bal, this.relative(this.balDepth), value);
    } else if (this.stmt) {
      if (depth === this.stmtDepth) {
        if (this.type) this.statements.push(statementSummary(this.type, this.stmt));
        this.stmt = undefined;
      } else {
        this.onStatementLeaf(this.stmt, this.relative(this.stmtDepth), value);
      }
    }
    this.stack.pop();
    this.text = '';
  }

  private closeEntry(s: StatementDraft, e: EntryDraft): void {
    for (const line of entryLines(this.format, s, e)) {
      if (this.lines.length >= this.entriesMax) {
        throw new StatementRejected(
          'TOO_MANY_ENTRIES',
          line.at,
          `more than entriesMax (${this.entriesMax}) lines`,
        );
      }
      this.lines.push(line);
      s.lineCount++;
    }
  }

  private onTxLeaf(t: TxDraft, rel: string, value: string): void {
    switch (rel) {
      case 'Refs/UETR':
        t.refs.uetr = detach(value.toLowerCase());
        return;
      case 'Refs/EndToEndId':
        // NOTPROVIDED is what ISO 20022 puts where there is none: it identifies nothing.
        if (value.toUpperCase() !== 'NOTPROVIDED') t.refs.endToEndId = detach(value);
        return;
      case 'Refs/TxId':
        t.refs.txId = detach(value);
        return;
      case 'Refs/InstrId':
        t.refs.instrId = detach(value);
        return;
      case 'Refs/MsgId':
        t.refs.msgId = detach(value);
        return;
      case 'Refs/PmtInfId':
        t.refs.pmtInfId = detach(value);
        return;
      case 'Amt':
        t.amount = this.amount();
        return;
      case 'AmtDtls/TxAmt/Amt':
        t.amount ??= this.amount();
        return;
      case 'CdtDbtInd':
        t.side = value;
        t.sideAt = this.path();
        return;
      case 'RltdPties/DbtrAcct/Id/IBAN':
      case 'RltdPties/DbtrAcct/Id/Othr/Id':
        t.refs.payerRef = detach(value);
        return;
      case 'RltdPties/CdtrAcct/Id/IBAN':
      case 'RltdPties/CdtrAcct/Id/Othr/Id':
        t.refs.payeeRef = detach(value);
        return;
    }
  }

  private onEntryLeaf(e: EntryDraft, rel: string, value: string): void {
    switch (rel) {
      case 'Amt':
        e.amount = this.amount();
        return;
      case 'CdtDbtInd':
        e.side = value;
        return;
      case 'RvslInd':
        e.reversal = value;
        return;
      case 'Sts':
      case 'Sts/Cd':
        if (value) e.status = value;
        return;
      case 'BookgDt/Dt':
      case 'BookgDt/DtTm':
        e.bookingDate = dateAt(dayOf(value, rel, this.path()), this.path(), 'BookgDt');
        return;
      case 'ValDt/Dt':
      case 'ValDt/DtTm':
        e.valueDate = dateAt(dayOf(value, rel, this.path()), this.path(), 'ValDt');
        return;
      case 'AcctSvcrRef':
        e.accountServicerRef = detach(value);
        return;
      case 'NtryRef':
        e.entryRef = detach(value);
        return;
    }
  }

  private onBalanceLeaf(b: BalanceDraft, rel: string, value: string): void {
    if (rel === 'Tp/CdOrPrtry/Cd') b.code = value;
    else if (rel === 'Amt') b.amount = this.amount();
    else if (rel === 'CdtDbtInd') b.side = value;
  }

  private onStatementLeaf(s: StatementDraft, rel: string, value: string): void {
    switch (rel) {
      case 'Id':
        s.id = detach(value);
        return;
      case 'Acct/Id/IBAN':
      case 'Acct/Id/Othr/Id':
        s.account = detach(value);
        return;
      case 'Acct/Ccy':
        s.accountCcy = value;
        return;
      case 'TxsSummry/TtlNtries/NbOfNtries':
        if (!/^\d{1,15}$/.test(value))
          throw new StatementRejected(
            'INVALID_FIELD',
            this.path(),
            `NbOfNtries ${JSON.stringify(value)} is not a count`,
          );
        s.declaredCount = Number(value);
        s.declaredCountAt = this.path();
        return;
    }
  }
}

/**
 * Parses an ISO 20022 camt.052 (report), camt.053 (statement) or camt.054 (notification), any version, while
 * it streams in. No DOCTYPE is accepted (so no entity can be declared, let alone expanded); only XML's five
 * predefined entities and character references are understood.
 */
export async function parseCamt(source: StatementSource, limits?: IngestLimits): Promise<ParsedStatements> {
  const { statementBytesMax, entriesMax } = resolveLimits(limits);
  const parsed = await new CamtReader(entriesMax).read(source, statementBytesMax);
  return parsed;
}
