import { fail } from '../errors';
import { canonicalRoute, type Leg } from '../leg';
import { LIMITS } from '../limits';
import { parseAmountMinor, parseCurrency } from '../money';
import { parseAccountRef, parseReference, type PaymentReference } from '../reference';
import { requireAccess } from './access';
import { addDays } from './calendar';
import { inputObject, bankOf, type Party } from './parties';
import type { PartRecord } from './part';
import { personOf, todayOf, type MutationMeta, type PersonRef, sameRequestAgain } from './trade';

/**
 * Maturity: the core enterprise pays each holder of an unpaid part, in full or in parts, from the maturity date
 * on. Each payment names the bank payment's end-to-end reference and the two accounts, and yields the two legs
 * the reconciliation ledger should see (the core enterprise's bank debits, the holder's bank credits): posted as
 * expected legs, a payment that is missing or short becomes a break there like any other. A part unpaid after its
 * maturity date is OVERDUE once a sweep on ledger time marks it; payments are still recorded after that.
 */
export interface PaymentInput {
  /** 1-56 characters: the legs' ids are made from it and stay within 64. */
  readonly paymentId: string;
  readonly partId: string;
  readonly amountMinor: bigint;
  /** The bank payment's end-to-end reference (UETR or EndToEndId): the reconciliation case it falls in. */
  readonly reference: PaymentReference;
  readonly payerAccount: string;
  readonly payeeAccount: string;
}

export interface PaymentRecord extends PaymentInput {
  readonly tokenId: string;
  readonly payer: Party;
  readonly payee: Party;
  readonly currency: string;
  readonly valueDate: string;
  /** Whether this payment completed the part. */
  readonly full: boolean;
  /** Paid on the part, this payment included. */
  readonly paidMinor: bigint;
  readonly recordedBy: PersonRef;
  readonly txId: string;
  readonly inputHash: string;
  readonly legs: readonly [Leg, Leg];
}

const PAYMENT_ID = /^[A-Za-z0-9._:-]{1,56}$/;

export function parsePaymentInput(raw: unknown, currency: string, field = 'payment'): PaymentInput {
  const o = inputObject(raw, field);
  if (typeof o.paymentId !== 'string' || !PAYMENT_ID.test(o.paymentId))
    fail('INVALID_INPUT', `${field}.paymentId must be 1-56 characters of A-Z a-z 0-9 . _ : -`);
  if (typeof o.partId !== 'string' || o.partId.length === 0 || o.partId.length > 200)
    fail('INVALID_INPUT', `${field}.partId must be a part id`);
  if (o.currency !== undefined && parseCurrency(o.currency, `${field}.currency`) !== currency)
    fail('AMOUNT_MISMATCH', `${field}.currency must be the part's currency, ${currency}`);
  return {
    amountMinor: parseAmountMinor(o.amountMinor, `${field}.amountMinor`),
    partId: o.partId,
    payeeAccount: parseAccountRef(o.payeeAccount, `${field}.payeeAccount`),
    payerAccount: parseAccountRef(o.payerAccount, `${field}.payerAccount`),
    paymentId: o.paymentId,
    reference: parseReference(o.reference, `${field}.reference`),
  };
}

/** The two legs a payment should produce on the reconciliation ledger, as plain data. */
export function paymentLegs(
  input: PaymentInput,
  payer: Party,
  payee: Party,
  currency: string,
  valueDate: string,
): [Leg, Leg] {
  const route = canonicalRoute([
    { mspId: bankOf(payer), role: 'DEBTOR_AGENT' },
    { mspId: bankOf(payee), role: 'CREDITOR_AGENT' },
  ]);
  const common = {
    amountMinor: input.amountMinor,
    currency: parseCurrency(currency),
    outcome: 'SETTLED' as const,
    payeeRef: input.payeeAccount,
    payerRef: input.payerAccount,
    reference: input.reference,
    route,
    valueDate,
  };
  return [
    { ...common, legId: `${input.paymentId}.debit`, mspId: bankOf(payer), role: 'DEBTOR_AGENT' },
    { ...common, legId: `${input.paymentId}.credit`, mspId: bankOf(payee), role: 'CREDITOR_AGENT' },
  ];
}

