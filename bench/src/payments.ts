import type { LegInput } from '../../application/src/ledger/ledgerGateway';
import type { Random } from '../../application/src/simulation/random';
import type { RouteStop } from '../../chaincode/src/core/leg';

export const ROUTE: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];

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
    legs.debit.push({ ...base, legId: `A-${tag}${i}`, role: 'DEBTOR_AGENT', branch: '0001' });
    legs.entry.push({ ...base, legId: `C-${tag}${i}`, role: 'CLEARING' });
    const amountMinor =
      breakEvery > 0 && i % breakEvery === 0 ? String(Number(base.amountMinor) + 1) : base.amountMinor;
    legs.credit.push({ ...base, amountMinor, legId: `B-${tag}${i}`, role: 'CREDITOR_AGENT', branch: '0101' });
  }
  return legs;
}
