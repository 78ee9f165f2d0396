import { Type } from '@sinclair/typebox';

import { ACTION_ROLES, isOverdue, RESOLUTION_KINDS } from '../../../../chaincode/src/core/breakMachine';
import { missingProposalFields, ROOT_CAUSES } from '../../../../chaincode/src/core/rootCause';
import { LIMITS } from '../../../../chaincode/src/core/limits';
import { LedgerRejected, type BreakActionOptions, type DecisionAction } from '../../ledger/ledgerGateway';
import type pg from 'pg';

import { referenceOfBreak, referenceOfCase, rememberCaseReference } from '../../readModel/caseReferences';
import { sealKey } from '../../../../chaincode/src/ledger/seal';
import { nameBreakPeople } from '../../readModel/write/breakPeople';
import { ledgerTime } from '../../readModel/read/queue';
import { nodeCursorSeal } from '../cursorSeal';
import { ApiError, toErrorResponse } from '../errors';
import { BULK_BREAKS_MAX } from '../queue';
import { route, type RouteContext } from './route';
import { Int, OneOf, Str } from './schema';
import { Break, BreaksPage, BulkAssignResult, Case, CommittedBreak, OpenCase, SealedBreak } from './shapes';

const BreakId = Type.Object({ breakId: Str({ min: 1, max: 64, description: 'a break id' }) });
const Reference = Str({ min: 1, max: 64, description: 'the payment reference (UETR or EndToEndId)' });

/** Idempotency-Key: the ledger's key pattern, with room for the suffix a bulk request adds per break. */
const IdempotencyHeaders = Type.Object({
  'Idempotency-Key': Type.Optional(
    Str({
      pattern: '^[A-Za-z0-9._~:-]{1,100}$',
      description: '1-100 letters, digits or . _ ~ : - (a UUID will do)',
    }),
  ),
});
const ACTION_FIELDS = {
  comment: Type.Optional(Str({ max: LIMITS.commentMax })),
  reference: Type.Optional(
    Str({
      max: 64,
      description:
        "the payment reference: needed with a comment (sealed for the parties), a proposal, and a write-off's approval (the ledger reckons its amount from the legs); the node supplies the one it holds when this is left out",
    }),
  ),
};
const ActionInput = Type.Object(ACTION_FIELDS);

/** The reference of a case, from the node's index, for a caller who gave only the case id. */
async function knownReference(
  pool: pg.Pool | undefined,
  mspId: string,
  caseId: string | undefined,
): Promise<string> {
  if (caseId === undefined)
    throw new ApiError('VALIDATION_FAILED', 'give the payment reference, the case id, or both', {
      field: 'reference',
    });
  const known = pool === undefined ? undefined : await referenceOfCase(pool, mspId, caseId);
  if (known === undefined)
    throw new ApiError(
      'REFERENCE_NEEDED',
      `this node holds no payment reference for case ${caseId}: give it once (reference), and the node keeps it`,
    );
  return known;
}

/** The options of one break action: its comment and reference, and its idempotency key (with a bulk suffix). */
function actionOptions(
  body: { comment?: string; reference?: string },
  headers: { 'Idempotency-Key'?: string },
  suffix = '',
): BreakActionOptions {
  const key = headers['Idempotency-Key'];
  return {
    ...(body.comment ? { comment: body.comment } : {}),
    ...(body.reference ? { reference: body.reference } : {}),
    ...(key ? { idempotencyKey: `${key}${suffix}` } : {}),
  };
}

/**
 * The body with the payment reference of the break's case: every step carries it (the ledger seals the person
 * who takes it, and opens the persons it decides on, with the case's people key; comments are sealed with it;
 * a write-off's amount is reckoned from the legs opened with it). The caller's, or else the one the node holds.
 * As when opening a case, nobody pastes what the node knows.
 */
async function withKnownReference<B extends { comment?: string; reference?: string }>(
  ctx: RouteContext,
  breakId: string,
  body: B,
): Promise<B> {
  if (body.reference !== undefined) return body;
  const pool = ctx.deps.index?.pool;
  const known = pool === undefined ? undefined : await referenceOfBreak(pool, ctx.session.mspId, breakId);
  return known === undefined ? body : { ...body, reference: known };
}

