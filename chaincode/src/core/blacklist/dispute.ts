import type { Actor } from '../actor';
import { assertNever } from '../assert';
import { fail } from '../errors';
import { parseClientId } from '../reference';
import { addDays, dayOf } from './dates';
import { effectiveStatus, parseSubjectRef, type EntryRecord, type StoredEntryStatus } from './entry';
import { parseCode, type BlacklistPolicy } from './policy';
import { majorityOf, type MemberRecord } from './proposal';

/**
 * Disputes (issue 19 item 6). Any member, on a subject's behalf, disputes an entry: from that transaction on the
 * entry is DISPUTED in every result. The uploader answers within the policy's `answerDays`: it MAINTAINs the
 * entry (with the hash of its evidence) or RETRACTs it. The disputing member then accepts (WITHDRAW) or
 * CONTESTs within `answerDays` of the answer. A contested entry, or one left unanswered past the deadline (any
 * member CLOSEs the answer period), goes to a vote of the member institutions: the first side to gather a
 * majority of the members decides (REVOKE or UPHOLD); when the `voteDays` pass without one, CLOSE decides by the
 * votes cast (more REVOKE than UPHOLD revokes; a tie upholds: the entry stands unless the members say otherwise).
 * A maintained entry not contested in time is upheld by CLOSE. Deadlines are ledger days (UTC dates of
 * transaction timestamps), fixed from the policy in force when the dispute was opened; a day is inside a
 * deadline up to and including the deadline day.
 */
export const DISPUTE_STATUSES = [
  'AWAITING_ANSWER',
  'MAINTAINED',
  'VOTING',
  'WITHDRAWN',
  'RETRACTED',
  'UPHELD',
  'REVOKED',
] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

export const DISPUTE_ACTIONS = ['MAINTAIN', 'RETRACT', 'WITHDRAW', 'CONTEST', 'VOTE', 'CLOSE'] as const;
export type DisputeAction = (typeof DISPUTE_ACTIONS)[number];

export const VOTE_CHOICES = ['REVOKE', 'UPHOLD'] as const;
export type VoteChoice = (typeof VOTE_CHOICES)[number];

/** Who may take an action: the entry's uploader, the disputing member, or any member. */
export type DisputeParty = 'UPLOADER' | 'DISPUTER' | 'MEMBER';

/**
 * The one table of the lifecycle: in each open status, the actions allowed, who takes them, and whether they
 * must come within the status's deadline (`within`) or after it (`after`). Terminal statuses allow nothing.
 */
export const DISPUTE_TRANSITIONS: Readonly<
  Record<
    DisputeStatus,
    Partial<Record<DisputeAction, { readonly by: DisputeParty; readonly when: 'within' | 'after' }>>
  >
> = {
  AWAITING_ANSWER: {
    MAINTAIN: { by: 'UPLOADER', when: 'within' },
    RETRACT: { by: 'UPLOADER', when: 'within' },
    WITHDRAW: { by: 'DISPUTER', when: 'within' },
    CLOSE: { by: 'MEMBER', when: 'after' },
  },
  MAINTAINED: {
    CONTEST: { by: 'DISPUTER', when: 'within' },
    WITHDRAW: { by: 'DISPUTER', when: 'within' },
    RETRACT: { by: 'UPLOADER', when: 'within' },
    CLOSE: { by: 'MEMBER', when: 'after' },
  },
  VOTING: {
    VOTE: { by: 'MEMBER', when: 'within' },
    CLOSE: { by: 'MEMBER', when: 'after' },
  },
  WITHDRAWN: {},
  RETRACTED: {},
  UPHELD: {},
  REVOKED: {},
};

export interface DisputeStep {
  readonly action: DisputeAction;
  readonly by: string;
  readonly name: string;
  readonly at: string;
  readonly txId: string;
  /** MAINTAIN: the evidence hash; VOTE: the choice; otherwise null. */
  readonly detail: string | null;
  /** The status the step led to. */
  readonly status: DisputeStatus;
}

