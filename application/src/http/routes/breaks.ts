import { Type } from '@sinclair/typebox';

import { ACTION_ROLES, RESOLUTION_KINDS } from '../../../../chaincode/src/core/breakMachine';
import { LIMITS } from '../../../../chaincode/src/core/limits';
import type { BreakActionOptions, DecisionAction } from '../../ledger/ledgerGateway';
import type pg from 'pg';

import { referenceOfBreak, referenceOfCase, rememberCaseReference } from '../../readModel/caseReferences';
import { CursorSeal } from '../cursorSeal';
import { ApiError, toErrorResponse } from '../errors';
import { BULK_BREAKS_MAX } from '../queue';
import { route, type RouteContext } from './route';
import { Int, OneOf, Str } from './schema';
import { Break, BreaksPage, BulkAssignResult, Case, CommittedBreak, OpenCase } from './shapes';

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
 * The body with the payment reference the node holds for the break's case, when the caller gave none and the
 * step needs it: a comment is sealed with it, a proposal carries one, and the ledger reckons a write-off's amount
 * from the legs opened with it (approve). As when opening a case, nobody pastes what the node knows.
 */
async function withKnownReference<B extends { comment?: string; reference?: string }>(
  ctx: RouteContext,
  breakId: string,
  body: B,
  step: 'PROPOSE' | DecisionAction | 'ASSIGN',
): Promise<B> {
  const pool = ctx.deps.index?.pool;
  const needed = step === 'PROPOSE' || step === 'APPROVE' || (body.comment ?? '') !== '';
  if (body.reference !== undefined || !needed || pool === undefined) return body;
  const known = await referenceOfBreak(pool, ctx.session.mspId, breakId);
  return known === undefined ? body : { ...body, reference: known };
}

const committed = <T>(r: { txId: string; blockNumber: bigint; result: T }) => ({
  status: 200 as const,
  body: { ...r, blockNumber: r.blockNumber.toString() },
});

const ACTION_ERRORS = [403, 404, 409, 503] as const;

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
      const options = actionOptions(await withKnownReference(ctx, params.breakId, body, action), headers);
      return committed(
        await ctx.counted('decideBreak', () =>
          ctx.deps.gateway.decideBreak(ctx.session.identity, params.breakId, action, options),
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
      const cursors = state('breakCursors', () => new CursorSeal());
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
    summary: 'A break (comments sealed)',
    tags: ['breaks'],
    auth: 'session',
    params: BreakId,
    responses: { 200: { description: 'the break', schema: Break } },
    errors: [404],
    handle: async ({ params }, { deps, session }) => ({
      status: 200 as const,
      body: await deps.gateway.getBreak(session.identity, params.breakId),
    }),
  }),
  route({
    operationId: 'openBreak',
    method: 'post',
    path: '/breaks/{breakId}/open',
    summary: 'A break with its comments opened (parties only)',
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
      const results = [];
      for (const breakId of new Set(body.breakIds)) {
        try {
          // One request, one key: each break's assignment is named by the key and the break.
          const r = await ctx.counted('assignBreak', () =>
            ctx.deps.gateway.assignBreak(
              ctx.session.identity,
              breakId,
              body.assignee,
              actionOptions({}, headers, `:${breakId}`),
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
      'OPEN/ASSIGNED → ASSIGNED; a reconciler or approver of a party. To the person who has it already, without a comment: the same break, nothing written.',
    ...STEP,
    roles: { anyOf: ACTION_ROLES.ASSIGN, what: 'assigning a break' },
    body: Type.Object({
      assignee: Str({ min: 1, max: 64, description: 'an enrolment id of your institution' }),
      ...ACTION_FIELDS,
    }),
    handle: async ({ params, body, headers }, ctx) => {
      const options = actionOptions(await withKnownReference(ctx, params.breakId, body, 'ASSIGN'), headers);
      return committed(
        await ctx.counted('assignBreak', () =>
          ctx.deps.gateway.assignBreak(ctx.session.identity, params.breakId, body.assignee, options),
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
      "ASSIGNED → PROPOSED; a reconciler of the assignee's institution; the ledger requires a comment and the reference (the node supplies the one it holds).",
    ...STEP,
    body: Type.Object({ kind: OneOf(RESOLUTION_KINDS), ...ACTION_FIELDS }),
    handle: async ({ params, body, headers }, ctx) => {
      const options = actionOptions(await withKnownReference(ctx, params.breakId, body, 'PROPOSE'), headers);
      return committed(
        await ctx.counted('proposeResolution', () =>
          ctx.deps.gateway.proposeResolution(ctx.session.identity, params.breakId, body.kind, options),
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
