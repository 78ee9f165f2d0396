import { Type } from '@sinclair/typebox';

import { BREAK_STATUSES } from '../../../../chaincode/src/core/breakMachine';
import { BREAK_REASONS } from '../../../../chaincode/src/core/matching';
import { verifyIndex } from '../../indexer/verify';
import { TransportGateway } from '../../ledger/transportGateway';
import { keepsReceivables } from '../../receivables/receivablesIndexing';
import { ReceivablesGateway } from '../../receivables/receivablesGateway';
import { AUDIT_PAGE_SIZE_MAX, listAuditBreaks } from '../../readModel/read/auditBreaks';
import { dashboard } from '../dashboard';
import { listingCursors } from '../cursorSeal';
import { ApiError } from '../errors';
import { INDEX_READERS } from './queue';
import { route } from './route';
import { Int, OneOf, Str } from './schema';
import { AuditBreaksPage, Dashboard, VerifyReport } from './shapes';

const AUDITORS = ['auditor', 'admin'] as const;

/** The figures of the institution's work, and the auditor's ways in: every break, and the index checked. */
export const auditRoutes = [
  route({
    operationId: 'getDashboard',
    method: 'get',
    path: '/dashboard',
    summary:
      'Volume, matches and breaks per day; open breaks by reason and age; funds in transit by counterparty (own legs); service level (from the index)',
    tags: ['audit'],
    auth: 'session',
    roles: INDEX_READERS,
    index: true,
    responses: { 200: { description: 'figures', schema: Dashboard } },
    handle: async (_input, { pool, session }) => ({
      status: 200 as const,
      body: await dashboard(pool, session.mspId),
    }),
  }),
  // The auditor's way in: every break the index knows (public facts), newest change first.
  route({
    operationId: 'listAuditBreaks',
    method: 'get',
    path: '/audit/breaks',
    summary:
      "Every break the index knows, whoever its parties, for an auditor; an admin's institution's own: public facts, newest change first",
    tags: ['audit'],
    auth: 'session',
    roles: { anyOf: AUDITORS, what: 'listing every break' },
    index: true,
    query: Type.Object({
      reason: Type.Optional(OneOf(BREAK_REASONS)),
      status: Type.Optional(OneOf(BREAK_STATUSES)),
      limit: Type.Optional(Int({ min: 1, max: AUDIT_PAGE_SIZE_MAX })),
      cursor: Type.Optional(Str({ max: 2048, description: 'nextCursor of the previous page' })),
    }),
    responses: { 200: { description: 'a page', schema: AuditBreaksPage } },
    handle: async ({ query }, ctx) => {
      const cursors = listingCursors(ctx, 'audit-breaks', query);
      const after = cursors.position();
      try {
        const page = await listAuditBreaks(ctx.pool, {
          pageSize: query.limit ?? 50,
          ...(after ? { after } : {}),
          ...(query.reason ? { reason: query.reason } : {}),
          ...(query.status ? { status: query.status } : {}),
          // Another institution's breaks are not an administrator's business: the API answers as if they did not
          // exist, as for every other read (an auditor's role is to see them all).
          ...(ctx.session.roles.includes('auditor') ? {} : { party: ctx.session.mspId }),
        });
        return { status: 200 as const, body: { items: page.items, nextCursor: cursors.cursor(page.next) } };
      } catch (e) {
        if (e instanceof RangeError)
          throw new ApiError('VALIDATION_FAILED', 'cursor is not one this node gave', { field: 'cursor' });
        throw e;
      }
    },
  }),
  route({
    operationId: 'verifyIndex',
    method: 'get',
    path: '/index/verify',
    summary: "Compare the node's index with the ledger; every difference (auditor or admin)",
    tags: ['audit'],
    auth: 'session',
    roles: { anyOf: AUDITORS, what: 'verifying the index' },
    index: true,
    responses: { 200: { description: 'the report', schema: VerifyReport } },
    handle: async (_input, { deps, pool, session }) => {
      const g = deps.gateway;
      const rcv =
        g instanceof TransportGateway && keepsReceivables(deps.mspId) ? new ReceivablesGateway(g) : undefined;
      const report = await verifyIndex({
        pool,
        gateway: g,
        who: session.identity,
        institution: deps.mspId,
        ...(rcv
          ? { receivables: (kind, after, limit) => rcv.listForIndex(session.identity, kind, after, limit) }
          : {}),
      });
      const { checkpoint, ...rest } = report;
      return {
        status: 200 as const,
        body: {
          ...rest,
          ...(checkpoint
            ? { checkpoint: { ...checkpoint, blockNumber: checkpoint.blockNumber.toString() } }
            : {}),
        },
      };
    },
  }),
];