export interface DisputeRecord {
  readonly disputeId: string;
  readonly subjectKey: string;
  readonly uploader: string;
  readonly category: string;
  readonly disputer: { readonly mspId: string; readonly name: string };
  /** SHA-256 of the subject's signed request, which stays with the disputing member. */
  readonly requestHash: string;
  readonly openedAt: string;
  readonly txId: string;
  readonly policyVersion: number;
  readonly answerDays: number;
  readonly voteDays: number;
  readonly status: DisputeStatus;
  /** The last day of the current period for an answer, a contest or votes (null once decided). */
  readonly deadline: string | null;
  /** The hash of the evidence the uploader maintained the entry with. */
  readonly maintainedWith: string | null;
  readonly votingReason: 'CONTESTED' | 'UNANSWERED' | null;
  readonly votes: readonly { readonly mspId: string; readonly choice: VoteChoice }[];
  readonly steps: readonly DisputeStep[];
  readonly inputHash: string;
}

export interface DisputeInput {
  readonly disputeId: string;
  readonly subjectKey: string;
  readonly uploader: string;
  readonly category: string;
  /** SHA-256 of the subject's signed request (which stays with the disputing member). */
  readonly requestHash: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const MSP = /^[A-Za-z0-9.-]{1,64}$/;

export function parseMspId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !MSP.test(value))
    fail(
      'INVALID_INPUT',
      `${field} must be an MSP ID (1-64 of A-Z a-z 0-9 . -), got ${JSON.stringify(value)}`,
    );
  return value;
}

export function parseHash(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string' || !HEX64.test(value))
    fail('INVALID_INPUT', `${field} must be ${what}, 64 lower-case hex characters`);
  return value;
}

export function parseDisputeInput(raw: unknown): DisputeInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(
      'INVALID_INPUT',
      'dispute must be an object { disputeId, subjectKey, uploader, category, requestHash }',
    );
  const o = raw as Record<string, unknown>;
  const fields = ['category', 'disputeId', 'requestHash', 'subjectKey', 'uploader'];
  for (const k of Object.keys(o))
    if (!fields.includes(k))
      fail('INVALID_INPUT', `dispute.${k} is not a field (expected ${fields.join(', ')})`);
  return {
    category: parseCode(o.category, 'dispute.category'),
    disputeId: parseClientId(o.disputeId, 'dispute.disputeId'),
    requestHash: parseHash(
      o.requestHash,
      'dispute.requestHash',
      "the SHA-256 of the subject's signed request",
    ),
    subjectKey: parseSubjectRef({ keyVersion: 1, subjectKey: o.subjectKey }, 'dispute').subjectKey,
    uploader: parseMspId(o.uploader, 'dispute.uploader'),
  };
}

export function parseDisputeAction(
  action: unknown,
  detail: unknown,
): { action: DisputeAction; detail: string | null } {
  if (typeof action !== 'string' || !(DISPUTE_ACTIONS as readonly string[]).includes(action))
    fail(
      'INVALID_INPUT',
      `action must be one of ${DISPUTE_ACTIONS.join(', ')}, got ${JSON.stringify(action)}`,
    );
  const a = action as DisputeAction;
  switch (a) {
    case 'MAINTAIN':
      return {
        action: a,
        detail: parseHash(detail, 'evidenceHash', 'the SHA-256 of the evidence maintained'),
      };
    case 'VOTE':
      if (typeof detail !== 'string' || !(VOTE_CHOICES as readonly string[]).includes(detail))
        fail(
          'INVALID_INPUT',
          `vote must be one of ${VOTE_CHOICES.join(', ')}, got ${JSON.stringify(detail)}`,
        );
      return { action: a, detail };
    case 'RETRACT':
    case 'WITHDRAW':
    case 'CONTEST':
    case 'CLOSE':
      if (detail !== undefined && detail !== null && detail !== '')
        fail('INVALID_INPUT', `${a} takes no detail`);
      return { action: a, detail: null };
    default:
      return assertNever(a, 'dispute action');
  }
}

