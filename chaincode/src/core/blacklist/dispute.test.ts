import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { refusal } from '../../../../test/support/refusal';

import type { Actor, Role } from '../actor';
import { addDays } from './dates';
import {
  decideDisputeStep,
  decideOpenDispute,
  DISPUTE_ACTIONS,
  DISPUTE_STATUSES,
  DISPUTE_TRANSITIONS,
  entryAfterPurge,
  entryAfterStep,
  entryStatusFor,
  parseDisputeAction,
  parseDisputeInput,
  type DisputeAction,
  type DisputeRecord,
  type DisputeStatus,
} from './dispute';
import type { EntryRecord } from './entry';
import { GENESIS_POLICY } from './policy';
import { majorityOf, type MemberRecord } from './proposal';
import { entryFixture } from '../../../../test/support/blacklistEntry';

const person = (mspId: string, roles: Role[] = ['reconciler']): Actor => ({
  id: `x509::CN=${mspId}-p::${mspId}`,
  mspId,
  name: `${mspId}-p`,
  roles,
});
const MSPS = ['BankAMSP', 'BankBMSP', 'BankCMSP', 'BankDMSP', 'PayCoMSP'];
const members = (n: number): MemberRecord[] =>
  MSPS.slice(0, n).map((mspId) => ({ by: 'admin', joinedAt: 'x', mspId, txId: `j-${mspId}` }));
const DAY0 = '2030-01-10';
const at = (day: string) => `${day}T12:00:00.000Z`;
const H = (c: string) => c.repeat(64);

const entry = (over: Partial<EntryRecord> = {}): EntryRecord =>
  entryFixture({ listedAt: at('2030-01-01'), ...over });
const input = {
  category: 'MONEY_MULE',
  disputeId: 'd-1',
  requestHash: H('f'),
  subjectKey: H('a'),
  uploader: 'BankAMSP',
};
const meta = (mspId = 'BankBMSP', day = DAY0) => ({
  actor: person(mspId),
  at: at(day),
  inputHash: 'h',
  policy: GENESIS_POLICY,
  policyVersion: 1,
  txId: `tx-${mspId}-${day}`,
});
const open = (): DisputeRecord => decideOpenDispute(undefined, entry(), input, meta()).dispute;
const step = (
  d: DisputeRecord,
  action: DisputeAction,
  mspId: string,
  day: string,
  detail: string | null = null,
  n = 3,
) =>
  decideDisputeStep(d, { action, detail }, members(n), {
    actor: person(mspId),
    at: at(day),
    txId: `t-${action}-${mspId}-${day}`,
  });
const recorded = (r: ReturnType<typeof step>): DisputeRecord => {
  if (r.outcome !== 'RECORDED') throw new Error('expected a recorded step');
  return r.dispute;
};
const { answerDays, voteDays } = GENESIS_POLICY.disputes;

