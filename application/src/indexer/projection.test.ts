import { describe, expect, it } from 'vitest';

import type { BreakChange } from '../../../chaincode/src/ledger/events';
import { SealNonces, seal, sealKey } from '../../../chaincode/src/ledger/seal';
import type { ChangeNotice } from '../ledger/ledgerGateway';
import { comparePositions } from '../readModel/rows';
import { mergeProjections, openPeople, project } from './projection';

const actor = { mspId: 'BankBMSP', id: 'x509::bruno', name: 'bruno' };
const reference = 'e2e-20261127-000042';
const nonces = new SealNonces('t1');
/** Sealed under case c1's people key, as the chaincode seals a step's persons. */
const sealed = (value: unknown) => seal(reference, 'c1', nonces.next(), JSON.stringify(value), 'people');
const route = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' as const },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' as const },
];

function brk(over: Partial<BreakChange>): BreakChange {
  return {
    breakId: 'b1',
    caseId: 'c1',
    reason: 'AMOUNT_MISMATCH',
    status: 'OPEN',
    action: 'OPEN',
    parties: ['BankAMSP', 'BankBMSP'],
    findingKey: 'AMOUNT',
    detail: {},
    openedAt: '2026-11-27T10:00:00.000Z',
    people: '',
    entry: {
      seq: 0,
      action: 'OPEN',
      from: null,
      to: 'OPEN',
      people: '',
      at: '2026-11-27T10:00:00.000Z',
      txId: 't1',
      comment: '',
    },
    ...over,
  };
}

const notice = (over: Partial<ChangeNotice>): ChangeNotice => ({
  txId: 't1',
  at: '2026-11-27T10:00:00.000Z',
  blockNumber: 5n,
  txIndex: 0,
  cases: [],
  breaks: [],
  legs: [],
  ...over,
});