/** The entry's stored status while a dispute is in each status. */
export function entryStatusFor(status: DisputeStatus): StoredEntryStatus {
  switch (status) {
    case 'AWAITING_ANSWER':
    case 'MAINTAINED':
    case 'VOTING':
      return 'DISPUTED';
    case 'WITHDRAWN':
    case 'UPHELD':
      return 'ACTIVE';
    case 'RETRACTED':
    case 'REVOKED':
      return 'REVOKED';
    default:
      return assertNever(status, 'dispute status');
  }
}

export interface DisputeMeta {
  readonly actor: Actor;
  readonly at: string;
  readonly txId: string;
  readonly policy: BlacklistPolicy;
  readonly policyVersion: number;
  readonly inputHash: string;
}

/**
 * Opening a dispute on an entry in force (ACTIVE today), by a member other than its uploader. The same dispute
 * id again with the same input is UNCHANGED; with another, IDEMPOTENCY_CONFLICT.
 */
export function decideOpenDispute(
  existing: DisputeRecord | undefined,
  entry: EntryRecord | undefined,
  input: DisputeInput,
  meta: DisputeMeta,
): { outcome: 'OPENED' | 'UNCHANGED'; dispute: DisputeRecord } {
  if (existing !== undefined) {
    if (existing.inputHash !== meta.inputHash)
      fail(
        'IDEMPOTENCY_CONFLICT',
        `dispute ${input.disputeId} was already opened with other content (tx ${existing.txId})`,
      );
    return { dispute: existing, outcome: 'UNCHANGED' };
  }
  if (entry === undefined)
    fail('ENTRY_NOT_FOUND', `no entry of ${input.uploader} about that subject in ${input.category}`);
  if (meta.actor.mspId === entry.uploader)
    fail(
      'WRONG_INSTITUTION',
      `${entry.uploader} listed this entry: an uploader retracts its entry in a dispute, it does not dispute it`,
    );
  const today = dayOf(meta.at);
  const status = effectiveStatus(entry, today);
  if (status !== 'ACTIVE')
    fail(
      'INVALID_TRANSITION',
      status === 'DISPUTED'
        ? `the entry is disputed already (dispute ${entry.dispute ?? '?'})`
        : `the entry is ${status}: only an entry in force can be disputed`,
    );
  const { answerDays, voteDays } = meta.policy.disputes;
  return {
    dispute: {
      answerDays,
      category: entry.category,
      deadline: addDays(today, answerDays),
      disputeId: input.disputeId,
      disputer: { mspId: meta.actor.mspId, name: meta.actor.name },
      inputHash: meta.inputHash,
      maintainedWith: null,
      openedAt: meta.at,
      policyVersion: meta.policyVersion,
      requestHash: input.requestHash,
      status: 'AWAITING_ANSWER',
      steps: [],
      subjectKey: entry.subjectKey,
      txId: meta.txId,
      uploader: entry.uploader,
      voteDays,
      votes: [],
      votingReason: null,
    },
    outcome: 'OPENED',
  };
}

export type StepOutcome =
  | { readonly outcome: 'UNCHANGED'; readonly dispute: DisputeRecord }
  | {
      readonly outcome: 'RECORDED';
      readonly dispute: DisputeRecord;
      readonly entryStatus: StoredEntryStatus;
    };

function partyOf(dispute: DisputeRecord, mspId: string, party: DisputeParty): boolean {
  switch (party) {
    case 'UPLOADER':
      return mspId === dispute.uploader;
    case 'DISPUTER':
      return mspId === dispute.disputer.mspId;
    case 'MEMBER':
      return true;
    default:
      return assertNever(party, 'dispute party');
  }
}

