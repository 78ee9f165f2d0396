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

/**
 * Parses an ISO 20022 camt.052 (report), camt.053 (statement) or camt.054 (notification), any version, while
 * it streams in. No DOCTYPE is accepted (so no entity can be declared, let alone expanded); only XML's five
 * predefined entities and character references are understood.
 */
export async function parseCamt(source: StatementSource, limits?: IngestLimits): Promise<ParsedStatements> {
  const { statementBytesMax, entriesMax } = resolveLimits(limits);
  const parser = new SaxesParser({ position: true, xmlns: false });
  const stack: Frame[] = [];
  const lines: StatementLine[] = [];
  const statements: StatementSummary[] = [];
  let type: CamtType | undefined;
  let format: StatementFormat = 'camt.053';
  let text = '';
  let amountCcy: string | undefined;
  let stmt: StatementDraft | undefined;
  let stmtDepth = -1;
  let bal: BalanceDraft | undefined;
  let balDepth = -1;
  let entry: EntryDraft | undefined;
  let entryDepth = -1;
  let tx: TxDraft | undefined;
  let txDepth = -1;

  // Joined (not concatenated) so that the path is one flat string, not a tree of pieces kept per line.
  const path = (): string => {
    const parts: string[] = [];
    for (const f of stack) parts.push(INDEXED.has(f.name) ? `/${f.name}[${f.index}]` : `/${f.name}`);
    return parts.join('');
  };
  // A leaf's path below the element it belongs to. Paths longer than any the parser reads are not built: a
  // closing tag costs the same at any depth, so deep nesting cannot make the parse quadratic.
  const relative = (from: number): string => {
    if (stack.length - from > RELATIVE_SEGMENTS_MAX) return '';
    let r = '';
    for (let i = from; i < stack.length; i++) r += (r ? '/' : '') + (stack[i]?.name ?? '');
    return r;
  };
  // Characters handed to saxes since it last reported a token; reset by every event.
  let sinceToken = 0;
  const tokenSeen = (): void => {
    sinceToken = 0;
  };
  const localName = (qname: string): string => {
    const colon = qname.indexOf(':');
    return colon < 0 ? qname : qname.slice(colon + 1);
  };

  parser.on('comment', tokenSeen);
  parser.on('processinginstruction', tokenSeen);
  parser.on('xmldecl', tokenSeen);
  parser.on('doctype', () => {
    throw new StatementRejected(
      'DOCTYPE_REFUSED',
      `line ${parser.line}`,
      'a DOCTYPE is not accepted in a statement (entity declarations are refused)',
    );
  });

  parser.on('opentag', (tag: SaxesTagPlain) => {
    sinceToken = 0;
    const name = localName(tag.name);
    const parent = stack[stack.length - 1];
    let index = 1;
    if (parent && INDEXED.has(name)) {
      parent.counts ??= new Map();
      index = (parent.counts.get(name) ?? 0) + 1;
      parent.counts.set(name, index);
    }
    if (stack.length >= XML_DEPTH_MAX) {
      throw new StatementRejected(
        'LIMIT_EXCEEDED',
        `${path()}/${name}`,
        `elements nested more than XML_DEPTH_MAX (${XML_DEPTH_MAX}) deep`,
      );
    }
    stack.push({ name, index, counts: undefined });
    text = '';
    const depth = stack.length;

    if (depth === 1) {
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
      type = m[1] as CamtType;
      format = type;
      return;
    }
    if (!type) return;
    if (depth === 2) {
      if (name !== MESSAGE_ROOT[type]) {
        throw new StatementRejected(
          'UNSUPPORTED_MESSAGE',
          path(),
          `a ${type} Document holds ${MESSAGE_ROOT[type]}, not ${name}`,
        );
      }
      return;
    }
    if (depth === 3 && name === STATEMENT_ELEMENT[type]) {
      stmt = { at: path(), balances: [], entryCount: 0, lineCount: 0, bookedNetMinor: 0n };
      stmtDepth = depth;
      return;
    }
    if (!stmt) return;
    if (name === 'Amt') amountCcy = tag.attributes.Ccy;
    if (name === 'Bal' && depth === stmtDepth + 1) {
      bal = { at: path() };
      stmt.balances.push(bal);
      balDepth = depth;
    } else if (name === 'Ntry' && depth === stmtDepth + 1) {
      stmt.entryCount++;
      entry = { at: path(), txs: [] };
      entryDepth = depth;
    } else if (name === 'TxDtls' && entry && !tx) {
      if (entry.txs.length >= XML_TRANSACTIONS_PER_ENTRY_MAX) {
        throw new StatementRejected(
          'LIMIT_EXCEEDED',
          path(),
          `more than XML_TRANSACTIONS_PER_ENTRY_MAX (${XML_TRANSACTIONS_PER_ENTRY_MAX}) transactions in one entry`,
        );
      }
      if (entry.txs.length >= entriesMax)
        throw new StatementRejected('TOO_MANY_ENTRIES', path(), `more than entriesMax (${entriesMax}) lines`);
      tx = {
        at: path(),
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
      entry.txs.push(tx);
      txDepth = depth;
    }
  });

  const onText = (t: string): void => {
    sinceToken = 0;
    if (text.length + t.length > XML_TEXT_CHARS_MAX) {
      // Whitespace between elements is no element's text; anything else this long is refused.
      if (t.trim() === '') return;
      throw new StatementRejected(
        'LIMIT_EXCEEDED',
        stack.length > 0 ? path() : `line ${parser.line}`,
        `element text longer than XML_TEXT_CHARS_MAX (${XML_TEXT_CHARS_MAX} characters)`,
      );
    }
    text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  parser.on('closetag', () => {
    sinceToken = 0;
    const depth = stack.length;
    const value = text.trim();
    if (tx) {
      if (depth === txDepth) {
        tx = undefined;
      } else {
        onTxLeaf(tx, relative(txDepth), value);
      }
    } else if (entry) {
      if (depth === entryDepth) {
        if (stmt) closeEntry(stmt, entry);
        entry = undefined;
      } else {
        onEntryLeaf(entry, relative(entryDepth), value);
      }
    } else if (bal) {
      if (depth === balDepth) bal = undefined;
      else onBalanceLeaf(bal, relative(balDepth), value);
    } else if (stmt) {
      if (depth === stmtDepth) {
        closeStatement(stmt);
        stmt = undefined;
      } else {
        onStatementLeaf(stmt, relative(stmtDepth), value);
      }
    }
    stack.pop();
    text = '';
  });

  const amount = (): Amount => ({ text: text.trim(), ccy: amountCcy, at: path() });

  function onTxLeaf(t: TxDraft, rel: string, value: string): void {
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
        t.amount = amount();
        return;
      case 'AmtDtls/TxAmt/Amt':
        t.amount ??= amount();
        return;
      case 'CdtDbtInd':
        t.side = value;
        t.sideAt = path();
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

  function onEntryLeaf(e: EntryDraft, rel: string, value: string): void {
    switch (rel) {
      case 'Amt':
        e.amount = amount();
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
        e.bookingDate = dateAt(dayOf(value, rel), path(), 'BookgDt');
        return;
      case 'ValDt/Dt':
      case 'ValDt/DtTm':
        e.valueDate = dateAt(dayOf(value, rel), path(), 'ValDt');
        return;
      case 'AcctSvcrRef':
        e.accountServicerRef = detach(value);
        return;
      case 'NtryRef':
        e.entryRef = detach(value);
        return;
    }
  }

  /** The day of an ISODate (`Dt`) or the day part of an ISODateTime (`DtTm`), which must have its time. */
  function dayOf(value: string, rel: string): string {
    if (!rel.endsWith('DtTm')) return value;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value)) {
      throw new StatementRejected(
        'INVALID_DATE',
        path(),
        `${rel} ${JSON.stringify(value.slice(0, 40))} is not a date and time YYYY-MM-DDThh:mm:ss`,
      );
    }
    return value.slice(0, 10);
  }

  function onBalanceLeaf(b: BalanceDraft, rel: string, value: string): void {
    if (rel === 'Tp/CdOrPrtry/Cd') b.code = value;
    else if (rel === 'Amt') b.amount = amount();
    else if (rel === 'CdtDbtInd') b.side = value;
  }

  function onStatementLeaf(s: StatementDraft, rel: string, value: string): void {
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
            path(),
            `NbOfNtries ${JSON.stringify(value)} is not a count`,
          );
        s.declaredCount = Number(value);
        s.declaredCountAt = path();
        return;
    }
  }

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

  function closeEntry(s: StatementDraft, e: EntryDraft): void {
    if (!e.amount) throw new StatementRejected('MISSING_FIELD', e.at, 'the entry has no Amt');
    const { amountMinor, currency } = money(e.amount);
    const side = sideOf(e.side, `${e.at}/CdtDbtInd`);
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
    const reversal = e.reversal === 'true' || e.reversal === '1';
    if (status === 'BOOKED') {
      statementCurrency(s, currency, e.amount.at);
      s.bookedNetMinor += side === 'CREDIT' ? amountMinor : -amountMinor;
    }
    const lineOf = (at: string, lineSide: Side, lineAmountMinor: bigint, refs: TxDraft['refs'] | undefined) =>
      makeLine({
        format,
        statementId: s.id ?? '',
        account: s.account,
        at,
        side: lineSide,
        reversal,
        status,
        amountMinor: lineAmountMinor,
        currency,
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
    const splits = e.txs.length > 1 && e.txs.every((t) => t.amount !== undefined);
    if (!splits) {
      // One transaction (or none, or a batch without amounts per transaction): one line with the entry amount.
      push(lineOf(e.at, side, amountMinor, e.txs.length === 1 ? e.txs[0]?.refs : undefined));
      return;
    }
    // A batch: one line per transaction, whose amounts must add up to the entry.
    let netMinor = 0n;
    const txLines: StatementLine[] = [];
    for (const t of e.txs) {
      if (!t.amount) continue;
      const m = money(t.amount);
      if (m.currency !== currency) {
        throw new StatementRejected(
          'CURRENCY_MISMATCH',
          t.amount.at,
          `transaction amount in ${m.currency} inside an entry in ${currency}`,
        );
      }
      const txSide = t.side === undefined ? side : sideOf(t.side, t.sideAt ?? t.at);
      netMinor += txSide === side ? m.amountMinor : -m.amountMinor;
      txLines.push(lineOf(t.at, txSide, m.amountMinor, t.refs));
    }
    if (netMinor !== amountMinor) {
      throw new StatementRejected(
        'BALANCE_MISMATCH',
        e.at,
        `the entry's ${e.txs.length} transactions add up to ${netMinor} minor units, the entry amount is ${amountMinor}`,
      );
    }
    for (const l of txLines) push(l);
  }

  function push(line: StatementLine): void {
    if (lines.length >= entriesMax) {
      throw new StatementRejected('TOO_MANY_ENTRIES', line.at, `more than entriesMax (${entriesMax}) lines`);
    }
    lines.push(line);
    if (stmt) stmt.lineCount++;
  }

  function closeStatement(s: StatementDraft): void {
    if (!type) return;
    const byCode = (code: string) => s.balances.find((b) => b.code === code);
    const signed = (draft: BalanceDraft | undefined): bigint | undefined => {
      if (!draft) return undefined;
      if (!draft.amount) throw new StatementRejected('MISSING_FIELD', draft.at, 'the balance has no Amt');
      const m = money(draft.amount);
      statementCurrency(s, m.currency, draft.amount.at);
      const side = sideOf(draft.side, `${draft.at}/CdtDbtInd`);
      return side === 'CREDIT' ? m.amountMinor : -m.amountMinor;
    };
    const o = signed(byCode('OPBD') ?? byCode('PRCD'));
    const c = signed(byCode('CLBD'));
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
    statements.push({
      format,
      statementId: s.id ?? '',
      ...(s.account !== undefined && { account: s.account }),
      ...(s.currency !== undefined && { currency: s.currency }),
      ...(o !== undefined && { openingBalanceMinor: o }),
      ...(c !== undefined && { closingBalanceMinor: c }),
      entryCount: s.entryCount,
      lineCount: s.lineCount,
      at: s.at,
    });
  }

  const where = (): string => (stack.length > 0 ? path() : `line ${parser.line}`);
  try {
    for await (const chunk of textChunks(source, statementBytesMax, where)) {
      for (let i = 0; i < chunk.length; i += WRITE_CHARS) {
        const piece = i === 0 && chunk.length <= WRITE_CHARS ? chunk : chunk.slice(i, i + WRITE_CHARS);
        sinceToken += piece.length;
        parser.write(piece);
        // Every event resets the count, so it is (at most a piece more than) the length of the token in progress.
        if (sinceToken > XML_TOKEN_CHARS_MAX) {
          throw new StatementRejected(
            'LIMIT_EXCEEDED',
            where(),
            `a tag, text or comment longer than XML_TOKEN_CHARS_MAX (${XML_TOKEN_CHARS_MAX} characters) near line ${parser.line}`,
          );
        }
      }
    }
    parser.close();
  } catch (e) {
    if (e instanceof StatementRejected) throw e;
    // saxes reports well-formedness errors as "file:line:column: message".
    const message = e instanceof Error ? e.message : String(e);
    throw new StatementRejected('MALFORMED', stack.length > 0 ? path() : `line ${parser.line}`, message);
  }
  if (!type) throw new StatementRejected('MALFORMED', '/', 'no Document element');
  if (statements.length === 0) {
    throw new StatementRejected(
      'EMPTY_STATEMENT',
      `/Document/${MESSAGE_ROOT[type]}`,
      `no ${STATEMENT_ELEMENT[type]} in the ${type} message`,
    );
  }
  return { statements, lines };
}
