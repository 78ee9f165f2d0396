import { describe, expect, it } from 'vitest';

import type { Actor } from './actor';
import {
  allowedActions,
  applyBreakAction,
  BREAK_STATUSES,
  isOverdue,
  openBreak,
  PERSON_ACTIONS,
  attachmentsOf,
  parseAttachment,
  type Attachment,
  type BreakAction,
  type BreakRecord,
  type BreakStatus,
} from './breakMachine';
import { TallyError } from './errors';

const person = (mspId: string, name: string, roles: Actor['roles']): Actor => ({
  mspId,
  name,
  id: `x509::CN=${name}::${mspId}`,
  roles,
});
const alice = person('BankAMSP', 'alice', ['reconciler']);
const amir = person('BankAMSP', 'amir', ['reconciler']);
const anna = person('BankAMSP', 'anna', ['approver']);
const both = person('BankAMSP', 'boss', ['reconciler', 'approver']);
const bruno = person('BankBMSP', 'bruno', ['reconciler']);
const chen = person('ClearingHouseMSP', 'chen', ['reconciler']);
const pavel = person('PayCoMSP', 'pavel', ['reconciler', 'approver']);

let tick = 0;
const act = (b: BreakRecord, action: BreakAction, actor: Actor, comment = 'because') =>
  applyBreakAction(b, action, {
    actor,
    at: `2026-11-27T10:00:${String(tick++ % 60).padStart(2, '0')}.000Z`,
    txId: `tx${tick}`,
    comment,
  });

/** A bank statement as evidence (its name as the ledger would hold it: sealed, here any text). */
const PDF: Attachment = {
  sha256: 'a'.repeat(64),
  size: 48_213,
  mediaType: 'application/pdf',
  name: 'statement-2026-11-27.pdf',
};

const fresh = (): BreakRecord =>
  openBreak(
    {
      breakId: 'brk-1',
      caseId: 'case-1',
      findingKey: 'AMOUNT_MISMATCH',
      reason: 'AMOUNT_MISMATCH',
      detail: {},
      parties: ['BankAMSP', 'BankBMSP', 'ClearingHouseMSP'],
    },
    { actor: alice, at: '2026-11-27T09:59:00.000Z', txId: 'tx0', comment: '' },
  );

/** Walks a fresh break to the given status along the happy path. */
function reach(status: BreakStatus): BreakRecord {
  let b = fresh();
  if (status === 'OPEN') return b;
  b = act(b, { type: 'ASSIGN', assignee: 'alice' }, alice);
  if (status === 'ASSIGNED') return b;
  b = act(b, { type: 'PROPOSE', kind: 'WRITE_OFF', rootCause: 'TIMING' }, alice);
  if (status === 'PROPOSED') return b;
  b = act(b, { type: 'APPROVE' }, anna);
  if (status === 'APPROVED') return b;
  b = act(b, { type: 'ACCEPT' }, bruno);
  b = act(b, { type: 'ACCEPT' }, chen);
  if (status === 'ACCEPTED') return b;
  return act(b, { type: 'RESOLVE' }, alice);
}

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'OK';
  } catch (e) {
    if (e instanceof TallyError) return e.code;
    throw e;
  }
};

