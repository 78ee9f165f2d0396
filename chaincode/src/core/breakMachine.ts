import { hasAnyRole, type Actor, type Role } from './actor';
import { assert, assertNever } from './assert';
import { fail, TallyError, type ErrorCode } from './errors';
import { LIMITS } from './limits';
import type { BreakReason, FindingDetail } from './matching';
import { missingProposalFields, type RootCause } from './rootCause';

export const BREAK_STATUSES = ['OPEN', 'ASSIGNED', 'PROPOSED', 'APPROVED', 'ACCEPTED', 'RESOLVED'] as const;
export type BreakStatus = (typeof BREAK_STATUSES)[number];

export const RESOLUTION_KINDS = ['CORRECT_LEG', 'REVERSE', 'REFUND', 'WRITE_OFF'] as const;
export type ResolutionKind = (typeof RESOLUTION_KINDS)[number];

export const BREAK_ACTIONS = [
  'OPEN',
  'ASSIGN',
  'PROPOSE',
  'APPROVE',
  'ACCEPT',
  'REJECT',
  'RESOLVE',
  'CLEAR',
  'COMMENT',
  'SET_DUE',
  'ATTACH',
] as const;
export type BreakActionType = (typeof BREAK_ACTIONS)[number];

export type BreakAction =
  | { readonly type: 'ASSIGN'; readonly assignee: string }
  | { readonly type: 'PROPOSE'; readonly kind: ResolutionKind; readonly rootCause: RootCause }
  | { readonly type: 'APPROVE' }
  | { readonly type: 'ACCEPT' }
  | { readonly type: 'REJECT' }
  | { readonly type: 'RESOLVE' }
  | { readonly type: 'CLEAR' }
  | { readonly type: 'COMMENT' }
  | { readonly type: 'SET_DUE'; readonly dueAt: string }
  | { readonly type: 'ATTACH'; readonly attachment: Attachment };

/**
 * The media types a break's evidence may have: a statement or confirmation (PDF), a screenshot (PNG, JPEG), a
 * SWIFT message (MT as text, MX as XML), an extract (CSV). Anything else (an executable, an HTML page a browser
 * would run) is refused where it enters.
 */
export const ATTACHMENT_MEDIA_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'text/plain',
  'text/csv',
  'application/xml',
] as const;
export type AttachmentMediaType = (typeof ATTACHMENT_MEDIA_TYPES)[number];

/**
 * A file attached to a break as evidence. The file itself stays on the node of the institution that attached
 * it; the ledger keeps its SHA-256 (hex), its size and media type, and its name sealed for the parties (as a
 * comment is), so that every party can fetch it from that node and check it is the file attached.
 */
export interface Attachment {
  readonly sha256: string;
  readonly size: number;
  readonly mediaType: AttachmentMediaType;
  /** The file name; on the ledger sealed so that only the case's parties can read it. */
  readonly name: string;
}

export interface PersonRef {
  readonly mspId: string;
  readonly id: string;
  readonly name: string;
}

export interface TimelineEntry {
  readonly seq: number;
  readonly action: BreakActionType;
  readonly from: BreakStatus | null;
  readonly to: BreakStatus;
  readonly actor: PersonRef;
  readonly at: string;
  readonly txId: string;
  /** The person's comment; on the ledger it is sealed so that only the case's parties can read it. */
  readonly comment: string;
  readonly assignee?: string;
  readonly kind?: ResolutionKind;
  /** A proposal's root cause. */
  readonly rootCause?: RootCause;
  /** The due date a SET_DUE step set. */
  readonly dueAt?: string;
  /** The file an ATTACH step attached. */
  readonly attachment?: Attachment;
}

export interface BreakRecord {
  readonly breakId: string;
  readonly caseId: string;
  readonly findingKey: string;
  readonly reason: BreakReason;
  readonly detail: FindingDetail;
  readonly parties: readonly string[];
  readonly status: BreakStatus;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly assignee?: PersonRef;
  readonly proposal?: {
    readonly kind: ResolutionKind;
    readonly rootCause?: RootCause;
    readonly proposer: PersonRef;
    readonly approver?: PersonRef;
  };
  readonly acceptedBy: readonly string[];
  readonly resolution?: ResolutionKind | 'CLEARED';
  /** Why the break happened: the agreed proposal's root cause, recorded when it resolves the break. */
  readonly rootCause?: RootCause;
  /**
   * When the break is due to be resolved: at opening, its resolution service level after (LIMITS.breakDueMsDefault);
   * an approver of a party moves it (SET_DUE, with a comment). Past it, an unresolved break is escalated
   * (isOverdue). Absent only on breaks opened before due dates existed.
   */
  readonly dueAt?: string;
  readonly timeline: readonly TimelineEntry[];
}