/**
 * A step sent without a reference (neither the caller nor the node had one) goes to the ledger all the same, so
 * its refusals come in the ledger's order (role, then whether the break exists for the caller); the ledger's
 * refusal for the missing reference is answered as the node's 422 REFERENCE_NEEDED, which says what to do.
 */
async function stepNeedingReference<T>(
  breakId: string,
  options: BreakActionOptions,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (options.reference === undefined && e instanceof LedgerRejected && e.code === 'INVALID_REFERENCE')
      throw new ApiError(
        'REFERENCE_NEEDED',
        `this node holds no payment reference for break ${breakId}: give it once (reference), and the node keeps it`,
      );
    throw e;
  }
}

/**
 * A break is assigned only to one of the institution's reconcilers or approvers (the node's directory: the ledger
 * holds no member's people). Checked before anything goes to the ledger; a node without a directory (a test's)
 * leaves it to the people who read the name.
 */
function requireStaff(ctx: RouteContext, assignee: string): void {
  const people = ctx.deps.people;
  if (people === undefined || people.isStaff(assignee)) return;
  throw new ApiError(
    'UNKNOWN_PERSON',
    `nobody named ${JSON.stringify(assignee)} among the reconcilers and approvers of ${ctx.session.mspId}: assign the break to one of ${people.staff().join(', ')}`,
    { field: 'assignee', assignee },
  );
}

const committed = <T>(r: { txId: string; blockNumber: bigint; result: T }) => ({
  status: 200 as const,
  body: { ...r, blockNumber: r.blockNumber.toString() },
});

const ACTION_ERRORS = [403, 404, 409, 422, 503] as const;

/** What every step of a break's workflow shares: the break in the path, the key, the committed break answered. */
const STEP = {
  tags: ['breaks'],
  auth: 'session',
  params: BreakId,
  headers: IdempotencyHeaders,
  responses: { 200: { description: 'committed', schema: CommittedBreak } },
  errors: ACTION_ERRORS,
} as const;

/** A decision on a break: the break's workflow step of that name (the core decides who may take it, and when). */
const decision = (action: DecisionAction, operationId: string, summary: string, description: string) =>
  route({
    operationId,
    method: 'post',
    path: `/breaks/{breakId}/${action.toLowerCase()}`,
    summary,
    description,
    ...STEP,
    body: ActionInput,
    bodyRequired: false,
    handle: async ({ params, body, headers }, ctx: RouteContext) => {
      const options = actionOptions(await withKnownReference(ctx, params.breakId, body), headers);
      return committed(
        await stepNeedingReference(params.breakId, options, () =>
          ctx.counted('decideBreak', () =>
            ctx.deps.gateway.decideBreak(ctx.session.identity, params.breakId, action, options),
          ),
        ),
      );
    },
  });

