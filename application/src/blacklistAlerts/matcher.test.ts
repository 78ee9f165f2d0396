import { describe, expect, it } from 'vitest';
import fc from 'fast-check';

import type { EntryChange } from '../../../chaincode/src/ledger/blacklistEvents';
import {
  disputeChangesOf,
  matchAlerts,
  subjectKeysOf,
  type BlacklistNotice,
  type WatchedKey,
} from './matcher';

const key = (c: string) => c.repeat(64);
const entry = (
  subjectKey: string,
  uploader: string,
  status: EntryChange['status'] = 'ACTIVE',
): EntryChange => ({
  subjectKey,
  keyVersion: 1,
  uploader,
  category: 'MONEY_MULE',
  status,
  expiresOn: '2028-01-01',
});
const notice = (blockNumber: bigint, entries: EntryChange[]): BlacklistNotice => ({
  blockNumber,
  txIndex: 0,
  changes: {
    txId: `tx${String(blockNumber)}`,
    at: '2026-12-07T10:00:00.000Z',
    entries,
    queries: [],
    members: [],
    proposals: [],
    policyVersion: null,
  },
});

describe('matchAlerts', () => {
  const watched: WatchedKey[] = [
    { watchId: 'w-1', subjectKey: key('a'), sinceBlock: 5n },
    { watchId: 'w-2', subjectKey: key('b'), sinceBlock: 5n },
  ];

  it.each([
    ['another member lists a watched subject after the watch', 6n, entry(key('a'), 'BankAMSP'), ['w-1']],
    [
      'a dispute of a watched subject’s entry counts too',
      7n,
      entry(key('b'), 'BankAMSP', 'DISPUTED'),
      ['w-2'],
    ],
    ['the institution’s own listing', 6n, entry(key('a'), 'BankBMSP'), []],
    ['a subject nobody watches', 6n, entry(key('c'), 'BankAMSP'), []],
    ['a listing in the block the watch was added at', 5n, entry(key('a'), 'BankAMSP'), []],
    ['a listing before the watch', 3n, entry(key('a'), 'BankAMSP'), []],
  ] as const)('%s', (_what, block, change, expected) => {
    const alerts = matchAlerts('BankBMSP', [notice(block, [change])], watched);
    expect(alerts.map((a) => a.watchId)).toEqual(expected);
    for (const a of alerts)
      expect(a).toMatchObject({ blockNumber: block, txId: `tx${String(block)}`, entry: change });
  });

  it('names the subject keys other members’ changes touch, once each', () => {
    expect(
      subjectKeysOf('BankBMSP', [
        notice(1n, [entry(key('a'), 'BankAMSP'), entry(key('a'), 'PayCoMSP'), entry(key('b'), 'BankBMSP')]),
      ]),
    ).toEqual([key('a')]);
  });

  it('does not depend on the order of the watches (property)', () => {
    const hex = fc.constantFrom('a', 'b', 'c').map(key);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            watchId: fc.constantFrom('w-1', 'w-2', 'w-3'),
            subjectKey: hex,
            sinceBlock: fc.bigInt(0n, 9n),
          }),
        ),
        fc.array(
          fc.record({
            block: fc.bigInt(0n, 9n),
            subjectKey: hex,
            uploader: fc.constantFrom('BankAMSP', 'BankBMSP'),
          }),
        ),
        (watches, changes) => {
          const notices = changes.map((c) => notice(c.block, [entry(c.subjectKey, c.uploader)]));
          const forward = matchAlerts('BankBMSP', notices, watches);
          const backward = matchAlerts('BankBMSP', notices, [...watches].reverse());
          expect(backward).toEqual(forward);
        },
      ),
    );
  });
});

describe('disputeChangesOf', () => {
  it('takes every dispute change of a batch, whoever it concerns, in ledger order with its notice', () => {
    const dispute = (disputeId: string, uploader: string, disputer: string) => ({
      disputeId,
      subjectKey: key('d'),
      uploader,
      category: 'MONEY_MULE',
      disputer,
      status: 'AWAITING_ANSWER' as const,
      deadline: '2026-12-21',
    });
    const first = {
      ...notice(6n, []),
      changes: { ...notice(6n, []).changes, disputes: [dispute('d-1', 'BankAMSP', 'PayCoMSP')] },
    };
    const second = {
      ...notice(7n, []),
      changes: { ...notice(7n, []).changes, disputes: [dispute('d-2', 'BankBMSP', 'BankAMSP')] },
    };
    // From before the event named the disputer (an older ledger's blocks): left out, not a failure.
    const { disputer: _older, ...older } = dispute('d-0', 'BankAMSP', 'PayCoMSP');
    const old = {
      ...notice(5n, []),
      changes: { ...notice(5n, []).changes, disputes: [older as ReturnType<typeof dispute>] },
    };
    // A block without disputes (the field is absent) adds none.
    expect(disputeChangesOf([old, first, notice(6n, [entry(key('a'), 'BankAMSP')]), second])).toEqual([
      { notice: first, dispute: dispute('d-1', 'BankAMSP', 'PayCoMSP') },
      { notice: second, dispute: dispute('d-2', 'BankBMSP', 'BankAMSP') },
    ]);
  });
});
