import { fail } from '../errors';
import { parseAmountMinor, parseCurrency, type Currency } from '../money';
import { parseClientId, parseIsoDate } from '../reference';
import { requireAccess } from './access';
import { dayOf } from './calendar';
import {
  inputObject,
  parseEnterprise,
  partyLabel,
  sameParty,
  type EnterpriseParty,
  type ReceivablesActor,
} from './parties';

/**
 * A trade between a buyer and its supplier (the seller): the documents' hashes and the fields a token is checked
 * against. The buyer registers it, the seller confirms it; only a confirmed trade backs a token or a transfer.
 *
 * An invoice is named by one trade, ever, across the network: by its hash and by its code and number, each
 * claimed at registration (`invoiceClaims`). A trade backs one issue or one transfer (`boundTo`), so an invoice
 * backs at most one token or part in force. A token the supplier declines never was in force, and frees its trade.
 */
export interface TradeInput {
  readonly tradeId: string;
  readonly buyer: EnterpriseParty;
  readonly seller: EnterpriseParty;
  /** SHA-256 (hex) of the contract, the invoice and the delivery note; the documents stay with the parties. */
  readonly contractHash: string;
  readonly invoiceHash: string;
  readonly deliveryNoteHash: string;
  /** 10 or 12 digits; empty for a fully digital invoice (数电票), whose number alone has 20 digits. */
  readonly invoiceCode: string;
  readonly invoiceNumber: string;
  readonly amountMinor: bigint;
  readonly currency: Currency;
  readonly dueDate: string;
}

export const TRADE_STATUSES = ['REGISTERED', 'CONFIRMED'] as const;
export type TradeStatus = (typeof TRADE_STATUSES)[number];

/** What a trade backs once a token is issued or a part transferred against it. */
export interface TradeBinding {
  readonly kind: 'ISSUE' | 'MOVE';
  /** The token id (ISSUE) or the move id (MOVE). */
  readonly id: string;
  readonly txId: string;
}

export interface PersonRef {
  readonly mspId: string;
  readonly id: string;
  readonly name: string;
}

export interface TradeRecord extends TradeInput {
  readonly status: TradeStatus;
  readonly registeredBy: PersonRef;
  readonly registeredAt: string;
  readonly txId: string;
  readonly inputHash: string;
  readonly confirmedBy: PersonRef | null;
  readonly confirmedAt: string | null;
  readonly boundTo: TradeBinding | null;
}

/**
 * Whether a request with an id already on the ledger is that same request again (its input hash matches: the
 * caller answers UNCHANGED). The same id with other input is refused, naming the transaction that used it first;
 * `what` says what the id named ("move M-1 was already proposed").
 */
export function sameRequestAgain<T extends { readonly inputHash: string; readonly txId: string }>(
  existing: T | undefined,
  inputHash: string,
  what: string,
): existing is T {
  if (existing === undefined) return false;
  if (existing.inputHash !== inputHash)
    fail('IDEMPOTENCY_CONFLICT', `${what} with other content (tx ${existing.txId})`);
  return true;
}

/** A record decided under four eyes: who proposed it and when, under which input, and who signed it. */
export interface FourEyesRecord {
  readonly proposedBy: PersonRef;
  readonly proposedAt: string;
  readonly txId: string;
  readonly inputHash: string;
  readonly signedBy: PersonRef | null;
  readonly signedAt: string | null;
}