describe('projection', () => {
  it('marks what the institution is party to and what it posted', () => {
    const p = project(
      notice({
        cases: [
          {
            caseId: 'c1',
            status: 'MATCHED',
            parties: ['BankAMSP', 'BankBMSP'],
            legCount: 2,
            expected: route,
            openedAt: '2026-11-27T09:59:00.000Z',
            updatedAt: '2026-11-27T10:00:00.000Z',
            dueAtMs: Date.parse('2026-11-27T10:00:59.000Z'),
          },
        ],
        legs: [
          {
            mspId: 'BankAMSP',
            legId: 'A1',
            caseId: 'c1',
            role: 'DEBTOR_AGENT',
            postedAt: '2026-11-27T09:59:00.000Z',
          },
          {
            mspId: 'BankBMSP',
            legId: 'B1',
            caseId: 'c1',
            role: 'CREDITOR_AGENT',
            postedAt: '2026-11-27T10:00:00.000Z',
          },
        ],
      }),
      'BankAMSP',
    );
    expect(p.cases.get('c1')).toMatchObject({ isParty: true, matchedAt: '2026-11-27T10:00:00.000Z' });
    expect(p.cases.get('c1')?.dueAt).toBe('2026-11-27T10:00:59.000Z');
    expect(p.legs.map((l) => l.isOwn)).toEqual([true, false]);
    expect(p.daily.get('2026-11-27')).toMatchObject({ legsPosted: 2, ownLegsPosted: 1 });
  });

  it('keeps the last state of a break changed twice in one transaction and every timeline entry', () => {
    const assign = brk({
      status: 'ASSIGNED',
      action: 'ASSIGN',
      people: sealed({ assignee: { mspId: 'BankBMSP', id: '', name: 'bruno' } }),
      entry: {
        seq: 1,
        action: 'ASSIGN',
        from: 'OPEN',
        to: 'ASSIGNED',
        people: sealed({ actor, assignee: 'bruno' }),
        at: '2026-11-27T10:00:00.000Z',
        txId: 't1',
        comment: 's',
      },
    });
    const p = project(notice({ breaks: [brk({}), assign] }), 'BankAMSP');
    expect(p.breaks.get('b1')).toMatchObject({ status: 'ASSIGNED', lastSeq: 1, isParty: true });
    expect(p.transitions.map((t) => t.entry.seq)).toEqual([0, 1]);
    // The change names nobody in plaintext: without the case's people key the index cannot name them either.
    expect(p.openBreaks.get('b1')).toMatchObject({ status: 'ASSIGNED', assignee: null });
    // The index keeps them as the ledger holds them, sealed, to name them once it holds the reference.
    expect(p.breaks.get('b1')?.assignee).toEqual({ sealed: assign.people });
    expect(p.transitions[1]?.entry.actor).toEqual({ mspId: '', id: assign.entry?.people, name: '' });
    expect(p.transitions[0]?.entry.actor).toEqual({ mspId: '', id: '', name: '' }); // matching's own step
    // With it (the node holds the reference), the assignee and each step's actor are named.
    const named = openPeople(p, 'BankAMSP', (caseId) =>
      caseId === 'c1' ? sealKey(reference, 'c1', 'people') : undefined,
    );
    expect(named.openBreaks.get('b1')).toMatchObject({ assignee: { mspId: 'BankBMSP', name: 'bruno' } });
    expect(named.breaks.get('b1')?.assignee).toEqual({ mspId: 'BankBMSP', id: '', name: 'bruno' });
    expect(named.transitions.map((t) => [t.entry.actor.name, t.entry.assignee])).toEqual([
      ['', undefined],
      ['bruno', 'bruno'],
    ]);
    // Another case's key opens nothing of this one (the seal is bound to its case).
    expect(() => openPeople(p, 'BankAMSP', () => sealKey('e2e-20261127-000043', 'c1', 'people'))).toThrow();
    expect(p.daily.get('2026-11-27')?.byReason.get('AMOUNT_MISMATCH')).toEqual({ opened: 1, resolved: 0 });
  });

  it('takes a resolved break, or one the institution is not party to, out of the queue', () => {
    const cleared = brk({
      status: 'RESOLVED',
      action: 'CLEAR',
      resolution: 'CLEARED',
      entry: {
        seq: 1,
        action: 'CLEAR',
        from: 'OPEN',
        to: 'RESOLVED',
        people: '',
        at: '2026-11-27T10:00:00.000Z',
        txId: 't1',
        comment: '',
      },
    });
    expect(project(notice({ breaks: [cleared] }), 'BankAMSP').openBreaks.get('b1')).toBeNull();
    expect(project(notice({ breaks: [brk({})] }), 'PayCoMSP').openBreaks.get('b1')).toBeNull();
    expect(project(notice({ breaks: [cleared] }), 'BankAMSP').daily.get('2026-11-27')?.breaksResolved).toBe(
      1,
    );
  });

  it('merges consecutive transactions: latest state wins, an UPDATE keeps the last seq, counts add up', () => {
    const a = project(notice({ breaks: [brk({})] }), 'BankAMSP');
    const b = project(
      notice({
        txId: 't2',
        txIndex: 1,
        breaks: [brk({ action: 'UPDATE', entry: undefined, detail: { fields: ['amountMinor'] } })],
      }),
      'BankAMSP',
    );
    const m = mergeProjections([a, b]);
    expect(m.transactions.map((t) => t.txId)).toEqual(['t1', 't2']);
    expect(m.breaks.get('b1')).toMatchObject({
      lastSeq: 0,
      lastAction: 'UPDATE',
      detail: { fields: ['amountMinor'] },
    });
    expect(m.daily.get('2026-11-27')?.breaksOpened).toBe(1);
  });

  it('orders positions by block, then by transaction index', () => {
    expect(comparePositions({ blockNumber: 2n, txIndex: 9 }, { blockNumber: 3n, txIndex: 0 })).toBeLessThan(
      0,
    );
    expect(
      comparePositions({ blockNumber: 3n, txIndex: 1 }, { blockNumber: 3n, txIndex: 0 }),
    ).toBeGreaterThan(0);
    expect(comparePositions({ blockNumber: 3n, txIndex: 1 }, { blockNumber: 3n, txIndex: 1 })).toBe(0);
  });
});