describe('opening a dispute', () => {
  it('opens on an entry in force, the deadline answerDays ahead; the entry is DISPUTED from then on', () => {
    const d = open();
    expect(d).toMatchObject({
      deadline: addDays(DAY0, answerDays),
      disputer: { mspId: 'BankBMSP' },
      status: 'AWAITING_ANSWER',
      uploader: 'BankAMSP',
    });
    expect(entryStatusFor(d.status)).toBe('DISPUTED');
    expect(decideOpenDispute(d, entry(), input, meta()).outcome).toBe('UNCHANGED');
    expect(refusal(() => decideOpenDispute(d, entry(), input, { ...meta(), inputHash: 'other' })).code).toBe(
      'IDEMPOTENCY_CONFLICT',
    );
  });

  it('refuses the uploader, a missing entry, and an entry not in force, each with its code', () => {
    expect(refusal(() => decideOpenDispute(undefined, entry(), input, meta('BankAMSP'))).code).toBe(
      'WRONG_INSTITUTION',
    );
    expect(refusal(() => decideOpenDispute(undefined, undefined, input, meta())).code).toBe(
      'ENTRY_NOT_FOUND',
    );
    for (const e of [
      entry({ dispute: 'd-0', status: 'DISPUTED' }),
      entry({ status: 'REVOKED' }),
      entry({ expiresOn: '2030-01-09' }),
    ])
      expect(refusal(() => decideOpenDispute(undefined, e, input, meta())).code).toBe('INVALID_TRANSITION');
  });

  it('parses its input and its steps precisely', () => {
    expect(parseDisputeInput(input)).toEqual(input);
    expect(refusal(() => parseDisputeInput({ ...input, requestHash: 'x' })).detail).toContain('requestHash');
    expect(refusal(() => parseDisputeInput({ ...input, extra: 1 })).detail).toContain('dispute.extra');
    expect(refusal(() => parseDisputeInput({ ...input, subjectKey: '13800138000' })).detail).toContain(
      'hashed on the node',
    );
    expect(parseDisputeAction('MAINTAIN', H('c'))).toEqual({ action: 'MAINTAIN', detail: H('c') });
    expect(refusal(() => parseDisputeAction('MAINTAIN', '')).code).toBe('INVALID_INPUT');
    expect(refusal(() => parseDisputeAction('VOTE', 'MAYBE')).code).toBe('INVALID_INPUT');
    expect(refusal(() => parseDisputeAction('CLOSE', 'x')).code).toBe('INVALID_INPUT');
    expect(refusal(() => parseDisputeAction('APPEAL', '')).code).toBe('INVALID_INPUT');
  });
});

/** A dispute brought to each status by the shortest path, on the day it got there. */
function reach(status: DisputeStatus): { d: DisputeRecord; day: string } {
  const d0 = open();
  const maintained = recorded(step(d0, 'MAINTAIN', 'BankAMSP', DAY0, H('c')));
  const voting = recorded(step(maintained, 'CONTEST', 'BankBMSP', DAY0));
  // Two of the three members vote the same way: `first`, then BankCMSP, a majority.
  const decided = (first: string, choice: 'UPHOLD' | 'REVOKE') =>
    recorded(step(recorded(step(voting, 'VOTE', first, DAY0, choice)), 'VOTE', 'BankCMSP', DAY0, choice));
  switch (status) {
    case 'AWAITING_ANSWER':
      return { d: d0, day: DAY0 };
    case 'MAINTAINED':
      return { d: maintained, day: DAY0 };
    case 'VOTING':
      return { d: voting, day: DAY0 };
    case 'WITHDRAWN':
      return { d: recorded(step(d0, 'WITHDRAW', 'BankBMSP', DAY0)), day: DAY0 };
    case 'RETRACTED':
      return { d: recorded(step(d0, 'RETRACT', 'BankAMSP', DAY0)), day: DAY0 };
    case 'UPHELD':
      return { d: decided('BankAMSP', 'UPHOLD'), day: DAY0 };
    case 'REVOKED':
      return { d: decided('BankBMSP', 'REVOKE'), day: DAY0 };
  }
}

describe('the transition table, every (status, action) pair', () => {
  const detailOf = (a: DisputeAction) => (a === 'MAINTAIN' ? H('d') : a === 'VOTE' ? 'REVOKE' : null);
  for (const status of DISPUTE_STATUSES)
    for (const action of DISPUTE_ACTIONS) {
      const rule = DISPUTE_TRANSITIONS[status][action];
      it(`${status} × ${action}: ${rule ? `${rule.by}, ${rule.when} the deadline` : 'refused'}`, () => {
        const { d } = reach(status);
        const party =
          rule?.by === 'DISPUTER' ? 'BankBMSP' : rule?.by === 'UPLOADER' ? 'BankAMSP' : 'BankCMSP';
        const inside = DAY0;
        const after = d.deadline === null ? DAY0 : addDays(d.deadline, 1);
        if (rule === undefined) {
          const code = refusal(() => step(d, action, 'PayCoMSP', DAY0, detailOf(action))).code;
          expect(code).toBe(
            Object.keys(DISPUTE_TRANSITIONS[status]).length === 0 ? 'ALREADY_DECIDED' : 'INVALID_TRANSITION',
          );
          return;
        }
        const good = rule.when === 'within' ? inside : after;
        const bad = rule.when === 'within' ? after : inside;
        expect(step(d, action, party, good, detailOf(action)).outcome).toBe('RECORDED');
        expect(refusal(() => step(d, action, party, bad, detailOf(action))).code).toBe(
          rule.when === 'within' ? 'DEADLINE_PASSED' : 'DEADLINE_NOT_REACHED',
        );
        if (rule.by !== 'MEMBER') {
          expect(refusal(() => step(d, action, 'BankCMSP', good, detailOf(action))).code).toBe('NOT_A_PARTY');
        }
      });
    }
});