export interface ActionContext {
  readonly actor: Actor;
  readonly at: string;
  readonly txId: string;
  readonly comment: string;
}

export const COMMENT_REQUIRED: ReadonlySet<BreakActionType> = new Set([
  'PROPOSE',
  'REJECT',
  'RESOLVE',
  'COMMENT',
  'SET_DUE',
]);

const STAFF: readonly Role[] = ['reconciler', 'approver'];

/**
 * Which roles may take each action (whose institution, in which status: applyBreakAction). The contract checks
 * this table before it reads anything; the machine checks it again.
 */
export const ACTION_ROLES: Readonly<Record<BreakActionType, readonly Role[]>> = {
  OPEN: [],
  ASSIGN: STAFF,
  PROPOSE: ['reconciler'],
  APPROVE: ['approver'],
  ACCEPT: STAFF,
  REJECT: STAFF,
  RESOLVE: STAFF,
  CLEAR: [],
  COMMENT: STAFF,
  SET_DUE: ['approver'],
  ATTACH: STAFF,
};

const person = (a: Actor): PersonRef => ({ mspId: a.mspId, id: a.id, name: a.name });

function requireRole(actor: Actor, roles: readonly Role[], action: string): void {
  if (!hasAnyRole(actor, roles))
    fail(
      'ROLE_REQUIRED',
      `${action} needs the role ${roles.join(' or ')}; ${actor.name} has ${actor.roles.join(', ') || 'none'}`,
    );
}

function requireStatus(b: BreakRecord, allowed: readonly BreakStatus[], action: string): void {
  if (!allowed.includes(b.status)) {
    fail(
      'INVALID_TRANSITION',
      `cannot ${action} break ${b.breakId} in status ${b.status} (allowed from ${allowed.join(', ')})`,
    );
  }
}

export function openBreak(
  init: {
    breakId: string;
    caseId: string;
    findingKey: string;
    reason: BreakReason;
    detail: FindingDetail;
    parties: readonly string[];
    /** The break's resolution service level: due this long after opening; default LIMITS.breakDueMsDefault. */
    dueInMs?: number;
  },
  ctx: ActionContext,
): BreakRecord {
  const entry: TimelineEntry = {
    seq: 0,
    action: 'OPEN',
    from: null,
    to: 'OPEN',
    actor: person(ctx.actor),
    at: ctx.at,
    txId: ctx.txId,
    comment: ctx.comment,
  };
  const { dueInMs, ...facts } = init;
  return {
    ...facts,
    parties: [...init.parties].sort(),
    status: 'OPEN',
    dueAt: plusMs(ctx.at, dueInMs ?? LIMITS.breakDueMsDefault),
    openedAt: ctx.at,
    updatedAt: ctx.at,
    acceptedBy: [],
    timeline: [entry],
  };
}

/**
 * The one place a break changes. Who may do what:
 * - ASSIGN (OPEN/ASSIGNED): a reconciler or approver of a party, to someone of their own institution; to the
 *   person who has it already and without a comment, nothing changes (the same break, no timeline entry); with
 *   a comment, the entry records it.
 * - PROPOSE (ASSIGNED): a reconciler of the assignee's institution.
 * - APPROVE (PROPOSED): an approver of the proposing institution who is not the proposer (four eyes).
 * - REJECT: in PROPOSED by the proposer or an approver of that institution; in APPROVED by another party that
 *   has not accepted. Either way the break goes back to its assignee (ASSIGNED) and the proposal is dropped (it
 *   stays in the timeline).
 * - ACCEPT (APPROVED): every party other than the proposing institution; the last acceptance makes it ACCEPTED.
 * - RESOLVE (ACCEPTED): the proposing institution, once the correction is booked; never for CORRECT_LEG, which
 *   resolves itself: the proposing institution posts the corrected leg, matching finds the legs agree and
 *   clears the break, and an agreed (ACCEPTED) correction is recorded as its resolution (CORRECT_LEG).
 * - CLEAR: matching found the cause gone (a late leg arrived, a duplicate was withdrawn, a leg was corrected).
 * - COMMENT: any reconciler or approver of a party, in any status.
 * - SET_DUE (any status but RESOLVED): an approver of a party moves the due date, with a comment.
 * - ATTACH (any status but RESOLVED): a reconciler or approver of a party attaches a file (parseAttachment);
 *   the status does not change; a comment is optional.
 * A proposal carries its resolution kind, a root cause (core/rootCause.ts) and a comment; a missing one is
 * PROPOSAL_INCOMPLETE naming every one missing. Resolving by the agreed proposal records its root cause.
 */