export interface MutationMeta {
  readonly actor: ReceivablesActor;
  /** The transaction's timestamp (ISO-8601, UTC). */
  readonly at: string;
  readonly txId: string;
  /** The hash of the canonical input (the contract makes it): the same id again with other input is a conflict. */
  readonly inputHash: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const TRADE_FIELDS = [
  'amountMinor',
  'buyer',
  'contractHash',
  'currency',
  'deliveryNoteHash',
  'dueDate',
  'invoiceCode',
  'invoiceHash',
  'invoiceNumber',
  'seller',
  'tradeId',
];

export function personOf(actor: ReceivablesActor): PersonRef {
  return { id: actor.id, mspId: actor.mspId, name: actor.name };
}

export function parseHash(value: unknown, field: string): string {
  if (typeof value !== 'string' || !HEX64.test(value))
    fail('INVALID_INPUT', `${field} must be a SHA-256 hash, 64 lower-case hex characters`);
  return value;
}

/**
 * The invoice's code and number as China's invoices print them: a code of 10 or 12 digits and a number of 8, or
 * (a fully digital invoice) no code and a number of 20 digits.
 */
export function parseInvoiceId(
  code: unknown,
  number: unknown,
  field: string,
): { code: string; number: string } {
  const c = code ?? '';
  if (typeof c !== 'string' || !/^(\d{10}|\d{12})?$/.test(c))
    fail('INVALID_INPUT', `${field}Code must be 10 or 12 digits, or empty for a fully digital invoice`);
  if (typeof number !== 'string') fail('INVALID_INPUT', `${field}Number is required, as digits in a string`);
  if (c === '' && !/^\d{20}$/.test(number))
    fail('INVALID_INPUT', `${field}Number of a fully digital invoice (no code) must be 20 digits`);
  if (c !== '' && !/^\d{8}$/.test(number))
    fail('INVALID_INPUT', `${field}Number must be 8 digits when the invoice has a code`);
  return { code: c, number };
}

export function parseTradeInput(raw: unknown, field = 'trade'): TradeInput {
  const o = inputObject(raw, field);
  for (const k of Object.keys(o))
    if (!TRADE_FIELDS.includes(k))
      fail('INVALID_INPUT', `${field}.${k} is not a field (expected ${TRADE_FIELDS.join(', ')})`);
  const buyer = parseEnterprise(o.buyer, `${field}.buyer`);
  const seller = parseEnterprise(o.seller, `${field}.seller`);
  if (buyer.enterpriseId === seller.enterpriseId)
    fail(
      'INVALID_INPUT',
      `${field}: the buyer and the seller are the same enterprise (${buyer.enterpriseId})`,
    );
  const invoice = parseInvoiceId(o.invoiceCode, o.invoiceNumber, `${field}.invoice`);
  return {
    amountMinor: parseAmountMinor(o.amountMinor, `${field}.amountMinor`),
    buyer,
    contractHash: parseHash(o.contractHash, `${field}.contractHash`),
    currency: parseCurrency(o.currency, `${field}.currency`),
    deliveryNoteHash: parseHash(o.deliveryNoteHash, `${field}.deliveryNoteHash`),
    dueDate: parseIsoDate(o.dueDate, `${field}.dueDate`),
    invoiceCode: invoice.code,
    invoiceHash: parseHash(o.invoiceHash, `${field}.invoiceHash`),
    invoiceNumber: invoice.number,
    seller,
    tradeId: parseClientId(o.tradeId, `${field}.tradeId`),
  };
}

/** The invoice's two names, each claimed once across the network: its hash, and its code and number. */
export interface InvoiceNames {
  readonly hash: string;
  /** `code/number`: digits only on each side, so the text reads back to one invoice. */
  readonly codeAndNumber: string;
}

export function invoiceNamesOf(trade: TradeInput): InvoiceNames {
  return { codeAndNumber: `${trade.invoiceCode}/${trade.invoiceNumber}`, hash: trade.invoiceHash };
}

/** The trade that already named each of the invoice's names, if any (the contract reads them by key). */
export interface InvoiceClaims {
  readonly byHash: string | undefined;
  readonly byCodeAndNumber: string | undefined;
}

export type TradeRegistration =
  | { readonly outcome: 'UNCHANGED'; readonly trade: TradeRecord }
  | { readonly outcome: 'REGISTERED'; readonly trade: TradeRecord; readonly claims: InvoiceNames };

/**
 * A trade registered by its buyer's finance (the access table: REGISTER_TRADE, checked first, as in every decision). The
 * same trade id again with the same input changes nothing; with other input it is IDEMPOTENCY_CONFLICT. An
 * invoice another trade already named is INVOICE_ALREADY_USED, whichever of its names matched.
 */
export function decideTradeRegistration(
  existing: TradeRecord | undefined,
  input: TradeInput,
  claims: InvoiceClaims,
  meta: MutationMeta,
): TradeRegistration {
  requireAccess(meta.actor, 'REGISTER_TRADE', [input.buyer]);
  if (sameRequestAgain(existing, meta.inputHash, `trade ${input.tradeId} was already registered`))
    return { outcome: 'UNCHANGED', trade: existing };
  if (claims.byHash !== undefined)
    fail(
      'INVOICE_ALREADY_USED',
      `the invoice with this hash is already the invoice of trade ${claims.byHash}`,
    );
  if (claims.byCodeAndNumber !== undefined)
    fail(
      'INVOICE_ALREADY_USED',
      `invoice ${input.invoiceCode || '(fully digital)'} ${input.invoiceNumber} is already the invoice of trade ${claims.byCodeAndNumber}`,
    );
  return {
    claims: invoiceNamesOf(input),
    outcome: 'REGISTERED',
    trade: {
      ...input,
      boundTo: null,
      confirmedAt: null,
      confirmedBy: null,
      inputHash: meta.inputHash,
      registeredAt: meta.at,
      registeredBy: personOf(meta.actor),
      status: 'REGISTERED',
      txId: meta.txId,
    },
  };
}

/** The seller confirms the trade; confirming it again changes nothing. */
export function decideTradeConfirmation(
  trade: TradeRecord,
  meta: Omit<MutationMeta, 'inputHash'>,
): { outcome: 'CONFIRMED' | 'UNCHANGED'; trade: TradeRecord } {
  requireAccess(meta.actor, 'CONFIRM_TRADE', [trade.seller]);
  if (trade.status === 'CONFIRMED') return { outcome: 'UNCHANGED', trade };
  return {
    outcome: 'CONFIRMED',
    trade: { ...trade, confirmedAt: meta.at, confirmedBy: personOf(meta.actor), status: 'CONFIRMED' },
  };
}

/**
 * Checks that `trade` may back an amount from `buyer` to `seller` now: confirmed, backing nothing yet, between
 * those two enterprises, in the same currency, for at least that amount.
 */
export function requireTradeAvailable(
  trade: TradeRecord,
  buyer: EnterpriseParty,
  seller: EnterpriseParty,
  amountMinor: bigint,
  currency: Currency,
  field: string,
): void {
  if (trade.status !== 'CONFIRMED')
    fail('TRADE_NOT_CONFIRMED', `${field}: trade ${trade.tradeId} is not confirmed by its seller yet`);
  if (trade.boundTo !== null)
    fail(
      'INVOICE_ALREADY_USED',
      `${field}: trade ${trade.tradeId} (and its invoice) already backs ${trade.boundTo.kind === 'ISSUE' ? 'token' : 'transfer'} ${trade.boundTo.id}`,
    );
  if (!sameParty(trade.buyer, buyer) || !sameParty(trade.seller, seller))
    fail(
      'NOT_A_PARTY',
      `${field}: trade ${trade.tradeId} is between ${partyLabel(trade.buyer)} and ${partyLabel(trade.seller)}, not ${partyLabel(buyer)} and ${partyLabel(seller)}`,
    );
  if (trade.currency !== currency)
    fail('AMOUNT_MISMATCH', `${field}: trade ${trade.tradeId} is in ${trade.currency}, not ${currency}`);
  if (amountMinor > trade.amountMinor)
    fail(
      'AMOUNT_MISMATCH',
      `${field}: ${amountMinor} is more than trade ${trade.tradeId}'s amount of ${trade.amountMinor} minor units`,
    );
}

export function bindTrade(trade: TradeRecord, binding: TradeBinding): TradeRecord {
  return { ...trade, boundTo: binding };
}

/** A declined token frees its trade: the token never was in force, so its invoice backed nothing. */
export function releaseTrade(trade: TradeRecord, id: string): TradeRecord {
  if (trade.boundTo?.id !== id) fail('INVALID_TRANSITION', `trade ${trade.tradeId} does not back ${id}`);
  return { ...trade, boundTo: null };
}

/** The ledger day of a mutation. */
export function todayOf(meta: { readonly at: string }): string {
  return dayOf(meta.at);
}