/** Cases and breaks on the ledger: reading them, and every step of a break's workflow. */
export const breakRoutes = [
  route({
    operationId: 'getCase',
    method: 'get',
    path: '/cases/{caseId}',
    summary: 'A case as its parties and auditors see it (hashes, parties, statuses)',
    tags: ['cases'],
    auth: 'session',
    params: Type.Object({
      caseId: Str({ min: 1, max: 64, description: 'the case id (64 hex digits)' }),
    }),
    responses: { 200: { description: 'the public record', schema: Case } },
    errors: [404],
    handle: async ({ params }, { deps, session }) => ({
      status: 200 as const,
      body: await deps.gateway.getCase(session.identity, params.caseId),
    }),
  }),
  // POST, not GET: the payment reference is a secret and must not appear in URLs or access logs.
  route({
    operationId: 'openCase',
    method: 'post',
    path: '/cases/open',
    summary: 'A case with its legs and comments opened (parties only)',
    description:
      "The reference travels in the body, never in a URL. A reference has one case per route declared for it: `caseId` picks one; without it, the first the caller is a party to. Without `reference`, the node supplies it when it holds it: the case has one of the institution's own legs, or a person of the institution opened it with the reference before (the node then keeps it). Otherwise the answer is 422 `REFERENCE_NEEDED`, for a case that does not exist as for one that does.",
    tags: ['cases'],
    auth: 'session',
    body: Type.Object({
      reference: Type.Optional(Reference),
      caseId: Type.Optional(Str({ pattern: '^[0-9a-f]{64}$', description: 'which case of the reference' })),
    }),
    responses: {
      200: { description: 'the opened case, and the reference it was opened with', schema: OpenCase },
    },
    errors: [403, 404, 422],
    handle: async ({ body }, { deps, session, log }) => {
      const pool = deps.index?.pool;
      const reference = body.reference ?? (await knownReference(pool, session.mspId, body.caseId));
      const opened = await deps.gateway.readCase(session.identity, reference, body.caseId);
      if (body.reference !== undefined && pool !== undefined) {
        // Only a reference the ledger accepted is kept: the chaincode checked it names this case of a party.
        await rememberCaseReference(pool, session.mspId, opened.case.caseId, reference).catch(
          (err: unknown) => {
            // The case is open for the person; the node asks for the reference again next time.
            log({ level: 'warn', msg: 'could not keep a case reference', err: String(err) });
          },
        );
      }
      if (pool !== undefined)
        // The index names the persons of breaks it could not open when it indexed them (no reference then).
        await nameBreakPeople(
          pool,
          new Map([[opened.case.caseId, sealKey(reference, opened.case.caseId, 'people')]]),
        ).catch((err: unknown) => {
          log({ level: 'warn', msg: 'could not name the persons of a case in the index', err: String(err) });
        });
      // Amounts travel as decimal strings (a gateway may hold them as bigint).
      const legs = opened.legs.map((l) => ({
        ...l,
        detail: { ...l.detail, amountMinor: String(l.detail.amountMinor) },
      }));
      return { status: 200 as const, body: { ...opened, legs, reference } };
    },
  }),
  route({
    operationId: 'listBreaks',
    method: 'get',
    path: '/breaks',
    summary: 'Open breaks of an institution on the ledger, a page at a time',
    tags: ['breaks'],
    auth: 'session',
    query: Type.Object({
      mspId: Type.Optional(
        Str({ min: 1, max: 64, description: 'default: your institution; others need the auditor role' }),
      ),
      limit: Type.Optional(Int({ min: 1, max: LIMITS.pageSizeMax })),
      cursor: Type.Optional(Str({ max: 2048, description: 'nextCursor of the previous page' })),
    }),
    responses: { 200: { description: 'a page', schema: BreaksPage } },
    errors: [403],
    handle: async ({ query }, { deps, session, state }) => {
      const cursors = nodeCursorSeal({ deps, state });
      const mspId = query.mspId ?? session.mspId;
      const limit = query.limit ?? 50;
      // The cursor is sealed to this person and this listing (institution and page size).
      const binding = `${session.mspId}|${session.enrollmentId}|breaks|${mspId}|${limit}`;
      const cursor = query.cursor ?? '';
      const bookmark = cursor === '' ? '' : cursors.open(binding, cursor);
      if (bookmark === undefined)
        throw new ApiError('VALIDATION_FAILED', 'cursor is not one this listing gave you', {
          field: 'cursor',
        });
      const page = await deps.gateway.listOpenBreaks(session.identity, mspId, limit, bookmark);
      return {
        status: 200 as const,
        body: {
          items: page.items,
          nextCursor: page.bookmark === '' ? null : cursors.seal(binding, page.bookmark),
        },
      };
    },
  }),
  route({
    operationId: 'getBreak',
    method: 'get',
    path: '/breaks/{breakId}',
    summary:
      'A break: opened when the node holds its reference, else as the ledger holds it (persons sealed)',
    tags: ['breaks'],
    auth: 'session',
    params: BreakId,
    responses: {
      200: {
        description:
          "the break: its persons and comments opened when this node holds the payment reference of the break's case (Break), otherwise as the ledger holds it (SealedBreak)",
        schema: Type.Union([Break, SealedBreak]),
      },
    },
    errors: [404],
    handle: async ({ params }, { deps, session }) => {
      // Opened (persons and comments) when the node holds the reference of the break's case; as the ledger holds
      // it otherwise, persons sealed. The break is looked up on the ledger first: a non-party is told it does not
      // exist whatever the index knows.
      const sealed = await deps.gateway.getBreak(session.identity, params.breakId);
      const pool = deps.index?.pool;
      // Escalated by the ledger's time as the index knows it (the queue's flag), never the node's clock.
      const now = pool === undefined ? undefined : await ledgerTime(pool);
      const escalation = now === undefined ? {} : { escalated: isOverdue(sealed, now) };
      const reference =
        pool === undefined ? undefined : await referenceOfCase(pool, session.mspId, sealed.caseId);
      if (reference === undefined || !sealed.parties.includes(session.mspId))
        return { status: 200 as const, body: { ...sealed, ...escalation } };
      return {
        status: 200 as const,
        body: {
          ...(await deps.gateway.getBreak(session.identity, params.breakId, reference)),
          ...escalation,
        },
      };
    },
  }),
  route({
    operationId: 'openBreak',
    method: 'post',
    path: '/breaks/{breakId}/open',
    summary: 'A break with its persons and comments opened (parties only)',
    tags: ['breaks'],
    auth: 'session',
    params: BreakId,
    body: Type.Object({ reference: Reference }),
    responses: { 200: { description: 'the break, comments opened', schema: Break } },
    errors: [403, 404],
    handle: async ({ params, body }, { deps, session }) => ({
      status: 200 as const,
      body: await deps.gateway.getBreak(session.identity, params.breakId, body.reference),
    }),
  }),
  // Bulk: each break is its own transaction signed by the person; one refusal does not stop the others.
  route({
    operationId: 'assignBreaks',
    method: 'post',
    path: '/breaks/assign',
    summary: `Assign up to ${String(BULK_BREAKS_MAX)} breaks to one person: one signed transaction per break`,
    description:
      'One refusal does not stop the others: each result says committed, or the refusal with its code. With an Idempotency-Key, each break is assigned under that key and its id.',
    tags: ['breaks'],
    auth: 'session',
    roles: { anyOf: ACTION_ROLES.ASSIGN, what: 'assigning a break' },
    headers: IdempotencyHeaders,
    body: Type.Object({
      breakIds: Type.Array(Str({ min: 1, max: 64 }), {
        minItems: 1,
        maxItems: BULK_BREAKS_MAX,
        description: `an array of 1-${String(BULK_BREAKS_MAX)} break ids`,
      }),
      assignee: Str({ min: 1, max: 64, description: 'an enrolment id of your institution' }),
    }),
    responses: { 200: { description: 'per break', schema: BulkAssignResult } },
    handle: async ({ body, headers }, ctx) => {
      requireStaff(ctx, body.assignee);
      const results = [];
      for (const breakId of new Set(body.breakIds)) {
        try {
          // One request, one key: each break's assignment is named by the key and the break.
          const options = actionOptions(await withKnownReference(ctx, breakId, {}), headers, `:${breakId}`);
          const r = await stepNeedingReference(breakId, options, () =>
            ctx.counted('assignBreak', () =>
              ctx.deps.gateway.assignBreak(ctx.session.identity, breakId, body.assignee, options),
            ),
          );
          results.push({
            breakId,
            ok: true as const,
            status: r.result.status,
            txId: r.txId,
            blockNumber: r.blockNumber.toString(),
          });
        } catch (e) {
          const { body: failure } = toErrorResponse(e, ctx.requestId);
          results.push({
            breakId,
            ok: false as const,
            error: { code: failure.code, message: failure.detail },
          });
        }
      }
      return { status: 200 as const, body: { assigned: results.filter((r) => r.ok).length, results } };
    },
  }),
  route({
    operationId: 'assignBreak',
    method: 'post',
    path: '/breaks/{breakId}/assign',
    summary: 'Assign to yourself or a colleague',
    description:
      "OPEN/ASSIGNED → ASSIGNED; a reconciler or approver of a party, to one of the institution's reconcilers or approvers (422 UNKNOWN_PERSON naming anyone else, before the ledger is asked). To the person who has it already, without a comment: the same break answered, nothing recorded (no timeline entry, no new version).",
    ...STEP,
    roles: { anyOf: ACTION_ROLES.ASSIGN, what: 'assigning a break' },
    body: Type.Object({
      assignee: Str({ min: 1, max: 64, description: 'an enrolment id of your institution' }),
      ...ACTION_FIELDS,
    }),
    handle: async ({ params, body, headers }, ctx) => {
      requireStaff(ctx, body.assignee);
      const options = actionOptions(await withKnownReference(ctx, params.breakId, body), headers);
      return committed(
        await stepNeedingReference(params.breakId, options, () =>
          ctx.counted('assignBreak', () =>
            ctx.deps.gateway.assignBreak(ctx.session.identity, params.breakId, body.assignee, options),
          ),
        ),
      );
    },
  }),
  route({
    operationId: 'proposeResolution',
    method: 'post',
    path: '/breaks/{breakId}/propose',
    summary: 'Propose a resolution',
    description:
      "ASSIGNED → PROPOSED; a reconciler of the assignee's institution. A proposal needs its `kind`, a `rootCause` and a `comment`: a missing one is 422 PROPOSAL_INCOMPLETE naming every one missing (`errors[].field`), before the ledger is asked (which holds the same rule). The reference: the node supplies the one it holds.",
    ...STEP,
    body: Type.Object({
      kind: Type.Optional(OneOf(RESOLUTION_KINDS, 'the resolution (required)')),
      rootCause: Type.Optional(OneOf(ROOT_CAUSES, 'why the break happened (required)')),
      ...ACTION_FIELDS,
    }),
    handle: async ({ params, body, headers }, ctx) => {
      const missing = missingProposalFields(body, RESOLUTION_KINDS);
      if (missing.length > 0 || body.kind === undefined || body.rootCause === undefined)
        throw new ApiError(
          'PROPOSAL_INCOMPLETE',
          `a proposal needs ${missing.join(', ')}`,
          { fields: missing },
          missing.map((field) => ({ code: 'PROPOSAL_INCOMPLETE', message: `${field} is required`, field })),
        );
      const proposal = { kind: body.kind, rootCause: body.rootCause };
      const options = actionOptions(await withKnownReference(ctx, params.breakId, body), headers);
      return committed(
        await stepNeedingReference(params.breakId, options, () =>
          ctx.counted('proposeResolution', () =>
            ctx.deps.gateway.proposeResolution(ctx.session.identity, params.breakId, proposal, options),
          ),
        ),
      );
    },
  }),
  route({
    operationId: 'setBreakDue',
    method: 'post',
    path: '/breaks/{breakId}/due',
    summary: 'Move the due date',
    description:
      "Any status but RESOLVED; an approver of a party, with a comment. A break is due a day after it opens (its resolution service level); past its due date it is escalated (the queue's `escalated`, by ledger time). `dueAt` lies between the break's opening and 90 days after.",
    ...STEP,
    roles: { anyOf: ACTION_ROLES.SET_DUE, what: 'moving a due date' },
    body: Type.Object({
      dueAt: Type.String({
        format: 'date-time',
        maxLength: 32,
        description: 'the new due date, UTC ISO-8601',
      }),
      ...ACTION_FIELDS,
    }),
    handle: async ({ params, body, headers }, ctx) => {
      const options = actionOptions(await withKnownReference(ctx, params.breakId, body), headers);
      return committed(
        await stepNeedingReference(params.breakId, options, () =>
          ctx.counted('setBreakDue', () =>
            ctx.deps.gateway.setBreakDue(ctx.session.identity, params.breakId, body.dueAt, options),
          ),
        ),
      );
    },
  }),
  decision(
    'APPROVE',
    'approveResolution',
    'Approve (four eyes)',
    "PROPOSED → APPROVED; an approver of the proposing institution other than the proposer; a write-off only within the approver's limit for its currency (certificate attribute writeOffLimit), on the amount the ledger reckons from the legs: LIMIT_EXCEEDED otherwise.",
  ),
  decision(
    'ACCEPT',
    'acceptResolution',
    'Accept as a counterparty',
    'APPROVED → ACCEPTED once every other party accepted.',
  ),
  decision(
    'REJECT',
    'rejectResolution',
    'Reject',
    'PROPOSED/APPROVED → ASSIGNED (back to the assignee, the proposal kept in the timeline); comment required.',
  ),
  decision(
    'RESOLVE',
    'resolveBreak',
    'Resolve once the correction is booked',
    'ACCEPTED → RESOLVED; the proposing institution; comment required.',
  ),
  decision('COMMENT', 'commentOnBreak', 'Comment', 'Any status; comment required.'),
];
