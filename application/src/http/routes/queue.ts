import { Type } from '@sinclair/typebox';

import { REFERENCE_PREFIX_MIN } from '../../readModel/read/queue';
import { ApiError } from '../errors';
import {
  colleagues,
  deleteView,
  listViews,
  QUEUE_CSV_HEADER,
  QUEUE_EXPORT_ROWS_MAX,
  queueCsv,
  queuePage,
  saveView,
  SAVED_VIEWS_MAX,
} from '../queue';
import { route, STREAMED, type RouteContext } from './route';
import { Str, type Shape } from './schema';
import { People, QueuePage, SavedView, SavedViews, ViewQuery } from './queueShapes';
import { bearerToken } from '../authenticate';
import { listingCursors } from '../cursorSeal';

/**
 * The index's reads are the institution's business: anyone of it with a role (the ledger's own reads decide for
 * themselves, in the chaincode). An identity without a role attribute reads nothing here.
 */
export const INDEX_READERS = {
  anyOf: ['submitter', 'reconciler', 'approver', 'auditor', 'admin'],
  what: 'reading the index',
} as const;

const ViewName = Type.Object({
  name: Str({
    min: 1,
    max: 64,
    pattern: '^\\S(?:[\\s\\S]*\\S)?$',
    description: '1-64 characters without leading or trailing spaces',
  }),
});
const Cursor = Str({ max: 2048, description: 'nextCursor of the previous page' });

/**
 * One page of the queue, from the query string or a search's body (the same fields, and `search`). Its cursors
 * are sealed to the person and the view (a search's too: GET and POST are one listing).
 */
async function page(
  ctx: RouteContext,
  input: Shape<typeof ViewQuery> & { cursor?: string; count?: boolean; search?: string },
) {
  const { cursor: _sealed, count, search, ...view } = input;
  const cursors = listingCursors(ctx, 'queue', input);
  const cursor = cursors.position();
  const p = await queuePage(ctx.pool, ctx.session, view, {
    now: new Date(),
    ...(cursor ? { cursor } : {}),
    ...(search ? { search } : {}),
    ...(count ? { count: true } : {}),
  });
  return {
    status: 200 as const,
    body: {
      items: p.items,
      nextCursor: cursors.cursor(p.next),
      ...(p.total !== undefined ? { total: p.total } : {}),
    },
  };
}

