import { randomUUID } from 'node:crypto';

import type { RouteStop } from '../../chaincode/src/core/leg';
import { caseIdOf } from '../../chaincode/src/ledger/keys';
import type { LegInput } from '../../application/src/ledger/ledgerGateway';

export const ROUTE: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];

/** A payment from Bank A to Bank B without a clearing house between them. */
export const TWO_BANK_ROUTE: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];

let counter = 0;
/** A fresh, consistent set of legs for one payment along ROUTE; override fields per leg in tests. */
export function paymentLegs(over: Partial<LegInput> = {}) {
  const reference = randomUUID();
  const n = ++counter;
  const base = {
    reference,
    route: ROUTE,
    amountMinor: '1234567',
    currency: 'CNY',
    valueDate: '2026-11-27',
    payerRef: '6222020200112233445',
    payeeRef: '6217000011112222333',
    outcome: 'SETTLED' as const,
    ...over,
  };
  return {
    reference,
    /** The case the payment's legs go to: its reference on its route. */
    caseId: caseIdOf(reference, base.route),
    debit: {
      ...base,
      legId: `A-${n}-${reference.slice(0, 8)}`,
      role: 'DEBTOR_AGENT' as const,
      branch: '0001',
    },
    entry: { ...base, legId: `C-${n}-${reference.slice(0, 8)}`, role: 'CLEARING' as const },
    credit: {
      ...base,
      legId: `B-${n}-${reference.slice(0, 8)}`,
      role: 'CREDITOR_AGENT' as const,
      branch: '0101',
    },
  };
}
