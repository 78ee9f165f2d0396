import { Type } from '@sinclair/typebox';

import type {
  CaseRecord,
  SealedBreak as LedgerBreak,
  SealedEntry as LedgerEntry,
} from '../../../../chaincode/src/api/reconciliation';
import { ROLES } from '../../../../chaincode/src/core/actor';
import {
  ATTACHMENT_MEDIA_TYPES,
  BREAK_ACTIONS,
  BREAK_STATUSES,
  RESOLUTION_KINDS,
  type BreakRecord,
  type TimelineEntry as CoreTimelineEntry,
} from '../../../../chaincode/src/core/breakMachine';
import { LEG_ROLES, MATCH_FIELDS, OUTCOMES, ROUTE_STOPS_MAX } from '../../../../chaincode/src/core/leg';
import { LIMITS } from '../../../../chaincode/src/core/limits';
import { BREAK_REASONS } from '../../../../chaincode/src/core/matching';
import { ROOT_CAUSES } from '../../../../chaincode/src/core/rootCause';
import { REPORT_ITEMS_MAX } from '../../ingest/report';
import { ERROR_CODES } from '../errors';
import { PROBLEMS_MAX } from '../legProblems';
import { AnyJson, component, Decimal, Int, Nullable, Obj, OneOf, Str, Time, type Shape } from './schema';

/**
 * Every shape the API takes or answers that more than one route uses, declared once. The OpenAPI document names
 * each under `components.schemas`; the server validates with them; the console and the CLI take their types
 * (`Shape<typeof X>`, exported in `../apiTypes.ts`).
 */

const CASE_STATUSES = ['PENDING', 'MATCHED', 'BROKEN'] as const;

export const User = component(
  'User',
  Obj({ enrollmentId: Type.String(), mspId: Type.String(), roles: Type.Array(OneOf(ROLES)) }),
);
export const Session = component(
  'Session',
  Obj({ token: Type.String(), expiresAt: Time('when the session ends at the latest'), user: User }),
);
export const MutualTlsProvisioned = component(
  'MutualTlsProvisioned',
  Obj({ authentication: Type.Literal('mutualTLS'), user: User }),
);

export const RouteStop = component('RouteStop', Obj({ mspId: Type.String(), role: OneOf(LEG_ROLES) }));

/**
 * A leg as a member posts it. The server checks a leg with the core's own parsers (legProblems.ts), which name
 * the core's codes (INVALID_AMOUNT, UNKNOWN_CURRENCY, ...): this schema describes what they accept.
 */
export const LegInput = component(
  'LegInput',
  Type.Object(
    {
      mspId: Type.Optional(Type.String({ description: 'the signing institution, if given' })),
      legId: Str({ pattern: '^[A-Za-z0-9._:-]{1,64}$' }),
      reference: Str({ description: 'UETR (lowercase UUID v4) or EndToEndId' }),
      role: OneOf(LEG_ROLES),
      branch: Type.Optional(Str({ pattern: '^[A-Za-z0-9]{1,11}$' })),
      route: Type.Array(RouteStop, { minItems: 2, maxItems: ROUTE_STOPS_MAX }),
      amountMinor: Str({
        pattern: '^[1-9][0-9]{0,17}$',
        description: 'integer minor units as a decimal string',
      }),
      currency: Str({ pattern: '^[A-Z]{3}$' }),
      valueDate: Type.String({ format: 'date' }),
      payerRef: Type.String(),
      payeeRef: Type.String(),
      outcome: OneOf(OUTCOMES),
      corrects: Type.Optional(
        Str({
          pattern: '^[A-Za-z0-9._:-]{1,64}$',
          description:
            'a correction entry: the id of the institution’s own earlier leg of the same payment and route that this leg corrects (superseded from then on; matching takes this leg). A reconciler may post a correction; other legs need the submitter role',
        }),
      ),
    },
    { additionalProperties: false },
  ),
);