describe('votes', () => {
  it('the first side with a majority of the members decides; one vote per institution', () => {
    const { d } = reach('VOTING');
    const once = recorded(step(d, 'VOTE', 'BankAMSP', DAY0, 'UPHOLD', 5));
    expect(step(once, 'VOTE', 'BankAMSP', DAY0, 'UPHOLD', 5).outcome).toBe('UNCHANGED');
    expect(refusal(() => step(once, 'VOTE', 'BankAMSP', DAY0, 'REVOKE', 5)).code).toBe('ALREADY_DECIDED');
    const two = recorded(step(once, 'VOTE', 'BankBMSP', DAY0, 'REVOKE', 5));
    const three = recorded(step(two, 'VOTE', 'BankCMSP', DAY0, 'REVOKE', 5));
    expect(three.status).toBe('VOTING');
    const four = recorded(step(three, 'VOTE', 'BankDMSP', DAY0, 'REVOKE', 5));
    expect(four.status).toBe('REVOKED');
    expect(entryStatusFor(four.status)).toBe('REVOKED');
  });

  it('after the vote deadline, CLOSE decides by the votes cast: more REVOKE revokes, a tie upholds', () => {
    const { d } = reach('VOTING');
    const end = addDays(d.deadline as string, 1);
    const tie = recorded(
      step(recorded(step(d, 'VOTE', 'BankAMSP', DAY0, 'UPHOLD', 5)), 'VOTE', 'BankBMSP', DAY0, 'REVOKE', 5),
    );
    expect(recorded(step(tie, 'CLOSE', 'BankCMSP', end, null, 5)).status).toBe('UPHELD');
    const more = recorded(step(tie, 'VOTE', 'BankCMSP', DAY0, 'REVOKE', 5));
    expect(recorded(step(more, 'CLOSE', 'BankDMSP', end, null, 5)).status).toBe('REVOKED');
  });

  it('an unanswered dispute goes to a vote when closed after the answer deadline', () => {
    const d = open();
    const closed = recorded(step(d, 'CLOSE', 'BankCMSP', addDays(DAY0, answerDays + 1)));
    expect(closed).toMatchObject({
      deadline: addDays(DAY0, answerDays + 1 + voteDays),
      status: 'VOTING',
      votingReason: 'UNANSWERED',
    });
  });
});

