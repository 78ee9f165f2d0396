import { describe, expect, it } from 'vitest';

import type { Actor } from './actor';
import type { BreakRecord } from './breakMachine';
import { decideCase, type CaseFacts } from './caseDecision';
import type { LegRole, RouteStop } from './leg';
import type { LegFacts } from './matching';

const ROUTE: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];
const digests = {
  amountMinor: 'a',
  currency: 'c',
  valueDate: 'v',
  payerRef: 'p',
  payeeRef: 'q',
  outcome: 'o',
};
const leg = (legId: string, mspId: string, role: LegRole, amount = 'a'): LegFacts => ({
  legId,
  mspId,
  role,
  route: ROUTE,
  digests: { ...digests, amountMinor: amount },
});
const actor: Actor = { id: 'x509::sys', mspId: 'BankBMSP', name: 'sys', roles: ['submitter'] };
const stamp = { actor, at: '2026-12-07T11:00:00.000Z', txId: 't'.repeat(64) };
const ids = (findingKey: string, generation: number) => `brk-${findingKey}-${generation}`;
const base: CaseFacts = {
  caseId: 'c'.repeat(64),
  parties: ['BankAMSP', 'BankBMSP', 'ClearingHouseMSP'],
  legs: [],
  breaks: [],
  otherCases: [],
  awaitingLegs: true,
};

describe('decideCase', () => {
  it('opens a break per new finding and takes a complete case out of the due index', () => {
    const legs = [leg('a', 'BankAMSP', 'DEBTOR_AGENT'), leg('c', 'ClearingHouseMSP', 'CLEARING')];
    const d = decideCase(
      { ...base, legs: [...legs, leg('b', 'BankBMSP', 'CREDITOR_AGENT', 'z')] },
      new Map(),
      false,
      stamp,
      ids,
    );
    expect(d.status).toBe('BROKEN');
    expect(d.writes.map((w) => [w.action, w.record.breakId, w.record.status])).toEqual([
      ['OPEN', 'brk-AMOUNT_MISMATCH-0', 'OPEN'],
    ]);
    expect(d.breaks).toEqual([
      { breakId: 'brk-AMOUNT_MISMATCH-0', cleared: false, findingKey: 'AMOUNT_MISMATCH', open: true },
    ]);
    expect([d.leavesDueIndex, d.awaitingLegs, d.matchedAt]).toEqual([true, false, undefined]);
  });

  it('updates an open break only when its detail changed, and clears it when its finding is gone', () => {
    const legs = [leg('a', 'BankAMSP', 'DEBTOR_AGENT'), leg('b', 'BankBMSP', 'CREDITOR_AGENT', 'z')];
    const first = decideCase({ ...base, legs }, new Map(), false, stamp, ids);
    const opened = first.writes[0]?.record as BreakRecord;
    const after = { ...base, legs, breaks: first.breaks, awaitingLegs: first.awaitingLegs };
    const open = new Map([[opened.breakId, opened]]);
    // The same legs again: nothing to write.
    expect(decideCase(after, open, false, stamp, ids).writes).toEqual([]);
    // The clearing entry agrees with the debit: the groups of the finding change, the break is updated.
    const more = { ...after, legs: [...legs, leg('c', 'ClearingHouseMSP', 'CLEARING')] };
    const updated = decideCase(more, open, false, stamp, ids);
    expect(updated.writes.map((w) => w.action)).toEqual(['UPDATE']);
    // The credit corrected (a leg with the right amount replaces it): the break is cleared, the case matches.
    const fixed = {
      ...after,
      legs: [
        leg('a', 'BankAMSP', 'DEBTOR_AGENT'),
        leg('c', 'ClearingHouseMSP', 'CLEARING'),
        leg('b', 'BankBMSP', 'CREDITOR_AGENT'),
      ],
    };
    const cleared = decideCase(fixed, open, false, stamp, ids);
    expect(cleared.writes.map((w) => [w.action, w.record.status])).toEqual([['CLEAR', 'RESOLVED']]);
    expect(cleared.breaks).toEqual([{ ...first.breaks[0], cleared: true, open: false }]);
    expect([cleared.status, cleared.matchedAt]).toEqual(['MATCHED', stamp.at]);
  });

  it('opens a new generation when a cleared finding comes back, and refuses to decide without an open break', () => {
    const refs = [
      { breakId: 'brk-AMOUNT_MISMATCH-0', cleared: true, findingKey: 'AMOUNT_MISMATCH', open: false },
    ];
    const legs = [leg('a', 'BankAMSP', 'DEBTOR_AGENT'), leg('b', 'BankBMSP', 'CREDITOR_AGENT', 'z')];
    const d = decideCase({ ...base, legs, breaks: refs }, new Map(), false, stamp, ids);
    expect(d.writes.map((w) => w.record.breakId)).toEqual(['brk-AMOUNT_MISMATCH-1']);
    const open = [{ ...refs[0], cleared: false, open: true }] as CaseFacts['breaks'];
    expect(() => decideCase({ ...base, legs, breaks: open }, new Map(), false, stamp, ids)).toThrow(
      /open break brk-AMOUNT_MISMATCH-0 was not given/,
    );
  });
});