const Committed = {
  txId: Type.String(),
  blockNumber: Decimal('the block that holds the transaction'),
};
export const CommittedLegs = component(
  'CommittedLegs',
  Obj({
    ...Committed,
    result: Type.Array(
      Obj({
        legId: Type.String(),
        caseId: Type.String(),
        outcome: OneOf(['POSTED', 'UNCHANGED']),
        caseStatus: OneOf(CASE_STATUSES),
      }),
    ),
  }),
);
export const SweepResult = component(
  'SweepResult',
  Obj({
    ...Committed,
    result: Obj({ flagged: Int(), examined: Int(), more: Type.Boolean() }),
  }),
);

const Digests = Obj(
  Object.fromEntries(MATCH_FIELDS.map((f) => [f, Type.String()])) as Record<
    (typeof MATCH_FIELDS)[number],
    ReturnType<typeof Type.String>
  >,
  'SHA-256 of `reference ␟ field ␟ value` per match field',
);
export const CaseLeg = component(
  'CaseLeg',
  Obj({
    legId: Type.String(),
    mspId: Type.String(),
    role: OneOf(LEG_ROLES),
    route: Type.Array(RouteStop),
    postedAt: Time(),
    txId: Type.String(),
    digests: Digests,
    corrects: Type.Optional(
      Type.String({ description: 'a correction: the leg of the same institution it corrects (superseded)' }),
    ),
  }),
);
export const Case = component(
  'Case',
  Obj({
    caseId: Type.String({
      description:
        'the payment reference on its route: 32 hex digits of a hash of the reference (shared by every case of it), then 32 of its route',
    }),
    parties: Type.Array(Type.String(), { description: "the route's institutions" }),
    expected: Type.Array(RouteStop),
    otherCases: Type.Array(Type.String(), {
      description: 'the other cases of the same reference: legs that declared other routes for it',
    }),
    status: OneOf(CASE_STATUSES),
    openedAt: Time(),
    updatedAt: Time(),
    matchedAt: Type.Optional(Time()),
    serviceLevelMs: Int(),
    dueAtMs: Int(),
    awaitingLegs: Type.Boolean(),
    legs: Type.Array(CaseLeg),
    breaks: Type.Array(
      Obj({
        findingKey: Type.String(),
        breakId: Type.String(),
        open: Type.Boolean(),
        cleared: Type.Boolean(),
      }),
    ),
    notices: Type.Optional(
      Type.Array(
        Obj({
          t: Type.String({ description: 'the tag one party recognises (base64url)' }),
          b: Type.String({ description: 'the payment reference, boxed for that party (base64url)' }),
        }),
        {
          description:
            "notices the posters left for the case's other parties: each lets one party's node learn the payment reference",
        },
      ),
    ),
  }),
);