describe('property: the lifecycle', () => {
  const actionArb = fc.record({
    action: fc.constantFrom(...DISPUTE_ACTIONS),
    by: fc.constantFrom(...MSPS.slice(0, 4)),
    vote: fc.constantFrom('REVOKE', 'UPHOLD'),
    daysLater: fc.integer({ min: 0, max: 20 }),
  });

  it('whatever members try, in whatever order and on whatever days, the rules hold at every step', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (tries, extra) => {
        const n = Math.min(MSPS.length, 2 + extra);
        let d = open();
        let e: EntryRecord = { ...entry(), dispute: d.disputeId, status: 'DISPUTED' };
        const listedHash = e.evidenceHash;
        let purgedOnce = false;
        let day = DAY0;
        const seenTerminal: DisputeStatus[] = [];
        for (const t of tries) {
          day = addDays(day, t.daysLater);
          const detail = t.action === 'MAINTAIN' ? H('c') : t.action === 'VOTE' ? t.vote : null;
          let r;
          try {
            r = step(d, t.action, t.by, day, detail, n);
          } catch (e) {
            // A refusal changes nothing: it is a closed code, never a partial change.
            expect((e as { code?: string }).code).toMatch(/^[A-Z_]+$/);
            continue;
          }
          if (r.outcome === 'UNCHANGED') {
            expect(r.dispute).toBe(d);
            continue;
          }
          const before = d;
          d = r.dispute;
          const rule = DISPUTE_TRANSITIONS[before.status][t.action];
          // Every recorded step was allowed by the table, by the right party, on the right side of the deadline.
          expect(rule).toBeDefined();
          if (rule?.by === 'UPLOADER') expect(t.by).toBe(before.uploader);
          if (rule?.by === 'DISPUTER') expect(t.by).toBe(before.disputer.mspId);
          if (rule?.when === 'within') expect(day <= (before.deadline as string)).toBe(true);
          if (rule?.when === 'after') expect(day > (before.deadline as string)).toBe(true);
          // Steps are appended, never rewritten.
          expect(d.steps.slice(0, before.steps.length)).toEqual(before.steps);
          expect(d.steps).toHaveLength(before.steps.length + 1);
          // The entry follows the dispute; decided disputes have no deadline.
          expect(r.entryStatus).toBe(entryStatusFor(d.status));
          const open = ['AWAITING_ANSWER', 'MAINTAINED', 'VOTING'].includes(d.status);
          expect(d.deadline === null).toBe(!open);
          if (!open) seenTerminal.push(d.status);
          // One vote per institution; a vote-decided dispute had a majority of the members for its outcome.
          expect(new Set(d.votes.map((v) => v.mspId)).size).toBe(d.votes.length);
          if (t.action === 'VOTE' && !open) {
            const side = d.status === 'REVOKED' ? 'REVOKE' : 'UPHOLD';
            expect(d.votes.filter((v) => v.choice === side).length).toBe(majorityOf(n));
          }
          // MAINTAINED carries the evidence hash it was maintained with.
          if (d.status === 'MAINTAINED') expect(d.maintainedWith).toBe(H('c'));
          // The entry follows, in the same step; a revocation keeps everything but says how, and its evidence
          // is purged at once when the uploader signs, else due until the uploader purges it.
          const moved = entryAfterStep(e, d, {
            at: at(day),
            signer: t.by,
            txId: `t-${String(d.steps.length)}`,
          });
          if (moved !== null) {
            expect(moved.entry.evidenceHash).toBe(listedHash);
            expect({
              ...moved.entry,
              evidencePurge: undefined,
              revocation: undefined,
              status: e.status,
            }).toEqual({
              ...e,
              evidencePurge: undefined,
              revocation: undefined,
            });
            if (moved.entry.status === 'REVOKED') {
              expect(moved.purge).toBe(t.by === e.uploader ? 'NOW' : 'DUE');
              expect(moved.entry.revocation?.how).toBe(d.status === 'RETRACTED' ? 'RETRACTED' : 'VOTE');
              expect(moved.entry.evidencePurge?.status).toBe(moved.purge === 'NOW' ? 'DONE' : 'DUE');
            } else expect(moved.purge).toBeNull();
            e = moved.entry;
          }
          expect(e.status).toBe(entryStatusFor(d.status));
          if (e.evidencePurge?.status === 'DUE' && !purgedOnce) {
            const purged = entryAfterPurge(e, at(day), 'tx-purge');
            expect(purged.evidenceHash).toBe(listedHash);
            expect(purged.evidencePurge).toMatchObject({ status: 'DONE', txId: 'tx-purge' });
            expect(refusal(() => entryAfterPurge(purged, at(day), 'again')).code).toBe('INVALID_TRANSITION');
            e = purged;
            purgedOnce = true;
          }
        }
        // A decided dispute stays decided.
        expect(seenTerminal.length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});
