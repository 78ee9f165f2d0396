import { assert } from '../assert';
import { fail } from '../errors';
import { parseMspId } from '../leg';
import { parseAmountMinor, type Currency } from '../money';
import { parseClientId } from '../reference';
import { requireAccess } from './access';
import { daysBetween } from './calendar';
import { RECEIVABLES_LIMITS, type ReceivablesPolicy } from './limits';
import type { BankParty, EnterpriseParty } from './parties';
import { inputObject } from './parties';
import { requireMovable, type PartRecord } from './part';
import type { Screening } from './screening';
import type { TokenRecord } from './token';
import { personOf, todayOf, type MutationMeta, type PersonRef, type TradeRecord } from './trade';

// ---- The arithmetic -------------------------------------------------------------------------------------------

export const DAY_COUNTS = ['ACT/360', 'ACT/365F'] as const;
export type DayCount = (typeof DAY_COUNTS)[number];

/** The year's length in days by convention: ACT/365F counts 365 in a leap year too (F: fixed). */
export function yearBasisOf(dayCount: DayCount): bigint {
  switch (dayCount) {
    case 'ACT/360':
      return 360n;
    case 'ACT/365F':
      return 365n;
  }
}

export interface Discount {
  /** Actual calendar days from the financing day (counted) to the maturity date (not counted). */
  readonly days: number;
  readonly discountMinor: bigint;
  readonly feeMinor: bigint;
  readonly proceedsMinor: bigint;
}

/**
 * The discount on `amountMinor` at `rateBp` basis points a year for `days` days:
 *
 *     discount = amount × rateBp × days / (10 000 × basis), rounded half up to a whole minor unit
 *              = floor((2 × amount × rateBp × days + 10 000 × basis) / (2 × 10 000 × basis))
 *     proceeds = amount − discount − fee
 *
 * all in bigint, so no step rounds but the last, which is off the exact value by at most half a minor unit (a
 * tie, exactly half, goes up). The fee is the bank's own line, never folded into the rate.
 */
export function computeDiscount(
  amountMinor: bigint,
  rateBp: number,
  days: number,
  dayCount: DayCount,
  feeMinor: bigint,
): Discount {
  assert(amountMinor > 0n && feeMinor >= 0n, 'amounts are parsed before the arithmetic');
  assert(
    Number.isSafeInteger(rateBp) && rateBp >= 0 && Number.isSafeInteger(days) && days > 0,
    'rate and days are whole',
  );
  const denominator = 10_000n * yearBasisOf(dayCount);
  const numerator = amountMinor * BigInt(rateBp) * BigInt(days);
  const discountMinor = (2n * numerator + denominator) / (2n * denominator);
  return { days, discountMinor, feeMinor, proceedsMinor: amountMinor - discountMinor - feeMinor };
}

// ---- Offers ---------------------------------------------------------------------------------------------------

/** An offer of a part to a bank (`bank`: the MSP ID of the bank asked to finance it). */
export type OfferInput = Readonly<{ offerId: string; partId: string; bank: string }>;

export function parseOfferInput(raw: unknown, field = 'offer'): OfferInput {
  const o = inputObject(raw, field, '{ offerId, partId, bank }');
  if (typeof o.partId !== 'string' || o.partId.length === 0 || o.partId.length > 200)
    fail('INVALID_INPUT', `${field}.partId must be a part id`);
  return {
    bank: parseMspId(o.bank, `${field}.bank`),
    offerId: parseClientId(o.offerId, `${field}.offerId`),
    partId: o.partId,
  };
}

/** The holder offers a part it may move to a bank; the part is locked (PART_LOCKED) until the bank answers. */
export function decideOffer(
  part: PartRecord,
  input: OfferInput,
  meta: Omit<MutationMeta, 'inputHash'>,
): { outcome: 'OFFERED' | 'UNCHANGED'; part: PartRecord } {
  if (part.partId !== input.partId)
    fail('INVALID_INPUT', `offer names part ${input.partId}, but part ${part.partId} was given`);
  // The same offer again (still open, or since financed) changes nothing, for the enterprise that made it.
  const offeredBy = part.financing?.financingId === input.offerId ? part.financing.from : part.holder;
  requireAccess(meta.actor, 'OFFER_FINANCING', [offeredBy]);
  if (part.offer?.offerId === input.offerId || part.financing?.financingId === input.offerId) {
    if (part.offer !== null && part.offer.bank !== input.bank)
      fail(
        'IDEMPOTENCY_CONFLICT',
        `offer ${input.offerId} was made to ${part.offer.bank}, not ${input.bank}`,
      );
    return { outcome: 'UNCHANGED', part };
  }
  requireMovable(part, todayOf(meta), 'offer');
  return {
    outcome: 'OFFERED',
    part: {
      ...part,
      offer: {
        at: meta.at,
        bank: input.bank,
        by: personOf(meta.actor),
        offerId: input.offerId,
        txId: meta.txId,
      },
      status: 'OFFERED',
    },
  };
}