/** The work queue from the node's index, the person's saved views of it, and the change stream. */
export const queueRoutes = [
  route({
    operationId: 'getQueue',
    method: 'get',
    path: '/queue',
    summary:
      "The work queue from the node's index: breaks with age and service level, your leg's amount, currency, value date and reference, the counterparties; filtered and sorted, keyset pages",
    description:
      'Default: open breaks, oldest first, 50 a page; `status=RESOLVED` lists the closed ones with their resolution. Every sort pages along an index. `count=true` adds `total`, the number of matching breaks.',
    tags: ['queue'],
    auth: 'session',
    roles: INDEX_READERS,
    index: true,
    query: Type.Composite([
      ViewQuery,
      Type.Object({ cursor: Type.Optional(Cursor), count: Type.Optional(Type.Boolean()) }),
    ]),
    responses: { 200: { description: 'a page', schema: QueuePage } },
    handle: ({ query }, ctx) => page(ctx, query),
  }),
  // POST: the search may be a payment reference, which must never appear in a URL or an access log.
  route({
    operationId: 'searchQueue',
    method: 'post',
    path: '/queue/search',
    summary: 'The work queue searched: by break id, case id, or payment reference (in the body, never a URL)',
    description: `\`search\` is a break id (or its beginning, \`brk-…\`), a case id (64 hex digits), or a payment reference: the exact reference finds its case by hash; from ${String(REFERENCE_PREFIX_MIN)} characters, the beginning of one of this institution's own legs' references finds those cases too. The other fields are those of GET /queue.`,
    tags: ['queue'],
    auth: 'session',
    roles: INDEX_READERS,
    index: true,
    body: Type.Composite([
      ViewQuery,
      Type.Object({
        search: Type.Optional(Str({ max: 64 })),
        cursor: Type.Optional(Cursor),
        count: Type.Optional(Type.Boolean()),
      }),
    ]),
    responses: { 200: { description: 'a page', schema: QueuePage } },
    handle: ({ body }, ctx) => page(ctx, body),
  }),
  // POST for the same reason as the search: the export may be of a search by payment reference.
  route({
    operationId: 'exportQueue',
    method: 'post',
    path: '/queue/export',
    summary:
      'The work queue as CSV: every page of a view (filters, search, order), not only the one on screen',
    description: `Columns ${QUEUE_CSV_HEADER.join(', ')}; amounts in major units of their currency, your own leg's. At most ${String(QUEUE_EXPORT_ROWS_MAX)} rows: the header \`x-truncated: true\` says when more matched. The body is that of POST /queue/search without cursor and count (its limit is ignored).`,
    tags: ['queue'],
    auth: 'session',
    roles: INDEX_READERS,
    index: true,
    body: Type.Composite([ViewQuery, Type.Object({ search: Type.Optional(Str({ max: 64 })) })]),
    responses: {
      200: {
        description: 'the queue as CSV (RFC 4180)',
        media: 'text/csv',
        schema: Type.String(),
        headers: {
          'x-truncated': {
            description: `true when more than ${String(QUEUE_EXPORT_ROWS_MAX)} breaks matched (the first are in the file)`,
            schema: Type.Literal('true'),
          },
        },
      },
    },
    handle: async ({ body }, { pool, session }) => {
      const { search, ...view } = body;
      const now = new Date();
      const { csv, truncated } = await queueCsv(pool, session, view, { now, ...(search ? { search } : {}) });
      return {
        status: 200 as const,
        body: csv,
        headers: {
          'content-disposition': `attachment; filename="queue-${session.mspId}-${now.toISOString().slice(0, 10)}.csv"`,
          ...(truncated ? { 'x-truncated': 'true' } : {}),
        },
      };
    },
  }),
  route({
    operationId: 'listViews',
    method: 'get',
    path: '/views',
    summary: "Your saved views of the queue (this person's, on this node)",
    tags: ['queue'],
    auth: 'session',
    roles: INDEX_READERS,
    index: true,
    responses: { 200: { description: 'views by name', schema: SavedViews } },
    handle: async (_input, { pool, session }) => ({
      status: 200 as const,
      body: { items: await listViews(pool, session) },
    }),
  }),
  route({
    operationId: 'saveView',
    method: 'put',
    path: '/views/{name}',
    summary: `Save (or replace) a view: the queue's filters and order (at most ${String(SAVED_VIEWS_MAX)} per person)`,
    tags: ['queue'],
    auth: 'session',
    roles: INDEX_READERS,
    index: true,
    params: ViewName,
    body: Type.Object({ query: ViewQuery }),
    responses: { 200: { description: 'saved', schema: SavedView } },
    handle: async ({ params, body }, { pool, session }) => ({
      status: 200 as const,
      body: await saveView(pool, session, params.name, body.query),
    }),
  }),
  route({
    operationId: 'deleteView',
    method: 'delete',
    path: '/views/{name}',
    summary: 'Delete one of your saved views',
    tags: ['queue'],
    auth: 'session',
    roles: INDEX_READERS,
    index: true,
    params: ViewName,
    responses: { 204: { description: 'deleted' } },
    errors: [404],
    handle: async ({ params }, { pool, session }) => {
      if (!(await deleteView(pool, session, params.name)))
        throw new ApiError('NOT_FOUND', `no saved view ${params.name}`);
      return { status: 204 as const };
    },
  }),
  route({
    operationId: 'listPeople',
    method: 'get',
    path: '/people',
    summary:
      "Your institution's reconcilers and approvers (for assigning to a colleague): the node's directory, with anyone the index has seen at work",
    tags: ['queue'],
    auth: 'session',
    roles: INDEX_READERS,
    index: true,
    responses: { 200: { description: 'enrolment ids', schema: People } },
    handle: async (_input, { deps, pool, session }) => {
      const seen = await colleagues(pool, session.mspId, session.enrollmentId);
      const staff = deps.people?.staff() ?? [];
      const items = deps.people
        ? [...new Set([...staff, ...seen.filter((p) => deps.people?.isStaff(p))])]
        : seen;
      return { status: 200 as const, body: { items: items.sort() } };
    },
  }),
  // Server-sent events: after each block the index commits, the breaks of this institution that changed.
  route({
    operationId: 'streamEvents',
    method: 'get',
    path: '/events',
    summary:
      'Server-sent events: after each block the index commits, the breaks of your institution that changed',
    description:
      'text/event-stream. `hello` on connect (`{ block }`), then `indexed` (`{ block, txIndex, transactions, breaks: [{ breakId, caseId, reason, status, action }] }`, the IndexedEvent shape of apiTypes.ts) after each committed batch, and `blacklist-alert` (an alert as GET /blacklist/alerts lists it) when the node’s blacklist watchlist matches another member’s entry; a comment every 15 s. Authenticate with the Authorization header (fetch with a streaming body; never a token in the URL). A stream ends after 5 minutes, at logout and at shutdown; reconnect.',
    tags: ['queue'],
    auth: 'session',
    roles: INDEX_READERS,
    index: true,
    responses: { 200: { description: 'the stream', media: 'text/event-stream', schema: Type.String() } },
    errors: [429],
    handle: (_input, { deps, req, res, live, session }) => {
      const opened = live.open(
        res,
        { mspId: session.mspId, token: bearerToken(req) ?? '' },
        deps.index?.indexer?.checkpoint,
      );
      if (opened === 'closing') throw new ApiError('INDEX_UNAVAILABLE', 'the node is shutting down');
      if (opened === 'full')
        throw new ApiError('RATE_LIMITED', 'too many live streams on this node; try again later');
      return STREAMED;
    },
  }),
];