/**
 * The core enterprise's finance records a payment of a part, from its maturity date on. The amount is at most
 * what is still unpaid; the part is PAID when nothing is left, and an offer still open lapses (the holder is paid).
 * The same payment id again with the same input changes nothing.
 */
export function decidePayment(
  existing: PaymentRecord | undefined,
  part: PartRecord,
  input: PaymentInput,
  meta: MutationMeta,
): { outcome: 'PAID' | 'PARTLY_PAID' | 'UNCHANGED'; part: PartRecord; payment: PaymentRecord } {
  requireAccess(meta.actor, 'RECORD_PAYMENT', [part.issuer]);
  if (sameRequestAgain(existing, meta.inputHash, `payment ${input.paymentId} was already recorded`))
    return { outcome: 'UNCHANGED', part, payment: existing };
  if (part.partId !== input.partId)
    fail('INVALID_INPUT', `payment names part ${input.partId}, but part ${part.partId} was given`);
  if (part.status === 'SPENT')
    fail('PART_SPENT', `part ${part.partId} was spent by ${part.spentBy ?? 'a move'}: its outputs are paid`);
  if (part.status === 'PAID') fail('INVALID_TRANSITION', `part ${part.partId} is paid in full`);
  const today = todayOf(meta);
  if (today < part.maturityDate)
    fail('INVALID_TRANSITION', `part ${part.partId} is due on ${part.maturityDate}, not before`);
  const unpaid = part.amountMinor - part.paidMinor;
  if (input.amountMinor > unpaid)
    fail(
      'AMOUNT_MISMATCH',
      `payment of ${input.amountMinor} is more than the ${unpaid} minor units unpaid on part ${part.partId}`,
    );
  const paidMinor = part.paidMinor + input.amountMinor;
  const full = paidMinor === part.amountMinor;
  const status = full ? 'PAID' : part.status === 'OFFERED' ? 'HELD' : part.status;
  return {
    outcome: full ? 'PAID' : 'PARTLY_PAID',
    part: { ...part, offer: null, paidMinor, status },
    payment: {
      ...input,
      currency: part.currency,
      full,
      inputHash: meta.inputHash,
      legs: paymentLegs(input, part.issuer, part.holder, part.currency, today),
      paidMinor,
      payee: part.holder,
      payer: part.issuer,
      recordedBy: personOf(meta.actor),
      tokenId: part.tokenId,
      txId: meta.txId,
      valueDate: today,
    },
  };
}

/** The day a part unpaid at maturity becomes overdue: the day after its maturity date. */
export function overdueFrom(maturityDate: string): string {
  return addDays(maturityDate, 1);
}

/**
 * The sweep on ledger time `today`: the parts given that are unpaid after their maturity date become OVERDUE
 * (an open offer lapses). Parts already overdue, paid, spent or not yet past maturity are left as they are, so
 * running it twice changes nothing the second time. At most LIMITS.sweepMax parts per call.
 */
export function sweepOverdue(parts: readonly PartRecord[], today: string): PartRecord[] {
  if (parts.length > LIMITS.sweepMax)
    fail('BATCH_TOO_LARGE', `a sweep takes at most ${LIMITS.sweepMax} parts, got ${parts.length}`);
  const changed: PartRecord[] = [];
  for (const part of parts) {
    if (part.status !== 'HELD' && part.status !== 'OFFERED' && part.status !== 'FINANCED') continue;
    if (today <= part.maturityDate || part.paidMinor >= part.amountMinor) continue;
    changed.push({ ...part, offer: null, overdueSince: overdueFrom(part.maturityDate), status: 'OVERDUE' });
  }
  return changed;
}

/** Requires the sweep's caller to have a role (anyone may run it). */
export function requireSweepAccess(meta: Pick<MutationMeta, 'actor'>): void {
  requireAccess(meta.actor, 'SWEEP_OVERDUE', []);
}