/** The holder takes its offer back before the bank answered. */
export function decideOfferWithdrawal(part: PartRecord, meta: Omit<MutationMeta, 'inputHash'>): PartRecord {
  requireAccess(meta.actor, 'WITHDRAW_OFFER', [part.holder]);
  if (part.status !== 'OFFERED')
    fail('INVALID_TRANSITION', `part ${part.partId} is ${part.status}, not offered`);
  return { ...part, offer: null, status: 'HELD' };
}

// ---- The bank's answer ----------------------------------------------------------------------------------------

export interface FinancingTerms {
  readonly rateBp: number;
  readonly dayCount: DayCount;
  readonly feeMinor: bigint;
}

/**
 * The bank's terms. The rate is a whole number of basis points a year, from 0 (a programme whose interest the
 * core enterprise bears) to RECEIVABLES_LIMITS.discountRateBpMax; the fee is a decimal string of minor units, "0"
 * for none.
 */
export function parseFinancingTerms(raw: unknown, field = 'terms'): FinancingTerms {
  const o = inputObject(raw, field, '{ rateBp, dayCount, feeMinor }');
  const max = RECEIVABLES_LIMITS.discountRateBpMax;
  if (typeof o.rateBp !== 'number' || !Number.isInteger(o.rateBp))
    fail('INVALID_INPUT', `${field}.rateBp must be a whole number of basis points a year (350 = 3.50 %)`);
  if (o.rateBp < 0) fail('INVALID_INPUT', `${field}.rateBp must not be negative, got ${o.rateBp}`);
  if (o.rateBp > max)
    fail(
      'INVALID_INPUT',
      `${field}.rateBp ${o.rateBp} is above ${max} (${max / 100} % a year): not a discount rate`,
    );
  if (typeof o.dayCount !== 'string' || !(DAY_COUNTS as readonly string[]).includes(o.dayCount))
    fail(
      'INVALID_INPUT',
      `${field}.dayCount must be ${DAY_COUNTS.join(' or ')}, got ${JSON.stringify(o.dayCount)}`,
    );
  const feeMinor =
    o.feeMinor === undefined || o.feeMinor === '0' ? 0n : parseAmountMinor(o.feeMinor, `${field}.feeMinor`);
  return { dayCount: o.dayCount as DayCount, feeMinor, rateBp: o.rateBp };
}

export interface FinancingRecord {
  readonly financingId: string;
  readonly partId: string;
  readonly tokenId: string;
  /** The enterprise that held the part and receives the proceeds. */
  readonly seller: EnterpriseParty;
  readonly bank: BankParty;
  readonly debtor: EnterpriseParty;
  readonly amountMinor: bigint;
  readonly currency: Currency;
  readonly financedOn: string;
  readonly maturityDate: string;
  readonly days: number;
  readonly dayCount: DayCount;
  readonly rateBp: number;
  readonly discountMinor: bigint;
  readonly feeMinor: bigint;
  readonly proceedsMinor: bigint;
  readonly rounding: 'HALF_UP';
  readonly acceptedBy: PersonRef;
  readonly txId: string;
  /** The screening of the seller against the shared blacklist in the financing's transaction (screening.ts). */
  readonly screening?: Screening;
}

/**
 * What the public registry of receivable transfers and pledges asks for (in China, the central bank's credit
 * reference centre's registry): the parties, the receivable and its amount, the dates, and the trade that backs
 * it with its documents' hashes, both the trade that brought the part to the seller and the token's original one.
 */
export interface RegistrationRecord {
  readonly kind: 'RECEIVABLE_TRANSFER';
  readonly financingId: string;
  readonly assignor: EnterpriseParty;
  readonly assignee: BankParty;
  readonly debtor: EnterpriseParty;
  readonly tokenId: string;
  readonly partId: string;
  readonly amountMinor: bigint;
  readonly currency: Currency;
  readonly financedOn: string;
  readonly maturityDate: string;
  readonly trade: TradeSummary;
  readonly originalTrade: TradeSummary;
  readonly txId: string;
}

export interface TradeSummary {
  readonly tradeId: string;
  readonly contractHash: string;
  readonly invoiceHash: string;
  readonly deliveryNoteHash: string;
  readonly invoiceCode: string;
  readonly invoiceNumber: string;
}

function summaryOf(t: TradeRecord): TradeSummary {
  return {
    contractHash: t.contractHash,
    deliveryNoteHash: t.deliveryNoteHash,
    invoiceCode: t.invoiceCode,
    invoiceHash: t.invoiceHash,
    invoiceNumber: t.invoiceNumber,
    tradeId: t.tradeId,
  };
}