export function applyBreakAction(b: BreakRecord, action: BreakAction, ctx: ActionContext): BreakRecord {
  const { actor } = ctx;
  if (action.type !== 'CLEAR' && !b.parties.includes(actor.mspId)) {
    fail('NOT_A_PARTY', `${actor.mspId} is not a party to break ${b.breakId}`);
  }
  // A proposal names every field it lacks at once (the console asks for them together).
  if (action.type === 'PROPOSE') requireProposalFields(action, ctx.comment);
  else if (COMMENT_REQUIRED.has(action.type) && ctx.comment.trim() === '')
    fail('INVALID_INPUT', `${action.type} needs a comment`);
  if (action.type !== 'CLEAR') requireRole(actor, ACTION_ROLES[action.type], action.type);
  const { next, extra, unchanged } = step(b, action, actor, ctx.comment);
  // Assigned again to the person who has it, with nothing to say: the same break, no second entry.
  if (unchanged === true) return b;

  // The timeline is append-only and has no gap: entry n is at index n.
  for (let i = 0; i < b.timeline.length; i++) {
    const seq = b.timeline[i]?.seq;
    assert(seq === i, () => `break ${b.breakId}: timeline entry ${i} has seq ${String(seq)}`);
  }
  const entry: TimelineEntry = {
    seq: b.timeline.length,
    action: action.type,
    from: b.status,
    to: next.status,
    actor: person(actor),
    at: ctx.at,
    txId: ctx.txId,
    comment: ctx.comment,
    ...extra,
  };
  return { ...next, updatedAt: ctx.at, timeline: [...b.timeline, entry] };
}

/** What one action makes of a break, and what its timeline entry adds; the checks of who may take it included. */
interface Step {
  readonly next: BreakRecord;
  readonly extra?: Partial<Pick<TimelineEntry, 'assignee' | 'kind' | 'rootCause' | 'dueAt' | 'attachment'>>;
  /** The action changes nothing (an assignment, without a comment, to the person who has the break): no entry. */
  readonly unchanged?: boolean;
}

const isAssignedTo = (b: BreakRecord, mspId: string, name: string): boolean =>
  b.status === 'ASSIGNED' && b.assignee?.mspId === mspId && b.assignee.name === name;

function step(b: BreakRecord, action: BreakAction, actor: Actor, comment: string): Step {
  switch (action.type) {
    case 'ASSIGN':
      requireStatus(b, ['OPEN', 'ASSIGNED'], 'assign');
      if (isAssignedTo(b, actor.mspId, action.assignee) && comment.trim() === '')
        return { next: b, unchanged: true };
      return {
        next: { ...b, status: 'ASSIGNED', assignee: { mspId: actor.mspId, id: '', name: action.assignee } },
        extra: { assignee: action.assignee },
      };
    case 'PROPOSE':
      return propose(b, action.kind, action.rootCause, actor);
    case 'APPROVE':
      return approve(b, actor);
    case 'ACCEPT':
      return accept(b, actor);
    case 'REJECT':
      return reject(b, actor);
    case 'RESOLVE':
      requireStatus(b, ['ACCEPTED'], 'resolve');
      if (b.proposal?.proposer.mspId !== actor.mspId) {
        fail(
          'WRONG_INSTITUTION',
          `the proposing institution ${b.proposal?.proposer.mspId ?? '?'} books and resolves the correction`,
        );
      }
      if (b.proposal.kind === 'CORRECT_LEG') {
        fail(
          'INVALID_TRANSITION',
          `break ${b.breakId} is resolved by correcting the leg: ${actor.mspId} posts the corrected leg (naming the leg it corrects), and the break resolves itself once the legs agree`,
        );
      }
      return { next: { ...resolvedBy(b), status: 'RESOLVED', resolution: b.proposal.kind } };
    case 'CLEAR':
      requireStatus(b, ['OPEN', 'ASSIGNED', 'PROPOSED', 'APPROVED', 'ACCEPTED'], 'clear');
      // The agreed correction was posted and the legs now agree: the break is resolved by it, not merely cleared.
      return b.status === 'ACCEPTED' && b.proposal?.kind === 'CORRECT_LEG'
        ? { next: { ...resolvedBy(b), status: 'RESOLVED', resolution: 'CORRECT_LEG' } }
        : { next: { ...b, status: 'RESOLVED', resolution: 'CLEARED' } };
    case 'COMMENT':
      return { next: b };
    case 'SET_DUE':
      return setDue(b, action.dueAt);
    case 'ATTACH':
      return attach(b, action.attachment);
    default:
      return assertNever(action, 'break action');
  }
}

