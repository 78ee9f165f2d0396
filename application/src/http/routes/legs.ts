import { Type } from '@sinclair/typebox';

import { LIMITS } from '../../../../chaincode/src/core/limits';
import type { LegInput as GatewayLegInput } from '../../ledger/ledgerGateway';
import { ApiError } from '../errors';
import { checkLegs } from '../legProblems';
import { route, type RouteContext } from './route';
import { Int } from './schema';
import { CommittedLegs, LegInput, SweepResult } from './shapes';

/** How long a post waits for the index to hold what it committed before answering anyway. */
export const INDEX_WAIT_MS = 10_000;

const POSTING = `Idempotent by legId: the same leg again is UNCHANGED; a different leg under the same id is IDEMPOTENCY_CONFLICT. Every problem of every leg is listed at once (\`errors\`), with the core's codes. Answered once the node's index holds the committed legs (its own legs are read back from the institution's private collection with their block), so the ledger extract and the queue show them at once; an index running behind delays the answer by at most ${String(INDEX_WAIT_MS / 1000)} s, never fails it.`;

async function post(ctx: RouteContext, legs: readonly GatewayLegInput[]) {
  const { deps, session, log } = ctx;
  const r = await ctx.counted('postLegs', () => deps.gateway.postLegs(session.identity, legs));
  // The index takes the node's own legs from the ledger with their block (exactly once, with the block's rows).
  // Answer once the index holds them, so that what this caller posted is in its extract and queue when it reads
  // them next; the ledger is the record, so an index running behind delays, never fails, this.
  const indexer = deps.index?.indexer;
  // A retry whose legs were all there already (UNCHANGED) committed nothing new to wait for.
  if (indexer && r.result.some((l) => l.outcome === 'POSTED')) {
    await indexer.waitFor(r, INDEX_WAIT_MS).catch((e: unknown) => {
      log({
        level: 'warn',
        msg: 'posted legs committed; the index has not caught up yet',
        txId: r.txId,
        error: e instanceof Error ? e.message : String(e),
      });
    });
  }
  return { status: 201 as const, body: { ...r, blockNumber: r.blockNumber.toString() } };
}

/** A leg's every field through the core's parsers (the core decides what a leg is), all problems at once. */
const legsChecked = (legs: readonly unknown[], mspId: string | undefined): void => {
  checkLegs(legs, mspId ?? '');
};

/** Posting legs, and the sweep that flags cases past their service level. */
export const legRoutes = [
  route({
    operationId: 'postLeg',
    method: 'post',
    path: '/legs',
    summary: 'Post one leg',
    description: POSTING,
    tags: ['legs'],
    auth: 'session',
    body: LegInput,
    checkBody: (body, session) => {
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new ApiError('VALIDATION_FAILED', 'the request body must be a JSON object (a leg)');
      legsChecked([body], session?.mspId);
    },
    responses: { 201: { description: 'committed', schema: CommittedLegs } },
    errors: [403, 409, 413, 503],
    handle: ({ body }, ctx) => post(ctx, [body]),
  }),
  route({
    operationId: 'postLegBatch',
    method: 'post',
    path: '/legs/batch',
    summary: `Post up to ${String(LIMITS.batchLegsMax)} legs in one transaction, all or nothing`,
    description: POSTING,
    tags: ['legs'],
    auth: 'session',
    body: Type.Object({ legs: Type.Array(LegInput, { maxItems: LIMITS.batchLegsMax }) }),
    checkBody: (body, session) => {
      const legs = (body as { legs?: unknown } | null)?.legs;
      if (!Array.isArray(legs))
        throw new ApiError('VALIDATION_FAILED', 'legs must be an array of legs', { field: 'legs' });
      legsChecked(legs, session?.mspId);
    },
    responses: { 201: { description: 'committed', schema: CommittedLegs } },
    errors: [403, 409, 413, 503],
    handle: ({ body }, ctx) => post(ctx, body.legs),
  }),
  route({
    operationId: 'sweep',
    method: 'post',
    path: '/sweep',
    summary: 'Flag cases past their service level with legs missing',
    tags: ['cases'],
    auth: 'session',
    body: Type.Object({
      limit: Type.Optional(
        Int({
          min: 1,
          max: LIMITS.sweepMax,
          description: `cases examined at most (default ${String(LIMITS.sweepMax)})`,
        }),
      ),
    }),
    bodyRequired: false,
    responses: { 200: { description: 'committed', schema: SweepResult } },
    errors: [403, 503],
    handle: async ({ body }, ctx) => {
      const r = await ctx.counted('sweep', () =>
        ctx.deps.gateway.sweep(ctx.session.identity, body.limit ?? LIMITS.sweepMax),
      );
      return { status: 200 as const, body: { ...r, blockNumber: r.blockNumber.toString() } };
    },
  }),
];