export type FinancingAnswer =
  | { readonly outcome: 'UNCHANGED'; readonly part: PartRecord }
  | { readonly outcome: 'DECLINED'; readonly part: PartRecord }
  | {
      readonly outcome: 'FINANCED';
      readonly part: PartRecord;
      readonly financing: FinancingRecord;
      readonly registration: RegistrationRecord;
    };

/**
 * The offered bank's financier accepts (with terms) or declines. On acceptance the part passes to the bank,
 * FINANCED (locked against any other financing and every move), and the financing and its registration record
 * are made. `trades` are the part's trade and the token's trade (the same record for a root part).
 */
export function decideFinancingAnswer(
  part: PartRecord,
  offerId: string,
  answer: { readonly kind: 'ACCEPT'; readonly terms: FinancingTerms } | { readonly kind: 'DECLINE' },
  context: { readonly token: TokenRecord; readonly partTrade: TradeRecord; readonly tokenTrade: TradeRecord },
  policy: ReceivablesPolicy,
  meta: Omit<MutationMeta, 'inputHash'>,
): FinancingAnswer {
  // Who acts, first: the bank the part is offered to, or the bank that holds it (a replay of its acceptance).
  const asked = part.offer?.bank ?? (part.holder.kind === 'BANK' ? part.holder.mspId : undefined);
  const banks: BankParty[] = asked === undefined ? [] : [{ kind: 'BANK', mspId: asked }];
  requireAccess(meta.actor, 'ANSWER_FINANCING', banks);
  if (part.financing?.financingId === offerId && answer.kind === 'ACCEPT')
    return { outcome: 'UNCHANGED', part };
  if (part.status !== 'OFFERED' || part.offer?.offerId !== offerId)
    fail('INVALID_TRANSITION', `part ${part.partId} has no open offer ${offerId} (it is ${part.status})`);
  const bank: BankParty = { kind: 'BANK', mspId: part.offer.bank };
  if (answer.kind === 'DECLINE')
    return { outcome: 'DECLINED', part: { ...part, offer: null, status: 'HELD' } };
  const seller = part.holder;
  assert(seller.kind === 'ENTERPRISE', 'an offered part is held by an enterprise');
  assert(
    context.token.tokenId === part.tokenId &&
      context.partTrade.tradeId === part.tradeId &&
      context.tokenTrade.tradeId === context.token.tradeId,
    'the contract passes the part its own token and trades',
  );
  const today = todayOf(meta);
  const days = daysBetween(today, part.maturityDate);
  if (days < 1)
    fail(
      'PART_MATURED',
      `part ${part.partId} matures on ${part.maturityDate}; it cannot be financed from that day`,
    );
  const { terms } = answer;
  const feeCap = (part.amountMinor * BigInt(policy.feeBpMax)) / 10_000n;
  if (terms.feeMinor > feeCap)
    fail(
      'POLICY_VIOLATION',
      `terms.feeMinor ${terms.feeMinor} is above the policy's cap of ${policy.feeBpMax} bp of the part (${feeCap} minor units)`,
    );
  const d = computeDiscount(part.amountMinor, terms.rateBp, days, terms.dayCount, terms.feeMinor);
  if (d.proceedsMinor <= 0n)
    fail('INVALID_INPUT', `the discount (${d.discountMinor}) and fee (${d.feeMinor}) leave no proceeds`);
  const financing: FinancingRecord = {
    acceptedBy: personOf(meta.actor),
    amountMinor: part.amountMinor,
    bank,
    currency: part.currency,
    dayCount: terms.dayCount,
    days,
    debtor: part.issuer,
    discountMinor: d.discountMinor,
    feeMinor: d.feeMinor,
    financedOn: today,
    financingId: offerId,
    maturityDate: part.maturityDate,
    partId: part.partId,
    proceedsMinor: d.proceedsMinor,
    rateBp: terms.rateBp,
    rounding: 'HALF_UP',
    seller,
    tokenId: part.tokenId,
    txId: meta.txId,
  };
  return {
    financing,
    outcome: 'FINANCED',
    part: {
      ...part,
      financing: { financingId: offerId, from: seller },
      holder: bank,
      offer: null,
      status: 'FINANCED',
    },
    registration: {
      amountMinor: part.amountMinor,
      assignee: bank,
      assignor: seller,
      currency: part.currency,
      debtor: part.issuer,
      financedOn: today,
      financingId: offerId,
      kind: 'RECEIVABLE_TRANSFER',
      maturityDate: part.maturityDate,
      originalTrade: summaryOf(context.tokenTrade),
      partId: part.partId,
      tokenId: part.tokenId,
      trade: summaryOf(context.partTrade),
      txId: meta.txId,
    },
  };
}