/** The break resolved by its agreed proposal: the proposal's root cause becomes the break's. */
function resolvedBy(b: BreakRecord): BreakRecord {
  const rootCause = b.proposal?.rootCause;
  return rootCause === undefined ? b : { ...b, rootCause };
}

function requireProposalFields(action: { kind: unknown; rootCause: unknown }, comment: string): void {
  const missing = missingProposalFields({ ...action, comment }, RESOLUTION_KINDS);
  if (missing.length > 0)
    fail(
      'PROPOSAL_INCOMPLETE',
      `a proposal needs ${missing.join(', ')} (kind: ${RESOLUTION_KINDS.join('/')}; rootCause: one of the root-cause codes; a comment)`,
    );
}

/** An ISO time `ms` later; the core takes times as data and never reads a clock. */
function plusMs(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * An approver moves the due date (any status but RESOLVED): no earlier than the break opened, no later than
 * LIMITS.breakDueMsMax after. A date already passed is allowed (the break is then overdue at once).
 */
function setDue(b: BreakRecord, dueAt: string): Step {
  requireStatus(b, ['OPEN', 'ASSIGNED', 'PROPOSED', 'APPROVED', 'ACCEPTED'], 'move the due date of');
  const ms = ISO_UTC.test(dueAt) ? Date.parse(dueAt) : Number.NaN;
  if (Number.isNaN(ms))
    fail('INVALID_INPUT', `dueAt must be a UTC ISO-8601 time, got ${JSON.stringify(dueAt)}`);
  const opened = Date.parse(b.openedAt);
  if (ms < opened || ms > opened + LIMITS.breakDueMsMax)
    fail(
      'INVALID_INPUT',
      `dueAt must lie between the break's opening (${b.openedAt}) and ${String(LIMITS.breakDueMsMax / 86_400_000)} days after`,
    );
  const normalised = new Date(ms).toISOString();
  return { next: { ...b, dueAt: normalised }, extra: { dueAt: normalised } };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * An attachment's facts as the ledger takes them, each checked (INVALID_INPUT naming the field): `sha256` 64
 * lower-case hex digits, `size` a whole number of bytes from 1 to LIMITS.attachmentBytesMax, `mediaType` one of
 * ATTACHMENT_MEDIA_TYPES, `name` text of at most LIMITS.attachmentStoredNameMax characters (the sealed name).
 */
export function parseAttachment(value: unknown): Attachment {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('INVALID_INPUT', 'attachment must be an object { sha256, size, mediaType, name }');
  const a = value as Record<string, unknown>;
  const unknownKeys = Object.keys(a).filter((k) => !['sha256', 'size', 'mediaType', 'name'].includes(k));
  if (unknownKeys.length > 0)
    fail('INVALID_INPUT', `attachment has unknown fields: ${unknownKeys.join(', ')}`);
  if (typeof a.sha256 !== 'string' || !SHA256_HEX.test(a.sha256))
    fail('INVALID_INPUT', 'attachment.sha256 must be 64 lower-case hex digits (SHA-256 of the file)');
  if (
    typeof a.size !== 'number' ||
    !Number.isInteger(a.size) ||
    a.size < 1 ||
    a.size > LIMITS.attachmentBytesMax
  )
    fail(
      'INVALID_INPUT',
      `attachment.size must be a whole number of bytes from 1 to ${String(LIMITS.attachmentBytesMax)}`,
    );
  const mediaType = a.mediaType;
  if (typeof mediaType !== 'string' || !(ATTACHMENT_MEDIA_TYPES as readonly string[]).includes(mediaType))
    fail('INVALID_INPUT', `attachment.mediaType must be one of ${ATTACHMENT_MEDIA_TYPES.join(', ')}`);
  if (typeof a.name !== 'string' || a.name.trim() === '' || a.name.length > LIMITS.attachmentStoredNameMax)
    fail(
      'INVALID_INPUT',
      `attachment.name must be text of 1 to ${String(LIMITS.attachmentStoredNameMax)} characters`,
    );
  return { sha256: a.sha256, size: a.size, mediaType: mediaType as AttachmentMediaType, name: a.name };
}

/** The files attached to a break, in the order attached (ATTACH entries of its timeline). */
export function attachmentsOf(
  b: Pick<BreakRecord, 'timeline'>,
): { entry: TimelineEntry; attachment: Attachment }[] {
  const out: { entry: TimelineEntry; attachment: Attachment }[] = [];
  for (const entry of b.timeline) if (entry.attachment) out.push({ entry, attachment: entry.attachment });
  return out;
}

/**
 * A file attached (any status but RESOLVED): the status does not change. The same file twice on one break is
 * refused (INVALID_INPUT naming the step that attached it), as is one past LIMITS.attachmentsPerBreakMax.
 */
function attach(b: BreakRecord, attachment: Attachment): Step {
  requireStatus(b, ['OPEN', 'ASSIGNED', 'PROPOSED', 'APPROVED', 'ACCEPTED'], 'attach a file to');
  const checked = parseAttachment(attachment);
  const attached = attachmentsOf(b);
  const same = attached.find((x) => x.attachment.sha256 === checked.sha256);
  if (same)
    fail(
      'INVALID_INPUT',
      `attachment.sha256: this file is attached to break ${b.breakId} already (step ${String(same.entry.seq)})`,
    );
  if (attached.length >= LIMITS.attachmentsPerBreakMax)
    fail(
      'INVALID_INPUT',
      `break ${b.breakId} keeps at most ${String(LIMITS.attachmentsPerBreakMax)} attachments`,
    );
  return { next: b, extra: { attachment: checked } };
}

/** Whether the break is past its due date at `at` (ledger time) and not resolved: it is escalated. */
export function isOverdue(b: { status: BreakStatus; dueAt?: string | null }, at: string): boolean {
  return b.status !== 'RESOLVED' && typeof b.dueAt === 'string' && b.dueAt <= at;
}

function propose(b: BreakRecord, kind: ResolutionKind, rootCause: RootCause, actor: Actor): Step {
  requireStatus(b, ['ASSIGNED'], 'propose a resolution for');
  if (b.assignee?.mspId !== actor.mspId) {
    fail(
      'WRONG_INSTITUTION',
      `break ${b.breakId} is assigned to ${b.assignee?.mspId ?? 'nobody'}; ${actor.mspId} cannot propose`,
    );
  }
  return {
    next: {
      ...b,
      status: 'PROPOSED',
      proposal: { kind, rootCause, proposer: person(actor) },
      acceptedBy: [],
    },
    extra: { kind, rootCause },
  };
}

function approve(b: BreakRecord, actor: Actor): Step {
  requireStatus(b, ['PROPOSED'], 'approve');
  const proposal = b.proposal;
  if (!proposal) return fail('INVALID_TRANSITION', `break ${b.breakId} has no proposal`);
  if (proposal.proposer.mspId !== actor.mspId) {
    fail(
      'WRONG_INSTITUTION',
      `only ${proposal.proposer.mspId}, which proposed, approves; ${actor.mspId} accepts or rejects later`,
    );
  }
  if (proposal.proposer.id === actor.id)
    fail('SELF_APPROVAL', `${actor.name} proposed this resolution and cannot also approve it`);
  const others = b.parties.filter((p) => p !== actor.mspId);
  return {
    next: {
      ...b,
      status: others.length === 0 ? 'ACCEPTED' : 'APPROVED',
      proposal: { ...proposal, approver: person(actor) },
    },
  };
}

function accept(b: BreakRecord, actor: Actor): Step {
  requireStatus(b, ['APPROVED'], 'accept');
  const proposer = b.proposal?.proposer.mspId;
  if (proposer === actor.mspId)
    fail('WRONG_INSTITUTION', `${actor.mspId} proposed this resolution; the other parties accept it`);
  if (b.acceptedBy.includes(actor.mspId))
    fail('ALREADY_DECIDED', `${actor.mspId} has already accepted break ${b.breakId}`);
  const acceptedBy = [...b.acceptedBy, actor.mspId].sort();
  const all = b.parties.filter((p) => p !== proposer).every((p) => acceptedBy.includes(p));
  return { next: { ...b, status: all ? 'ACCEPTED' : 'APPROVED', acceptedBy } };
}

function reject(b: BreakRecord, actor: Actor): Step {
  requireStatus(b, ['PROPOSED', 'APPROVED'], 'reject');
  const proposal = b.proposal;
  if (!proposal) return fail('INVALID_TRANSITION', `break ${b.breakId} has no proposal`);
  if (b.status === 'PROPOSED') {
    const own = proposal.proposer.mspId === actor.mspId;
    if (!own || (proposal.proposer.id !== actor.id && !hasAnyRole(actor, ['approver']))) {
      fail(
        'WRONG_INSTITUTION',
        `a proposal awaiting approval is rejected by an approver of ${proposal.proposer.mspId} or withdrawn by its proposer`,
      );
    }
  } else {
    if (proposal.proposer.mspId === actor.mspId)
      fail('WRONG_INSTITUTION', `${actor.mspId} approved this proposal; the other parties decide on it now`);
    if (b.acceptedBy.includes(actor.mspId))
      fail('ALREADY_DECIDED', `${actor.mspId} has already accepted break ${b.breakId}`);
  }
  // The proposal goes (it stays in the timeline); the break goes back to its assignee, who proposes again.
  const { proposal: _p, ...rest } = b;
  return { next: { ...rest, status: b.assignee ? 'ASSIGNED' : 'OPEN', acceptedBy: [] } };
}

/** What a person asks of a break (OPEN and CLEAR are the ledger's own: matching opens and clears). */
export type PersonAction = Exclude<BreakActionType, 'OPEN' | 'CLEAR'>;
export const PERSON_ACTIONS: readonly PersonAction[] = BREAK_ACTIONS.filter(
  (a): a is PersonAction => a !== 'OPEN' && a !== 'CLEAR',
);

/** A file no break holds (its hash is no file's): what allowedActions asks ATTACH with. */
const PLACEHOLDER_ATTACHMENT: Attachment = {
  sha256: '0'.repeat(64),
  size: 1,
  mediaType: 'text/plain',
  name: '…',
};

export type Allowance =
  { readonly allowed: true } | { readonly allowed: false; readonly code: ErrorCode; readonly reason: string };

/**
 * Which of the person actions `actor` may take on `b` now, each with the ledger's reason when not: decided by
 * applyBreakAction itself (with a placeholder comment, assignee and resolution kind, which change no rule), so
 * what the console offers and the HTTP layer checks can never differ from what the chaincode enforces.
 */
export function allowedActions(b: BreakRecord, actor: Actor): Readonly<Record<PersonAction, Allowance>> {
  const ctx: ActionContext = { actor, at: b.updatedAt, txId: '', comment: '…' };
  const of = (type: PersonAction): BreakAction =>
    type === 'ASSIGN'
      ? { type, assignee: '' } // nobody's name: assigning to the person who has it already is a no-op
      : type === 'PROPOSE'
        ? { type, kind: 'CORRECT_LEG', rootCause: 'OTHER' }
        : type === 'SET_DUE'
          ? { type, dueAt: b.dueAt ?? b.openedAt }
          : type === 'ATTACH'
            ? { type, attachment: PLACEHOLDER_ATTACHMENT }
            : { type };
  const result = {} as Record<PersonAction, Allowance>;
  for (const type of PERSON_ACTIONS) {
    try {
      applyBreakAction(b, of(type), ctx);
      result[type] = { allowed: true };
    } catch (e) {
      if (!(e instanceof TallyError)) throw e;
      result[type] = { allowed: false, code: e.code, reason: e.detail };
    }
  }
  return result;
}
