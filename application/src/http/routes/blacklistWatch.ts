import { Type } from '@sinclair/typebox';

import { TallyError } from '../../../../chaincode/src/core/errors';
import { normaliseSubject } from '../../../../chaincode/src/core/subject';
import {
  acknowledgeAlert,
  addWatches,
  listAlerts,
  listDisputes,
  listOwnEntries,
  listWatches,
  removeWatch,
  type WatchToAdd,
} from '../../readModel/blacklistAlerts';
import type { NodeBlacklist } from '../../blacklist/nodeBlacklist';
import { ApiError } from '../errors';
import {
  AlertId,
  AlertsQuery,
  BlacklistAlert,
  BlacklistAlerts,
  BlacklistContributions,
  BlacklistDisputeList,
  DisputesQuery,
  type DisputeBox,
  BlacklistWatchAdd,
  BlacklistWatchAdded,
  BlacklistWatchlist,
  WatchId,
} from './blacklistWatchShapes';
import { blacklistOf } from './blacklistCommon';
import { OPEN_DISPUTE_STATUSES } from '../../readModel/blacklistAlerts';
import { route } from './route';
import { Int } from './schema';

/**
 * The institution's blacklist watchlist and its alerts (issue 19 item 5; docs/BLACKLIST.md, "Alerts"). Node-local:
 * nothing here goes to the ledger (the watchlist would tell every member who banks with whom). Identifiers come in
 * request bodies only, are hashed here with the consortium key under every version the node holds, and only the
 * keyed hashes are stored; the follower (application/src/blacklistAlerts/) matches them against the entries in the
 * blocks this node receives.
 */

const WATCHERS = {
  anyOf: ['submitter', 'reconciler', 'approver', 'admin'],
  what: "the institution's blacklist watchlist",
} as const;

/** Letters and digits only, upper-cased: how a label is compared with an identifier. */
const compact = (s: string): string => s.replace(/[^0-9A-Za-z]/g, '').toUpperCase();

/**
 * The watch of one identifier: its keys, and its label unless the label holds the identifier (as written or
 * normalised: a label is stored in clear). Refusals name the item's field, never the value.
 */
function watchOf(
  bl: NodeBlacklist,
  item: { type: string; identifier: string; label?: string },
  i: number,
): WatchToAdd {
  const field = `items[${String(i)}].identifier`;
  const today = bl.now().toISOString().slice(0, 10);
  try {
    const subject = normaliseSubject(item.type, item.identifier, field, { today });
    const keys = bl.keyring.keysFor(subject);
    const label = item.label?.trim() ?? '';
    if (label !== '') {
      const l = compact(label);
      const forms = [compact(item.identifier), compact(subject.value)].filter((f) => f.length >= 5);
      if (forms.some((f) => l.includes(f) || (l.length >= 5 && f.includes(l))))
        throw new ApiError(
          'VALIDATION_FAILED',
          'a label is stored in clear: it must not hold the identifier (use your own customer number)',
          { field: `items[${String(i)}].label` },
        );
    }
    return { type: subject.type, label: label === '' ? null : label, keys };
  } catch (e) {
    if (e instanceof TallyError) throw new ApiError(e.code, e.detail, { field });
    throw e;
  }
}

/** A box of the disputes list as a filter of the index's disputes (the index holds every dispute in the blocks). */
const boxFilter = (box: DisputeBox, mspId: string) =>
  box === 'against-us'
    ? { uploader: mspId }
    : box === 'opened-by-us'
      ? { disputer: mspId }
      : { inVote: true };

