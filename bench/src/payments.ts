import type { LegInput } from '../../application/src/ledger/ledgerGateway';
import type { Random } from '../../application/src/simulation/random';
import type { RouteStop } from '../../chaincode/src/core/leg';

export const ROUTE: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];

/** Three routes between the four institutions: every one of them posts, the clearing house on each payment. */
export const ROUTES: readonly RouteStop[][] = [
  ['BankAMSP', 'BankBMSP'],
  ['BankBMSP', 'PayCoMSP'],
  ['PayCoMSP', 'BankAMSP'],
].map(([debtor, creditor]) => [
  { mspId: debtor as string, role: 'DEBTOR_AGENT' },
  { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
  { mspId: creditor as string, role: 'CREDITOR_AGENT' },
]);

/** What every leg of one new payment states: a fresh reference and an amount in minor units from 100 up. */
export function paymentFacts(rnd: Random, route: RouteStop[], amountMax: number) {
  return {
    reference: rnd.uuid(),
    route,
    amountMinor: String(rnd.int(100, amountMax)),
    currency: 'CNY',
    valueDate: '2026-11-27',
    payerRef: '6222020200112233445',
    payeeRef: '6217000011112222333',
    outcome: 'SETTLED' as const,
  };
}

type PaymentFacts = ReturnType<typeof paymentFacts>;

/**
 * One institution's leg of a payment, built by a single literal: every leg then shares one hidden class, as
 * the legs a member's API request parses into do. (An object spread such as `{ ...facts, legId }` gave every
 * leg a hidden class of its own in V8, which made the client's JSON encoding, and the collector's marking of
 * the held input, cost more than they do for a real request.)
 */
function leg(f: PaymentFacts, amountMinor: string, legId: string, role: RouteStop['role'], branch?: string) {
  const out: LegInput = {
    reference: f.reference,
    route: f.route,
    amountMinor,
    currency: f.currency,
    valueDate: f.valueDate,
    payerRef: f.payerRef,
    payeeRef: f.payeeRef,
    outcome: f.outcome,
    legId,
    role,
    branch,
  };
  return out;
}

/**
 * Each stop's legs of `size` new payments on `route`, leg ids `<tag>-<block>-<payment>-<stop>`. With
 * `breakEvery`, the last stop of one payment in that many states an amount one minor unit off (a break opens).
 */
export function legsByStop(
  rnd: Random,
  route: RouteStop[],
  size: number,
  tag: string,
  block: number,
  breakEvery = 0,
): LegInput[][] {
  const perStop: LegInput[][] = route.map(() => []);
  for (let i = 0; i < size; i++) {
    const f = paymentFacts(rnd, route, 10_000_000);
    const off = breakEvery > 0 && i % breakEvery === 0;
    route.forEach((stop, s) => {
      const amount = off && s === route.length - 1 ? String(BigInt(f.amountMinor) + 1n) : f.amountMinor;
      (perStop[s] as LegInput[]).push(
        leg(f, amount, `${tag}-${String(block)}-${String(i)}-${String(s)}`, stop.role),
      );
    });
  }
  return perStop;
}

/**
 * `n` payments along ROUTE, as the three institutions post them: debits, clearing entries, credits. With
 * `breakEvery`, one payment in that many gets a creditor amount off by one minor unit (an AMOUNT_MISMATCH).
 */
export function threeLegPayments(
  rnd: Random,
  n: number,
  tag: string,
  breakEvery = 0,
): Record<'debit' | 'entry' | 'credit', LegInput[]> {
  const legs: Record<'debit' | 'entry' | 'credit', LegInput[]> = { debit: [], entry: [], credit: [] };
  for (let i = 0; i < n; i++) {
    const base = paymentFacts(rnd, ROUTE, 10_000_000);
    legs.debit.push(leg(base, base.amountMinor, `A-${tag}${i}`, 'DEBTOR_AGENT', '0001'));
    legs.entry.push(leg(base, base.amountMinor, `C-${tag}${i}`, 'CLEARING'));
    const amountMinor =
      breakEvery > 0 && i % breakEvery === 0 ? String(Number(base.amountMinor) + 1) : base.amountMinor;
    legs.credit.push(leg(base, amountMinor, `B-${tag}${i}`, 'CREDITOR_AGENT', '0101'));
  }
  return legs;
}