function tally(dispute: DisputeRecord, members: readonly MemberRecord[]): { revoke: number; uphold: number } {
  const memberIds = new Set(members.map((m) => m.mspId));
  let revoke = 0;
  let uphold = 0;
  for (const v of dispute.votes) {
    if (!memberIds.has(v.mspId)) continue;
    if (v.choice === 'REVOKE') revoke++;
    else uphold++;
  }
  return { revoke, uphold };
}

/**
 * One step of a dispute by the signer's institution (membership is checked by the contract). The step already
 * taken by the same institution with the same detail is UNCHANGED (a retried transaction); otherwise the table
 * decides: an action not allowed in the status is INVALID_TRANSITION (ALREADY_DECIDED once decided), by the
 * wrong institution NOT_A_PARTY, before a deadline's end DEADLINE_NOT_REACHED, after it DEADLINE_PASSED.
 */
export function decideDisputeStep(
  dispute: DisputeRecord,
  step: { action: DisputeAction; detail: string | null },
  members: readonly MemberRecord[],
  meta: Pick<DisputeMeta, 'actor' | 'at' | 'txId'>,
): StepOutcome {
  const by = meta.actor.mspId;
  const earlier = dispute.steps.find((s) => s.action === step.action && s.by === by);
  if (earlier !== undefined && step.action !== 'CLOSE') {
    if (earlier.detail === step.detail) return { dispute, outcome: 'UNCHANGED' };
    if (step.action === 'VOTE')
      fail(
        'ALREADY_DECIDED',
        `${by} voted ${String(earlier.detail)} on dispute ${dispute.disputeId} already (tx ${earlier.txId})`,
      );
  }
  const rule = DISPUTE_TRANSITIONS[dispute.status][step.action];
  if (rule === undefined) {
    if (Object.keys(DISPUTE_TRANSITIONS[dispute.status]).length === 0)
      fail('ALREADY_DECIDED', `dispute ${dispute.disputeId} is ${dispute.status}`);
    fail(
      'INVALID_TRANSITION',
      `${step.action} is not a step of a dispute that is ${dispute.status} (allowed: ${Object.keys(DISPUTE_TRANSITIONS[dispute.status]).join(', ')})`,
    );
  }
  if (!partyOf(dispute, by, rule.by))
    fail(
      'NOT_A_PARTY',
      `${step.action} on dispute ${dispute.disputeId} is for ${rule.by === 'UPLOADER' ? `the uploader, ${dispute.uploader}` : `the disputing member, ${dispute.disputer.mspId}`}; ${by} is not`,
    );
  const today = dayOf(meta.at);
  const deadline = dispute.deadline as string;
  if (rule.when === 'within' && today > deadline)
    fail(
      'DEADLINE_PASSED',
      `${step.action} on dispute ${dispute.disputeId} was due by ${deadline} (the ledger's day is ${today})`,
    );
  if (rule.when === 'after' && today <= deadline)
    fail(
      'DEADLINE_NOT_REACHED',
      `dispute ${dispute.disputeId} is ${dispute.status} until ${deadline} inclusive (the ledger's day is ${today}); it can be closed from the day after`,
    );
  const record: DisputeStep = {
    action: step.action,
    at: meta.at,
    by,
    detail: step.detail,
    name: meta.actor.name,
    status: dispute.status,
    txId: meta.txId,
  };
  const next = nextOf(dispute, step, members, today, by);
  const updated: DisputeRecord = { ...next, steps: [...dispute.steps, { ...record, status: next.status }] };
  return { dispute: updated, entryStatus: entryStatusFor(updated.status), outcome: 'RECORDED' };
}