export const blacklistWatchRoutes = [
  route({
    operationId: 'listBlacklistDisputes',
    method: 'get',
    path: '/blacklist/disputes',
    summary:
      "Your institution's disputes inbox: against its entries, opened by it, and those in a members' vote",
    description: `Projected by the node from the blacklist events of every block (from block 0); the chaincode lets any person of any institution read any dispute, so the boxes are filters: against-us (disputes of your institution's entries: maintain or retract before the deadline), opened-by-us (contest or withdraw), to-vote (went to a vote of the members; \`status=VOTING\`: still open). Newest change first. The deadline is a ledger day (UTC). Each step goes through POST /blacklist/disputes/{disputeId}/steps, which the chaincode checks; the record with its votes and steps is GET /blacklist/disputes/{disputeId}.`,
    tags: ['blacklist'],
    auth: 'session',
    roles: {
      anyOf: ['reconciler', 'approver'],
      what: "the institution's disputes (reconcilers answer and contest them, approvers vote)",
    },
    index: true,
    query: DisputesQuery,
    responses: { 200: { description: 'the disputes of the box', schema: BlacklistDisputeList } },
    errors: [503],
    handle: async ({ query }, { pool, session }) => ({
      status: 200 as const,
      body: await listDisputes(
        pool,
        session.mspId,
        {
          ...boxFilter(query.box, session.mspId),
          statuses:
            query.status === undefined
              ? []
              : query.status === 'OPEN'
                ? OPEN_DISPUTE_STATUSES
                : [query.status],
        },
        query.limit ?? 100,
        query.offset ?? 0,
      ),
    }),
  }),
  route({
    operationId: 'listBlacklistContributions',
    method: 'get',
    path: '/blacklist/contributions',
    summary: "Your institution's entries (its contributions), as the blocks this node received show them",
    description:
      'Counts by status and by category, and the entries newest change first: subject key, category, status, expiry, the listing transaction. Projected by the node from the blacklist events of every block (from block 0), so it includes entries listed through any of your institution’s systems.',
    tags: ['blacklist'],
    auth: 'session',
    roles: {
      anyOf: ['submitter', 'reconciler', 'approver', 'admin', 'auditor'],
      what: "the institution's contributions",
    },
    index: true,
    query: Type.Object({
      limit: Type.Optional(Int({ min: 1, max: 500, description: 'at most this many (default 100)' })),
      offset: Type.Optional(Int({ min: 0, max: 1_000_000 })),
    }),
    responses: { 200: { description: 'the contributions', schema: BlacklistContributions } },
    errors: [503],
    handle: async ({ query }, { pool, session }) => ({
      status: 200 as const,
      body: await listOwnEntries(pool, session.mspId, query.limit ?? 100, query.offset ?? 0),
    }),
  }),
  route({
    operationId: 'listBlacklistWatches',
    method: 'get',
    path: '/blacklist/watchlist',
    summary: "Your institution's watchlist (kept on this node only)",
    description:
      'The subjects your institution watches: type, your label and the key versions, never an identifier (the node keeps only keyed hashes). Newest first.',
    tags: ['blacklist'],
    auth: 'session',
    roles: WATCHERS,
    index: true,
    query: Type.Object({
      limit: Type.Optional(Int({ min: 1, max: 500, description: 'at most this many (default 100)' })),
      offset: Type.Optional(Int({ min: 0, max: 1_000_000 })),
    }),
    responses: { 200: { description: 'the watches', schema: BlacklistWatchlist } },
    errors: [503],
    handle: async ({ query }, { pool, session }) => ({
      status: 200 as const,
      body: await listWatches(pool, session.mspId, query.limit ?? 100, query.offset ?? 0),
    }),
  }),
  route({
    operationId: 'addBlacklistWatches',
    method: 'post',
    path: '/blacklist/watchlist',
    summary: 'Watch subjects (your customers): an alert when another member lists one',
    description:
      'Up to 1,000 identifiers at once. Each is normalised and hashed on this node under every key version it holds; only the keyed hashes and your label are stored, on this node (never on the ledger). A subject already watched is UNCHANGED. A bad identifier is 400 naming `items[i].identifier`, without repeating it; nothing of the request is stored then. From now on, when another member lists, disputes or revokes an entry about a watched subject, the node raises an alert (GET /blacklist/alerts, and a `blacklist-alert` event on /events).',
    tags: ['blacklist'],
    auth: 'session',
    roles: WATCHERS,
    index: true,
    body: BlacklistWatchAdd,
    responses: { 200: { description: 'what each item did', schema: BlacklistWatchAdded } },
    errors: [503],
    handle: async ({ body }, ctx) => {
      const bl = blacklistOf(ctx);
      const watches = body.items.map((item, i) => watchOf(bl, item, i));
      const items = await addWatches(
        ctx.pool,
        ctx.session.mspId,
        ctx.session.enrollmentId,
        bl.now(),
        watches,
      );
      const added = items.filter((x) => x.outcome === 'ADDED').length;
      return { status: 200 as const, body: { added, unchanged: items.length - added, items } };
    },
  }),
  route({
    operationId: 'removeBlacklistWatch',
    method: 'delete',
    path: '/blacklist/watchlist/{watchId}',
    summary: 'Stop watching a subject',
    description: 'Its alerts stay in the list (without the label).',
    tags: ['blacklist'],
    auth: 'session',
    roles: WATCHERS,
    index: true,
    params: Type.Object({ watchId: WatchId }),
    responses: { 204: { description: 'removed' } },
    errors: [404],
    handle: async ({ params }, { pool, session }) => {
      if (!(await removeWatch(pool, session.mspId, params.watchId)))
        throw new ApiError('NOT_FOUND', 'no such watch');
      return { status: 204 as const };
    },
  }),
  route({
    operationId: 'listBlacklistAlerts',
    method: 'get',
    path: '/blacklist/alerts',
    summary: 'Alerts: another member’s entry about a watched subject changed',
    description:
      'Newest first; `open=true` for those not yet acknowledged. Each names the watch, the uploader, the category, the entry’s status after the change, and the block and transaction that hold it.',
    tags: ['blacklist'],
    auth: 'session',
    roles: WATCHERS,
    index: true,
    query: AlertsQuery,
    responses: { 200: { description: 'the alerts', schema: BlacklistAlerts } },
    errors: [503],
    handle: async ({ query }, { pool, session }) => ({
      status: 200 as const,
      body: await listAlerts(pool, session.mspId, {
        limit: query.limit ?? 100,
        open: query.open === 'true',
        ...(query.before === undefined ? {} : { before: query.before }),
      }),
    }),
  }),
  route({
    operationId: 'acknowledgeBlacklistAlert',
    method: 'post',
    path: '/blacklist/alerts/{alertId}/acknowledge',
    summary: 'Mark an alert as seen',
    description: 'Once: acknowledging again keeps the first person and time.',
    tags: ['blacklist'],
    auth: 'session',
    roles: WATCHERS,
    index: true,
    params: Type.Object({ alertId: AlertId }),
    responses: { 200: { description: 'the alert', schema: BlacklistAlert } },
    errors: [404],
    handle: async ({ params }, { pool, session }) => {
      const alert = await acknowledgeAlert(
        pool,
        session.mspId,
        params.alertId,
        session.enrollmentId,
        new Date(),
      );
      if (alert === undefined) throw new ApiError('NOT_FOUND', 'no such alert');
      return { status: 200 as const, body: alert };
    },
  }),
];