describe('break state machine', () => {
  it('walks the full four-eyes lifecycle and records who, when and what at each step', () => {
    const b = reach('RESOLVED');
    expect(b.status).toBe('RESOLVED');
    expect(b.resolution).toBe('WRITE_OFF');
    expect(b.timeline.map((e) => [e.action, e.from, e.to, e.actor.name])).toEqual([
      ['OPEN', null, 'OPEN', 'alice'],
      ['ASSIGN', 'OPEN', 'ASSIGNED', 'alice'],
      ['PROPOSE', 'ASSIGNED', 'PROPOSED', 'alice'],
      ['APPROVE', 'PROPOSED', 'APPROVED', 'anna'],
      ['ACCEPT', 'APPROVED', 'APPROVED', 'bruno'],
      ['ACCEPT', 'APPROVED', 'ACCEPTED', 'chen'],
      ['RESOLVE', 'ACCEPTED', 'RESOLVED', 'alice'],
    ]);
    expect(b.timeline.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(new Set(b.timeline.map((e) => e.txId)).size).toBe(7);
  });

  it('a correction of the leg is not resolved by saying so: the corrected leg clears it, recorded as CORRECT_LEG', () => {
    let b = act(fresh(), { type: 'ASSIGN', assignee: 'alice' }, alice);
    b = act(b, { type: 'PROPOSE', kind: 'CORRECT_LEG', rootCause: 'TIMING' }, alice);
    b = act(b, { type: 'APPROVE' }, anna);
    const approved = b;
    b = act(b, { type: 'ACCEPT' }, bruno);
    b = act(b, { type: 'ACCEPT' }, chen);
    expect(b.status).toBe('ACCEPTED');
    expect(codeOf(() => act(b, { type: 'RESOLVE' }, alice))).toBe('INVALID_TRANSITION');
    expect(allowedActions(b, alice).RESOLVE).toMatchObject({ allowed: false, code: 'INVALID_TRANSITION' });
    const done = act(b, { type: 'CLEAR' }, alice, '');
    expect([done.status, done.resolution]).toEqual(['RESOLVED', 'CORRECT_LEG']);
    // a leg corrected before every party agreed only clears the break
    const early = act(approved, { type: 'CLEAR' }, alice, '');
    expect([early.status, early.resolution]).toEqual(['RESOLVED', 'CLEARED']);
  });

  // Every (status, action) pair: the expected answer for an actor who is otherwise entitled to act.
  const actorFor: Record<BreakAction['type'], Actor> = {
    ASSIGN: alice,
    PROPOSE: alice,
    APPROVE: anna,
    ACCEPT: chen,
    REJECT: bruno,
    RESOLVE: alice,
    CLEAR: alice,
    COMMENT: bruno,
    SET_DUE: anna,
    ATTACH: chen,
  };
  const actions: BreakAction[] = [
    { type: 'ASSIGN', assignee: 'amir' },
    { type: 'PROPOSE', kind: 'REFUND', rootCause: 'TIMING' },
    { type: 'APPROVE' },
    { type: 'ACCEPT' },
    { type: 'REJECT' },
    { type: 'RESOLVE' },
    { type: 'CLEAR' },
    { type: 'COMMENT' },
    { type: 'SET_DUE', dueAt: '2026-11-28T12:00:00.000Z' },
    { type: 'ATTACH', attachment: PDF },
  ];
  const allowed: Record<BreakStatus, Partial<Record<BreakAction['type'], BreakStatus>>> = {
    OPEN: { ASSIGN: 'ASSIGNED', CLEAR: 'RESOLVED', COMMENT: 'OPEN', SET_DUE: 'OPEN', ATTACH: 'OPEN' },
    ASSIGNED: {
      ASSIGN: 'ASSIGNED',
      PROPOSE: 'PROPOSED',
      CLEAR: 'RESOLVED',
      COMMENT: 'ASSIGNED',
      SET_DUE: 'ASSIGNED',
      ATTACH: 'ASSIGNED',
    },
    // REJECT in PROPOSED belongs to the proposing institution: bruno (BankB) is refused with WRONG_INSTITUTION.
    PROPOSED: {
      APPROVE: 'APPROVED',
      CLEAR: 'RESOLVED',
      COMMENT: 'PROPOSED',
      SET_DUE: 'PROPOSED',
      ATTACH: 'PROPOSED',
    },
    APPROVED: {
      ACCEPT: 'APPROVED',
      REJECT: 'ASSIGNED',
      CLEAR: 'RESOLVED',
      COMMENT: 'APPROVED',
      SET_DUE: 'APPROVED',
      ATTACH: 'APPROVED',
    },
    ACCEPTED: {
      RESOLVE: 'RESOLVED',
      CLEAR: 'RESOLVED',
      COMMENT: 'ACCEPTED',
      SET_DUE: 'ACCEPTED',
      ATTACH: 'ACCEPTED',
    },
    RESOLVED: { COMMENT: 'RESOLVED' },
  };
  for (const status of BREAK_STATUSES) {
    for (const action of actions) {
      const expected = allowed[status][action.type];
      it(`${status} + ${action.type} → ${expected ?? 'refused'}`, () => {
        const b = reach(status);
        if (expected) {
          expect(act(b, action, actorFor[action.type]).status).toBe(expected);
        } else {
          expect(['INVALID_TRANSITION', 'WRONG_INSTITUTION']).toContain(
            codeOf(() => act(b, action, actorFor[action.type])),
          );
        }
      });
    }
  }

  it('refuses to extend a timeline with a gap: the history is append-only', () => {
    const assigned = act(fresh(), { type: 'ASSIGN', assignee: 'alice' }, alice);
    const gap = {
      ...assigned,
      timeline: [assigned.timeline[0], { ...assigned.timeline[1], seq: 5 }],
    } as BreakRecord;
    expect(() => act(gap, { type: 'COMMENT' }, alice)).toThrow(/timeline entry 1 has seq 5/);
  });

  it('refuses self-approval, even by a person who holds both roles', () => {
    let b = act(fresh(), { type: 'ASSIGN', assignee: 'boss' }, both);
    b = act(b, { type: 'PROPOSE', kind: 'REVERSE', rootCause: 'TIMING' }, both);
    expect(codeOf(() => act(b, { type: 'APPROVE' }, both))).toBe('SELF_APPROVAL');
    expect(act(b, { type: 'APPROVE' }, anna).status).toBe('APPROVED');
  });

  it('lets only the proposing institution approve, and only approvers', () => {
    const b = reach('PROPOSED');
    expect(codeOf(() => act(b, { type: 'APPROVE' }, amir))).toBe('ROLE_REQUIRED');
    expect(codeOf(() => act(b, { type: 'APPROVE' }, person('BankBMSP', 'bella', ['approver'])))).toBe(
      'WRONG_INSTITUTION',
    );
  });

  it('refuses non-parties and people without a role', () => {
    const b = reach('OPEN');
    expect(codeOf(() => act(b, { type: 'ASSIGN', assignee: 'pavel' }, pavel))).toBe('NOT_A_PARTY');
    expect(
      codeOf(() => act(b, { type: 'ASSIGN', assignee: 'x' }, person('BankAMSP', 'sys', ['submitter']))),
    ).toBe('ROLE_REQUIRED');
  });

  it('returns a rejected proposal to its assignee, keeping it in the timeline', () => {
    const b = act(reach('APPROVED'), { type: 'REJECT' }, bruno, 'amount is right on our side');
    expect(b.status).toBe('ASSIGNED');
    expect(b.proposal).toBeUndefined();
    expect(b.acceptedBy).toEqual([]);
    expect(b.assignee).toMatchObject({ mspId: 'BankAMSP', name: 'alice' });
    expect(b.timeline.at(-1)).toMatchObject({
      action: 'REJECT',
      from: 'APPROVED',
      to: 'ASSIGNED',
      comment: 'amount is right on our side',
    });
    expect(b.timeline.some((e) => e.action === 'PROPOSE')).toBe(true);
    // The assignee proposes again, without being assigned anew.
    expect(act(b, { type: 'PROPOSE', kind: 'REFUND', rootCause: 'TIMING' }, alice).status).toBe('PROPOSED');
  });

  it('assigns a break to the person who has it once: no second entry, unless a comment says something', () => {
    const b = reach('ASSIGNED');
    expect(act(b, { type: 'ASSIGN', assignee: 'alice' }, amir, '')).toBe(b);
    const noted = act(b, { type: 'ASSIGN', assignee: 'alice' }, amir, 'still hers');
    expect(noted.timeline.at(-1)).toMatchObject({
      action: 'ASSIGN',
      assignee: 'alice',
      comment: 'still hers',
    });
    const other = act(b, { type: 'ASSIGN', assignee: 'amir' }, amir, '');
    expect(other.timeline).toHaveLength(b.timeline.length + 1);
    expect(other.assignee?.name).toBe('amir');
  });

  it('records each acceptance once', () => {
    const b = act(reach('APPROVED'), { type: 'ACCEPT' }, bruno);
    expect(b.acceptedBy).toEqual(['BankBMSP']);
    expect(codeOf(() => act(b, { type: 'ACCEPT' }, bruno))).toBe('ALREADY_DECIDED');
    expect(codeOf(() => act(b, { type: 'ACCEPT' }, alice))).toBe('WRONG_INSTITUTION');
  });

  it('requires a comment where a decision needs a reason', () => {
    expect(
      codeOf(() =>
        act(reach('ASSIGNED'), { type: 'PROPOSE', kind: 'REFUND', rootCause: 'TIMING' }, alice, ' '),
      ),
    ).toBe('PROPOSAL_INCOMPLETE');
    expect(codeOf(() => act(reach('APPROVED'), { type: 'REJECT' }, bruno, ''))).toBe('INVALID_INPUT');
  });
});

describe('allowedActions: what a person may do now, decided by the machine itself', () => {
  const allowedOf = (b: BreakRecord, actor: Actor) =>
    PERSON_ACTIONS.filter((a) => allowedActions(b, actor)[a].allowed);

  it('offers each party only the next steps the ledger would take', () => {
    expect(allowedOf(reach('OPEN'), alice)).toEqual(['ASSIGN', 'COMMENT', 'ATTACH']);
    expect(allowedOf(reach('ASSIGNED'), alice)).toEqual(['ASSIGN', 'PROPOSE', 'COMMENT', 'ATTACH']);
    expect(allowedOf(reach('ASSIGNED'), bruno)).toEqual(['ASSIGN', 'COMMENT', 'ATTACH']);
    expect(allowedOf(reach('PROPOSED'), anna)).toEqual(['APPROVE', 'REJECT', 'COMMENT', 'SET_DUE', 'ATTACH']);
    expect(allowedOf(reach('PROPOSED'), amir)).toEqual(['COMMENT', 'ATTACH']);
    expect(allowedOf(reach('APPROVED'), chen)).toEqual(['ACCEPT', 'REJECT', 'COMMENT', 'ATTACH']);
    expect(allowedOf(reach('ACCEPTED'), alice)).toEqual(['RESOLVE', 'COMMENT', 'ATTACH']);
    expect(allowedOf(reach('RESOLVED'), alice)).toEqual(['COMMENT']);
  });

  it('does not offer Reject to a party that has accepted (the console once did; the ledger refuses it)', () => {
    // Bank A proposed and approved; Bank B has accepted, the clearing house not yet
    const b = act(reach('APPROVED'), { type: 'ACCEPT' }, bruno);
    expect(b.status).toBe('APPROVED');
    expect(b.acceptedBy).toEqual(['BankBMSP']);
    expect(allowedActions(b, bruno).REJECT).toMatchObject({ allowed: false, code: 'ALREADY_DECIDED' });
    expect(allowedActions(b, bruno).ACCEPT).toMatchObject({ allowed: false, code: 'ALREADY_DECIDED' });
    expect(allowedActions(b, chen).REJECT).toEqual({ allowed: true });
  });

  it('says why not: four eyes, roles, institutions, non-parties', () => {
    let b = reach('ASSIGNED');
    b = act(b, { type: 'ASSIGN', assignee: 'boss' }, both);
    b = act(b, { type: 'PROPOSE', kind: 'WRITE_OFF', rootCause: 'TIMING' }, both);
    expect(allowedActions(b, both).APPROVE).toMatchObject({ allowed: false, code: 'SELF_APPROVAL' });
    expect(allowedActions(b, alice).APPROVE).toMatchObject({ allowed: false, code: 'ROLE_REQUIRED' });
    expect(allowedActions(b, anna).APPROVE).toEqual({ allowed: true });
    for (const a of PERSON_ACTIONS)
      expect(allowedActions(b, pavel)[a]).toMatchObject({ allowed: false, code: 'NOT_A_PARTY' });
  });

  it('agrees with applyBreakAction on every action, state and person', () => {
    const people = [alice, amir, anna, both, bruno, chen, pavel];
    for (const status of BREAK_STATUSES) {
      const b = reach(status);
      for (const actor of people) {
        const allowed = allowedActions(b, actor);
        for (const type of PERSON_ACTIONS) {
          const action: BreakAction =
            type === 'ASSIGN'
              ? { type, assignee: 'zoe' } // someone who has not the break yet: assigning may change it
              : type === 'PROPOSE'
                ? { type, kind: 'REFUND', rootCause: 'FEE' }
                : type === 'SET_DUE'
                  ? { type, dueAt: '2026-11-30T10:00:00.000Z' }
                  : type === 'ATTACH'
                    ? { type, attachment: PDF }
                    : { type };
          let refused: string | undefined;
          try {
            act(b, action, actor);
          } catch (e) {
            refused = (e as TallyError).code;
          }
          expect(allowed[type], `${actor.name} ${type} in ${status}`).toEqual(
            refused === undefined
              ? { allowed: true }
              : expect.objectContaining({ allowed: false, code: refused }),
          );
        }
      }
    }
  });

  it('assigning to the person who has it, without a comment, records nothing and returns the break as is', () => {
    const b = act(fresh(), { type: 'ASSIGN', assignee: 'alice' }, alice);
    expect(act(b, { type: 'ASSIGN', assignee: 'alice' }, amir, '')).toBe(b);
    expect(act(b, { type: 'ASSIGN', assignee: 'amir' }, alice, '').timeline).toHaveLength(3);
  });

  it('a proposal names every field it lacks at once, and its root cause follows the break to its resolution', () => {
    const b = reach('ASSIGNED');
    const refusal = (action: BreakAction, comment: string): string => {
      try {
        act(b, action, alice, comment);
        return 'OK';
      } catch (e) {
        return `${(e as TallyError).code} ${(e as TallyError).detail}`;
      }
    };
    const bad = { type: 'PROPOSE', kind: '', rootCause: 'BAD_LUCK' } as unknown as BreakAction;
    expect(refusal(bad, ' ')).toMatch(/^PROPOSAL_INCOMPLETE a proposal needs kind, rootCause, comment /);
    expect(
      refusal({ type: 'PROPOSE', kind: 'REFUND', rootCause: undefined } as unknown as BreakAction, 'x'),
    ).toMatch(/^PROPOSAL_INCOMPLETE a proposal needs rootCause /);
    const done = reach('RESOLVED');
    expect(done.proposal?.rootCause).toBe('TIMING');
    expect(done.rootCause).toBe('TIMING');
    expect(done.timeline.find((e) => e.action === 'PROPOSE')?.rootCause).toBe('TIMING');
    // a break matching clears records no root cause: nobody agreed on one
    expect(act(reach('PROPOSED'), { type: 'CLEAR' }, alice, '').rootCause).toBeUndefined();
  });

  it('is due a day after it opens; an approver of a party moves the date with a comment, and an overdue break is escalated', () => {
    const b = fresh();
    expect(b.dueAt).toBe('2026-11-28T09:59:00.000Z');
    expect(isOverdue(b, '2026-11-28T09:58:59.999Z')).toBe(false);
    expect(isOverdue(b, '2026-11-28T09:59:00.000Z')).toBe(true);
    const moved = act(b, { type: 'SET_DUE', dueAt: '2026-12-01T09:00:00Z' }, anna);
    expect(moved.dueAt).toBe('2026-12-01T09:00:00.000Z');
    expect(moved.timeline.at(-1)).toMatchObject({ action: 'SET_DUE', dueAt: '2026-12-01T09:00:00.000Z' });
    expect(isOverdue(moved, '2026-11-30T00:00:00.000Z')).toBe(false);
    expect(codeOf(() => act(b, { type: 'SET_DUE', dueAt: '2026-12-01T09:00:00Z' }, alice))).toBe(
      'ROLE_REQUIRED',
    );
    expect(codeOf(() => act(b, { type: 'SET_DUE', dueAt: '2026-12-01T09:00:00Z' }, anna, ''))).toBe(
      'INVALID_INPUT',
    );
    expect(codeOf(() => act(b, { type: 'SET_DUE', dueAt: '2026-11-01T09:00:00Z' }, anna))).toBe(
      'INVALID_INPUT',
    );
    expect(codeOf(() => act(b, { type: 'SET_DUE', dueAt: 'tomorrow' }, anna))).toBe('INVALID_INPUT');
    expect(codeOf(() => act(b, { type: 'SET_DUE', dueAt: '2026-12-01T09:00:00Z' }, pavel))).toBe(
      'NOT_A_PARTY',
    );
    const resolved = reach('RESOLVED');
    expect(isOverdue(resolved, '2027-01-01T00:00:00.000Z')).toBe(false);
  });
});

describe('ATTACH: evidence for a break, its hash on the ledger', () => {
  it('records the file on the timeline without changing the status, for staff of any party, comment optional', () => {
    const b = reach('PROPOSED');
    const attached = act(b, { type: 'ATTACH', attachment: PDF }, chen, '');
    expect(attached.status).toBe('PROPOSED');
    expect(attached.proposal).toEqual(b.proposal);
    expect(attached.timeline.at(-1)).toMatchObject({
      action: 'ATTACH',
      from: 'PROPOSED',
      to: 'PROPOSED',
      actor: { mspId: 'ClearingHouseMSP', name: 'chen' },
      comment: '',
      attachment: PDF,
    });
    const png = { ...PDF, sha256: 'b'.repeat(64), mediaType: 'image/png' as const, name: 'screen.png' };
    const twice = act(attached, { type: 'ATTACH', attachment: png }, anna, 'the screenshot of the booking');
    expect(attachmentsOf(twice).map((x) => [x.attachment.sha256, x.entry.actor.name])).toEqual([
      [PDF.sha256, 'chen'],
      [png.sha256, 'anna'],
    ]);
  });

  it('is refused to non-parties, to people without a staff role, and on a resolved break', () => {
    expect(codeOf(() => act(reach('OPEN'), { type: 'ATTACH', attachment: PDF }, pavel))).toBe('NOT_A_PARTY');
    const auditorLike = person('BankAMSP', 'sam', ['submitter']);
    expect(codeOf(() => act(reach('OPEN'), { type: 'ATTACH', attachment: PDF }, auditorLike))).toBe(
      'ROLE_REQUIRED',
    );
    expect(codeOf(() => act(reach('RESOLVED'), { type: 'ATTACH', attachment: PDF }, alice))).toBe(
      'INVALID_TRANSITION',
    );
    expect(allowedActions(reach('RESOLVED'), alice).ATTACH).toMatchObject({ allowed: false });
    expect(allowedActions(reach('APPROVED'), bruno).ATTACH).toEqual({ allowed: true });
  });

  it('refuses the same file twice on one break, naming the step that attached it', () => {
    const b = act(reach('OPEN'), { type: 'ATTACH', attachment: PDF }, alice, '');
    expect(() => act(b, { type: 'ATTACH', attachment: { ...PDF, name: 'again.pdf' } }, bruno, '')).toThrow(
      /attached to break brk-1 already \(step 1\)/,
    );
  });

  it('checks every field, naming it: hash, size within the limit, media type from the allow-list, name', () => {
    const bad: [unknown, RegExp][] = [
      [{ ...PDF, sha256: 'A'.repeat(64) }, /attachment\.sha256/],
      [{ ...PDF, sha256: 'a'.repeat(63) }, /attachment\.sha256/],
      [{ ...PDF, size: 0 }, /attachment\.size/],
      [{ ...PDF, size: 1.5 }, /attachment\.size/],
      [{ ...PDF, size: 10 * 1024 * 1024 + 1 }, /attachment\.size/],
      [{ ...PDF, size: '12' }, /attachment\.size/],
      [{ ...PDF, mediaType: 'text/html' }, /attachment\.mediaType/],
      [{ ...PDF, name: '' }, /attachment\.name/],
      [{ ...PDF, name: 'x'.repeat(2049) }, /attachment\.name/],
      [{ ...PDF, extra: 1 }, /unknown fields: extra/],
      [null, /must be an object/],
    ];
    for (const [value, message] of bad) {
      expect(() => parseAttachment(value), JSON.stringify(value).slice(0, 80)).toThrow(message);
      expect(codeOf(() => parseAttachment(value))).toBe('INVALID_INPUT');
    }
    expect(parseAttachment({ ...PDF, size: 10 * 1024 * 1024 })).toEqual({ ...PDF, size: 10 * 1024 * 1024 });
    // The machine checks too: a caller that skipped the parser is refused the same way.
    expect(
      codeOf(() => act(reach('OPEN'), { type: 'ATTACH', attachment: { ...PDF, size: -1 } }, alice)),
    ).toBe('INVALID_INPUT');
  });

  it('keeps at most the named number of attachments per break', () => {
    let b = reach('OPEN');
    for (let i = 0; i < 50; i++)
      b = act(
        b,
        { type: 'ATTACH', attachment: { ...PDF, sha256: i.toString(16).padStart(64, '0') } },
        alice,
        '',
      );
    expect(() => act(b, { type: 'ATTACH', attachment: PDF }, alice, '')).toThrow(/at most 50 attachments/);
  });
});