function nextOf(
  d: DisputeRecord,
  step: { action: DisputeAction; detail: string | null },
  members: readonly MemberRecord[],
  today: string,
  by: string,
): DisputeRecord {
  const decided = (status: DisputeStatus): DisputeRecord => ({ ...d, deadline: null, status });
  const voting = (reason: 'CONTESTED' | 'UNANSWERED'): DisputeRecord => ({
    ...d,
    deadline: addDays(today, d.voteDays),
    status: 'VOTING',
    votingReason: reason,
  });
  switch (step.action) {
    case 'MAINTAIN':
      return {
        ...d,
        deadline: addDays(today, d.answerDays),
        maintainedWith: step.detail,
        status: 'MAINTAINED',
      };
    case 'RETRACT':
      return decided('RETRACTED');
    case 'WITHDRAW':
      return decided('WITHDRAWN');
    case 'CONTEST':
      return voting('CONTESTED');
    case 'VOTE': {
      const withVote: DisputeRecord = {
        ...d,
        votes: [...d.votes, { choice: step.detail as VoteChoice, mspId: by }],
      };
      const { revoke, uphold } = tally(withVote, members);
      const needed = majorityOf(members.length);
      if (revoke >= needed) return { ...withVote, deadline: null, status: 'REVOKED' };
      if (uphold >= needed) return { ...withVote, deadline: null, status: 'UPHELD' };
      return withVote;
    }
    case 'CLOSE':
      switch (d.status) {
        case 'AWAITING_ANSWER':
          return voting('UNANSWERED');
        case 'MAINTAINED':
          return decided('UPHELD');
        case 'VOTING': {
          const { revoke, uphold } = tally(d, members);
          return decided(revoke > uphold ? 'REVOKED' : 'UPHELD');
        }
        case 'WITHDRAWN':
        case 'RETRACTED':
        case 'UPHELD':
        case 'REVOKED':
          // The table allows CLOSE in none of these: decideDisputeStep refused it already.
          return fail('ALREADY_DECIDED', `dispute ${d.disputeId} is ${d.status}`);
        default:
          return assertNever(d.status, 'dispute status');
      }
    default:
      return assertNever(step.action, 'dispute action');
  }
}

/**
 * The entry after a recorded step of its dispute, and whether its private evidence is purged now (the signer
 * is the uploader, whose endorsement alone can write its collection) or becomes due for its uploader's next
 * purgeEvidence. null: the entry does not change (its status is already the one the dispute gives it, or the
 * dispute is about an earlier listing of it). A revoked entry keeps every field, its evidence hash included.
 */
export function entryAfterStep(
  entry: EntryRecord,
  dispute: DisputeRecord,
  meta: { readonly signer: string; readonly at: string; readonly txId: string },
): { entry: EntryRecord; purge: 'NOW' | 'DUE' | null } | null {
  if (entry.dispute !== dispute.disputeId) return null;
  const status = entryStatusFor(dispute.status);
  if (status !== 'REVOKED')
    return entry.status === status ? null : { entry: { ...entry, status }, purge: null };
  if (entry.status === 'REVOKED') return null;
  const now = meta.signer === entry.uploader;
  return {
    entry: {
      ...entry,
      evidencePurge: now
        ? { dueSince: meta.at, purgedAt: meta.at, status: 'DONE', txId: meta.txId }
        : { dueSince: meta.at, purgedAt: null, status: 'DUE', txId: null },
      revocation: {
        at: meta.at,
        disputeId: dispute.disputeId,
        how: dispute.status === 'RETRACTED' ? 'RETRACTED' : 'VOTE',
        txId: meta.txId,
      },
      status: 'REVOKED',
    },
    purge: now ? 'NOW' : 'DUE',
  };
}

/** The entry once its uploader purged its evidence: only the purge is recorded; the evidence hash stays. */
export function entryAfterPurge(entry: EntryRecord, at: string, txId: string): EntryRecord {
  if (entry.status !== 'REVOKED' || entry.evidencePurge?.status !== 'DUE')
    fail('INVALID_TRANSITION', `the evidence of this entry is not due for purging`);
  return { ...entry, evidencePurge: { ...entry.evidencePurge, purgedAt: at, status: 'DONE', txId } };
}