export const PersonRef = component(
  'PersonRef',
  Obj({ mspId: Type.String(), id: Type.String(), name: Type.String() }),
);
const LegRef = Obj({ legId: Type.String(), mspId: Type.String(), role: OneOf(LEG_ROLES) });
/** A file attached to a break (ATTACH): the file stays on the node that attached it; the ledger holds this. */
export const AttachmentFacts = component(
  'AttachmentFacts',
  Obj({
    sha256: Str({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the file, hex' }),
    size: Int({ min: 1, max: LIMITS.attachmentBytesMax, description: 'bytes' }),
    mediaType: OneOf(ATTACHMENT_MEDIA_TYPES),
    name: Type.String({
      description:
        'the file name, sealed for the parties with the case’s key; opened, like the comments, when the break is read with its reference (and by GET /breaks/{breakId}/attachments when the node holds it)',
    }),
  }),
);
/** A file attached to a break, as GET /breaks/{breakId}/attachments lists it. */
export const BreakAttachment = component(
  'BreakAttachment',
  Obj({
    seq: Int({ description: 'the ATTACH step in the break timeline' }),
    sha256: Str({ pattern: '^[0-9a-f]{64}$', description: 'the SHA-256 of the file, 64 hex digits' }),
    size: Int({ min: 1, max: LIMITS.attachmentBytesMax, description: 'bytes' }),
    mediaType: OneOf(ATTACHMENT_MEDIA_TYPES),
    name: Nullable(
      Type.String({ description: 'the file name; null while this node holds no reference of the case' }),
    ),
    attachedBy: Nullable(PersonRef),
    attachedAt: Time(),
    txId: Type.String(),
    held: Type.Boolean({
      description:
        "this node holds the file; otherwise a download fetches it from the attaching party's node",
    }),
  }),
);
export const BreakAttachments = component('BreakAttachments', Obj({ items: Type.Array(BreakAttachment) }));
export const TimelineEntry = component(
  'TimelineEntry',
  Obj({
    seq: Int(),
    action: OneOf(BREAK_ACTIONS),
    from: Nullable(OneOf(BREAK_STATUSES)),
    to: OneOf(BREAK_STATUSES),
    actor: PersonRef,
    at: Time(),
    txId: Type.String(),
    comment: Type.String({
      description: 'sealed for the parties unless the break was opened with its reference',
    }),
    assignee: Type.Optional(Type.String()),
    kind: Type.Optional(OneOf(RESOLUTION_KINDS)),
    rootCause: Type.Optional(OneOf(ROOT_CAUSES, 'PROPOSE: why the break happened')),
    dueAt: Type.Optional(Time()),
    attachment: Type.Optional(AttachmentFacts),
  }),
);
const ESCALATED =
  "GET /breaks/{breakId} on a node with an index: past its due date and not resolved, by the ledger's time (the newest transaction the index holds, never the node's clock), as the queue's escalated";
const DUE_AT =
  'when the break is due to be resolved: a day after it opens unless an approver moved it (SET_DUE); past it, an unresolved break is escalated';
export const Break = component(
  'Break',
  Obj({
    breakId: Type.String(),
    caseId: Type.String(),
    findingKey: Type.String(),
    reason: OneOf(BREAK_REASONS),
    detail: Obj({
      fields: Type.Optional(Type.Array(OneOf(MATCH_FIELDS))),
      groups: Type.Optional(Type.Array(Type.Array(LegRef))),
      legs: Type.Optional(Type.Array(LegRef)),
      missing: Type.Optional(Type.Array(RouteStop)),
      otherCases: Type.Optional(
        Type.Array(Type.String(), { description: 'UNEXPECTED_LEG: the cases of the other routes declared' }),
      ),
    }),
    parties: Type.Array(Type.String()),
    status: OneOf(BREAK_STATUSES),
    openedAt: Time(),
    updatedAt: Time(),
    assignee: Type.Optional(PersonRef),
    proposal: Type.Optional(
      Obj({
        kind: OneOf(RESOLUTION_KINDS),
        rootCause: Type.Optional(OneOf(ROOT_CAUSES)),
        proposer: PersonRef,
        approver: Type.Optional(PersonRef),
      }),
    ),
    acceptedBy: Type.Array(Type.String()),
    resolution: Type.Optional(OneOf([...RESOLUTION_KINDS, 'CLEARED'])),
    rootCause: Type.Optional(OneOf(ROOT_CAUSES, 'the root cause the break was resolved with')),
    dueAt: Type.Optional(Time(DUE_AT)),
    escalated: Type.Optional(Type.Boolean({ description: ESCALATED })),
    timeline: Type.Array(TimelineEntry),
  }),
);
const SEALED_PEOPLE =
  "sealed for the parties (AES-256-GCM under the case's people key, derived from the payment reference)";
export const SealedTimelineEntry = component(
  'SealedTimelineEntry',
  Obj({
    seq: Int(),
    action: OneOf(BREAK_ACTIONS),
    from: Nullable(OneOf(BREAK_STATUSES)),
    to: OneOf(BREAK_STATUSES),
    people: Type.String({
      description: `the actor (and an assignment's assignee), ${SEALED_PEOPLE}; empty for the ledger's own steps (OPEN, CLEAR)`,
    }),
    at: Time(),
    txId: Type.String(),
    comment: Type.String({ description: 'sealed for the parties' }),
    kind: Type.Optional(OneOf(RESOLUTION_KINDS)),
    rootCause: Type.Optional(OneOf(ROOT_CAUSES)),
    dueAt: Type.Optional(Time()),
    attachment: Type.Optional(AttachmentFacts),
  }),
);
export const SealedBreak = component(
  'SealedBreak',
  Obj(
    {
      breakId: Type.String(),
      caseId: Type.String(),
      findingKey: Type.String(),
      reason: OneOf(BREAK_REASONS),
      detail: Break.properties.detail,
      parties: Type.Array(Type.String()),
      status: OneOf(BREAK_STATUSES),
      openedAt: Time(),
      updatedAt: Time(),
      people: Type.String({
        description: `assignee, proposer and approver, ${SEALED_PEOPLE}; empty while the break names nobody`,
      }),
      proposal: Type.Optional(
        Obj({ kind: OneOf(RESOLUTION_KINDS), rootCause: Type.Optional(OneOf(ROOT_CAUSES)) }),
      ),
      acceptedBy: Type.Array(Type.String()),
      resolution: Type.Optional(OneOf([...RESOLUTION_KINDS, 'CLEARED'])),
      rootCause: Type.Optional(OneOf(ROOT_CAUSES)),
      dueAt: Type.Optional(Time(DUE_AT)),
      escalated: Type.Optional(Type.Boolean({ description: ESCALATED })),
      timeline: Type.Array(SealedTimelineEntry),
    },
    'a break as the ledger holds it: no person in plaintext',
  ),
);
export const CommittedBreak = component('CommittedBreak', Obj({ ...Committed, result: Break }));
export const BreaksPage = component(
  'BreaksPage',
  Obj({
    items: Type.Array(SealedBreak),
    nextCursor: Nullable(Type.String({ description: 'pass back as `cursor` for the next page' })),
  }),
);

/** A leg's plaintext as its own institution reads it (a case opened with its reference). */
const LegDetail = Obj({
  mspId: Type.Optional(Type.String()),
  legId: Type.String(),
  reference: Type.String(),
  role: OneOf(LEG_ROLES),
  branch: Type.Optional(Type.String()),
  route: Type.Array(RouteStop),
  amountMinor: Decimal('integer minor units'),
  currency: Type.String(),
  valueDate: Type.String({ format: 'date' }),
  payerRef: Type.String(),
  payeeRef: Type.String(),
  outcome: OneOf(OUTCOMES),
  corrects: Type.Optional(Type.String({ description: 'the leg this one corrects' })),
});
export const OpenCase = component(
  'OpenCase',
  Obj({
    case: Case,
    legs: Type.Array(Type.Composite([CaseLeg, Obj({ detail: LegDetail })], { additionalProperties: false })),
    breaks: Type.Array(Break),
    reference: Str({ min: 1, max: 64, description: 'the payment reference the case was opened with' }),
  }),
);

// The queue's shapes (ViewQuery, QueueItem, QueuePage, SavedView, SavedViews, People) live with it.
export { People, QueueItem, QueuePage, SavedView, SavedViews, ViewQuery } from './queueShapes';

export const BulkAssignResult = component(
  'BulkAssignResult',
  Obj({
    assigned: Int({ description: 'breaks assigned' }),
    results: Type.Array(
      Type.Union([
        Obj({
          breakId: Type.String(),
          ok: Type.Literal(true),
          status: OneOf(BREAK_STATUSES),
          txId: Type.String(),
          blockNumber: Decimal('the block'),
        }),
        Obj({
          breakId: Type.String(),
          ok: Type.Literal(false),
          error: Obj({ code: OneOf(ERROR_CODES), message: Type.String() }),
        }),
      ]),
    ),
  }),
);

const Count = Decimal('a count');
const DayFigures = (whose: string) =>
  Type.Array(
    Obj({
      day: Type.String({ format: 'date', description: 'a UTC day' }),
      legsPosted: Count,
      casesOpened: Count,
      casesMatched: Count,
      casesBroken: Count,
      casesPending: Count,
      breaksOpened: Count,
      breaksResolved: Count,
    }),
    {
      description: `${whose}, the last 14 days with activity on the network, newest first; cases counted on the day they opened, by their status now`,
    },
  );
export const Dashboard = component(
  'Dashboard',
  Obj({
    mspId: Type.String({
      description:
        'the institution whose figures own, openBreaksByReason, inTransitByCounterparty and serviceLevel are',
    }),
    own: Obj({ days: DayFigures("the institution's own legs, and the cases and breaks it is a party to") }),
    network: Obj({
      days: DayFigures("every member's, as this node's index sees the network (the consortium's totals)"),
    }),
    openBreaksByReason: Type.Array(
      Obj({
        reason: Type.String({ description: 'a break reason' }),
        open: Count,
        older_than_1h: Count,
        older_than_1d: Count,
      }),
    ),
    inTransitByCounterparty: Type.Array(
      Obj({
        counterparty: Type.String(),
        currency: Nullable(
          Type.String({
            description: 'null: breaks without a leg of this institution (amount unknown here)',
          }),
        ),
        breaks: Count,
        amountMinor: Decimal('integer minor units'),
      }),
    ),
    serviceLevel: Obj({
      overdueCases: Count,
      missingLegBreaks: Count,
      oldestOpenAt: Nullable(Time()),
      openAtRisk: Count,
      openBreached: Count,
      escalated: { ...Count, description: 'open breaks past their due date by ledger time' },
      resolved: Count,
      resolvedWithin: Count,
    }),
  }),
);

export const AuditBreaksPage = component(
  'AuditBreaksPage',
  Obj({
    items: Type.Array(
      Obj({
        breakId: Type.String(),
        caseId: Type.String(),
        reason: OneOf(BREAK_REASONS),
        status: OneOf(BREAK_STATUSES),
        parties: Type.Array(Type.String()),
        openedAt: Time(),
        updatedAt: Time(),
        lastAction: Type.String(),
        blockNumber: Decimal('the block of the last change'),
      }),
    ),
    nextCursor: Nullable(Type.String()),
  }),
);

const Checkpoint = Obj(
  {
    institution: Type.String(),
    blockNumber: Decimal('the last block indexed'),
    txIndex: Int(),
    txId: Type.String(),
  },
  'where the index stood when the check began',
);
export const VerifyReport = component(
  'VerifyReport',
  Obj({
    checkpoint: Type.Optional(Checkpoint),
    casesChecked: Int(),
    breaksChecked: Int(),
    ownLegsChecked: Int({
      description:
        "own legs whose plaintext in the index was compared with the institution's private collection on the ledger",
    }),
    openBreaksOnLedger: Int(),
    receivablesChecked: Int({
      description:
        "receivables' records compared both ways with what the ledger lets the node index (0: the node keeps none)",
    }),
    differences: Type.Array(
      Obj({
        kind: OneOf(['case', 'leg', 'own-leg', 'break', 'transition', 'open-break', 'receivable']),
        id: Type.String(),
        field: Type.String(),
        index: Type.Optional(AnyJson("the index's value (absent: not in the index)")),
        ledger: Type.Optional(AnyJson("the ledger's value (absent: not on the ledger)")),
      }),
    ),
  }),
);

export const ProvenanceEntry = component(
  'ProvenanceEntry',
  Obj({
    version: Int({ min: 1, description: 'the oldest version is 1' }),
    txId: Type.String(),
    timestamp: Time(),
    isDelete: Type.Boolean(),
    value: AnyJson('the record as that transaction wrote it'),
    blockNumber: Nullable(Decimal('null: a transaction the index has not seen')),
    txIndex: Nullable(Int()),
    signer: Nullable(Obj({ mspId: Type.String(), subject: Type.String(), issuer: Type.String() })),
  }),
);
export const Provenance = component(
  'Provenance',
  Obj({
    kind: OneOf(['case', 'break', 'leg']),
    id: Type.String(),
    history: Type.Array(ProvenanceEntry, { description: 'newest version first' }),
  }),
);

const StatementFormat = OneOf(['camt.052', 'camt.053', 'camt.054', 'mt940', 'mt950', 'csv']);
const At = Type.Union([Type.Integer(), Type.String()], {
  description: 'where: a 1-based line (CSV, MT940) or an element path (XML)',
});
const Money = Decimal('integer minor units');
export const StatementLine = component(
  'StatementLine',
  Obj({
    format: StatementFormat,
    statementId: Type.String(),
    account: Type.Optional(Type.String()),
    at: At,
    side: OneOf(['CREDIT', 'DEBIT']),
    reversal: Type.Boolean(),
    status: OneOf(['BOOKED', 'PENDING', 'INFO']),
    amountMinor: Money,
    currency: Type.String(),
    valueDate: Type.Optional(Type.String()),
    bookingDate: Type.Optional(Type.String()),
    uetr: Type.Optional(Type.String()),
    endToEndId: Type.Optional(Type.String()),
    txId: Type.Optional(Type.String()),
    instrId: Type.Optional(Type.String()),
    msgId: Type.Optional(Type.String()),
    pmtInfId: Type.Optional(Type.String()),
    accountServicerRef: Type.Optional(Type.String()),
    entryRef: Type.Optional(Type.String()),
    customerRef: Type.Optional(Type.String()),
    legId: Type.Optional(Type.String()),
    payerRef: Type.Optional(Type.String()),
    payeeRef: Type.Optional(Type.String()),
    details: Type.Optional(Type.String()),
  }),
);
const LedgerLeg = LegDetail;
const MatchedBy = OneOf(['UETR', 'END_TO_END_ID', 'LEG_ID']);
const FieldDifferences = Type.Array(
  Obj({
    field: OneOf(['amountMinor', 'currency', 'valueDate', 'side', 'outcome', 'payerRef', 'payeeRef']),
    mine: Type.String(),
    ledger: Type.String(),
  }),
);
export const StatementReport = component(
  'StatementReport',
  Obj({
    statements: Type.Array(
      Obj({
        format: StatementFormat,
        statementId: Type.String(),
        account: Type.Optional(Type.String()),
        currency: Type.Optional(Type.String()),
        openingBalanceMinor: Type.Optional(Decimal('signed minor units, credit positive')),
        closingBalanceMinor: Type.Optional(Decimal('signed minor units, credit positive')),
        entryCount: Int(),
        lineCount: Int(),
        at: At,
      }),
      {
        description: `the first ${REPORT_ITEMS_MAX} statements of the file (counts.statements has them all)`,
      },
    ),
    period: Obj({ from: Type.String(), to: Type.String() }),
    scopes: Type.Array(
      Obj({
        statementId: Type.String(),
        account: Type.Optional(Type.String()),
        accountOnLedger: Type.Boolean({
          description:
            'a leg of the period names the account (payer or payee): the statement is compared with the legs of that account; false: no leg does, and the legs are taken by currency alone',
        }),
        currency: Type.Optional(
          Type.String({ description: 'the legs of this currency only (absent: every currency, a CSV)' }),
        ),
      }),
      {
        description:
          "which of your legs each statement (in the order of statements) is compared with: those of its account and currency; the period's other legs are out of scope (counts.outOfScope), neither compared nor reported",
      },
    ),
    counts: Obj({
      statements: Int(),
      lines: Int(),
      matched: Int(),
      onlyInMyBooks: Int(),
      onlyOnLedger: Int(),
      fieldDifferences: Int(),
      notSettled: Int({
        description: 'legs of yours that did not settle (FAILED, TIMED_OUT), paired or not',
      }),
      notBooked: Int(),
      ledgerLegs: Int({ description: "your legs of the period in the statements' scope: those compared" }),
      outOfScope: Int({
        description: 'your legs of the period of another account or currency: not compared',
      }),
    }),
    onlyInMyBooks: Type.Array(StatementLine),
    onlyOnLedger: Type.Array(LedgerLeg, { description: 'settled legs with no line in the books' }),
    fieldDifferences: Type.Array(
      Obj({
        line: StatementLine,
        leg: LedgerLeg,
        matchedBy: MatchedBy,
        differences: FieldDifferences,
      }),
      { description: 'a line and a settled leg of one payment whose fields disagree' },
    ),
    notSettled: Type.Array(
      Obj({
        leg: LedgerLeg,
        line: Type.Optional(StatementLine),
        matchedBy: Type.Optional(MatchedBy),
        differences: Type.Array(
          Obj({
            field: OneOf(['amountMinor', 'currency', 'valueDate', 'side', 'payerRef', 'payeeRef']),
            mine: Type.String(),
            ledger: Type.String(),
          }),
          { description: 'fields other than the outcome that differ from the line (empty without one)' },
        ),
      }),
      {
        description:
          'your legs that did not settle (FAILED, TIMED_OUT): their own group, never a difference; with the line of the books that names the payment, if any (a booking against a leg that did not settle is a status conflict to follow up)',
      },
    ),
    proposedLegs: Type.Optional(
      Type.Union([
        Type.Array(LegDetail, { description: 'the legs to post for what is only in my books' }),
        Obj({ problems: Type.Array(Obj({ at: At, detail: Type.String() })) }),
      ]),
    ),
  }),
);

/**
 * The `indexed` event of the change stream (GET /events): the breaks of your institution one batch changed. Not a
 * JSON answer of any operation, so not among the document's components (OpenAPI 3.1 has no schema for the events
 * of a stream); its type is in apiTypes.ts.
 */
export const IndexedEvent = component(
  'IndexedEvent',
  Obj({
    block: Decimal('the last block of the batch'),
    txIndex: Int(),
    transactions: Int({ description: 'transactions in the batch' }),
    breaks: Type.Array(
      Obj({
        breakId: Type.String(),
        caseId: Type.String(),
        reason: OneOf(BREAK_REASONS),
        status: OneOf(BREAK_STATUSES),
        action: OneOf(
          [...BREAK_ACTIONS, 'UPDATE'],
          'the workflow step, or UPDATE: matching refreshed the finding',
        ),
      }),
    ),
  }),
);

export const Health = component(
  'Health',
  Obj({
    status: Type.Literal('ok'),
    mspId: Type.String(),
    institution: Type.String({
      description: 'the name of the institution whose node this is (its MSP ID if it has none)',
    }),
    ledger: OneOf(['embedded', 'fabric']),
    index: Type.Optional(
      Obj({ block: Nullable(Decimal('the last block indexed')), txIndex: Type.Optional(Int()) }),
    ),
  }),
);

/** One problem of a request; a refused request lists every one found. */
const ProblemItem = Obj({
  code: OneOf(ERROR_CODES),
  message: Type.String(),
  field: Type.Optional(Type.String({ description: 'where, e.g. `legs[3].currency`' })),
});
/** An error answer: RFC 9457 problem details, with the stable `code` and every problem found. */
export const Problem = component(
  'Problem',
  Obj({
    type: Type.String({ description: 'a URI naming the problem type (one per code)' }),
    title: Type.String({ description: 'the problem type in words (one per code)' }),
    status: Int({ min: 400, max: 599 }),
    detail: Type.String({ description: 'this occurrence, for people' }),
    instance: Type.Optional(Type.String({ description: 'the request path' })),
    code: OneOf(ERROR_CODES, 'the stable code: what programs branch on'),
    requestId: Type.String({ description: 'also in the x-request-id header; quote it to the node operator' }),
    details: Type.Optional(AnyJson('more facts of some codes (e.g. `field`, `reason`, `at`)')),
    errors: Type.Array(ProblemItem, {
      description: `every problem found, the first being this one (at most ${String(PROBLEMS_MAX)})`,
    }),
    error: Obj(
      {
        code: OneOf(ERROR_CODES),
        message: Type.String(),
        requestId: Type.String(),
        details: Type.Optional(AnyJson('as `details`')),
      },
      'the same code, detail (as `message`), requestId and details, for clients written before problem details',
    ),
  }),
);

export type CaseShape = Shape<typeof Case>;
export type BreakShape = Shape<typeof Break>;
export type SealedBreakShape = Shape<typeof SealedBreak>;

/** The compiler holds these shapes to the ledger's record types: a field the core adds must be described. */
type Described<Record, S> = [Exclude<keyof Record, keyof S>] extends [never] ? true : never;
export const SHAPES_DESCRIBE_RECORDS: [
  Described<CaseRecord, CaseShape>,
  Described<BreakRecord, BreakShape>,
  Described<CoreTimelineEntry, Shape<typeof TimelineEntry>>,
  Described<LedgerBreak, SealedBreakShape>,
  Described<LedgerEntry, Shape<typeof SealedTimelineEntry>>,
] = [true, true, true, true, true];
