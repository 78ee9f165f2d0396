import type pg from 'pg';

import { BREAK_STATUSES, type BreakStatus } from '../../../chaincode/src/core/breakMachine';
import { BREAK_REASONS, type BreakReason } from '../../../chaincode/src/core/matching';
import { caseIdPrefix } from '../../../chaincode/src/ledger/keys';
import {
  listOpenBreaks,
  OPEN_BREAKS_PAGE_SIZE_MAX,
  QUEUE_SORTS,
  REFERENCE_PREFIX_MIN,
  type OpenBreaksPage,
  type OpenBreaksQuery,
  type QueueSort,
} from '../readModel/read/queue';
import {
  deleteSavedView,
  listSavedViews,
  peopleAtWork,
  upsertSavedView,
  type StoredView,
} from '../readModel/read/views';
import { ApiError } from './errors';

/** Saved views per person at most. */
export const SAVED_VIEWS_MAX = 50;
/** Breaks one bulk action takes at most (each is its own signed ledger transaction). */
export const BULK_BREAKS_MAX = 100;

/** What a saved view remembers: the queue's filters and order (never a search: it may hold a reference). */
export interface ViewQuery {
  readonly reason?: BreakReason;
  readonly status?: BreakStatus;
  readonly assignee?: string;
  readonly sort?: QueueSort;
  readonly order?: 'asc' | 'desc';
  readonly limit?: number;
}

const VIEW_KEYS = ['reason', 'status', 'assignee', 'sort', 'order', 'limit'] as const;

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new ApiError('VALIDATION_FAILED', `${field} must be one of ${allowed.join(', ')}`, { field });
  return v as T;
}

/** Reads the queue's filters and order from a query string or a JSON body; unknown values are refused by name. */
export function parseViewQuery(input: Record<string, unknown>): ViewQuery {
  const limitRaw = input.limit;
  let limit: number | undefined;
  if (limitRaw !== undefined && limitRaw !== '') {
    limit = typeof limitRaw === 'number' ? limitRaw : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > OPEN_BREAKS_PAGE_SIZE_MAX)
      throw new ApiError('VALIDATION_FAILED', `limit must be 1-${OPEN_BREAKS_PAGE_SIZE_MAX}`, {
        field: 'limit',
      });
  }
  const assignee = input.assignee;
  if (
    assignee !== undefined &&
    assignee !== '' &&
    (typeof assignee !== 'string' || assignee.length > 64 || !/^[\w.@-]+$/.test(assignee))
  )
    throw new ApiError(
      'VALIDATION_FAILED',
      'assignee must be me, none or an enrolment id (letters, digits, . _ @ -, at most 64)',
      { field: 'assignee' },
    );
  const reason = oneOf(input.reason, 'reason', BREAK_REASONS);
  const status = oneOf(input.status, 'status', BREAK_STATUSES);
  const sort = oneOf(input.sort, 'sort', QUEUE_SORTS);
  const order = oneOf(input.order, 'order', ['asc', 'desc'] as const);
  return {
    ...(reason ? { reason } : {}),
    ...(status ? { status } : {}),
    ...(typeof assignee === 'string' && assignee !== '' ? { assignee } : {}),
    ...(sort ? { sort } : {}),
    ...(order ? { order } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}

/**
 * One page of the queue. `search` (POST only: it may be a payment reference, which never goes in a URL) is a
 * break id (brk-…, or its beginning), a case id (64 hex digits), or a payment reference: the exact reference
 * finds its case by hash, and from REFERENCE_PREFIX_MIN characters the beginning of one of this institution's
 * own legs' references finds those cases too.
 */
export async function queuePage(
  pool: pg.Pool,
  who: { readonly mspId: string; readonly enrollmentId: string },
  view: ViewQuery,
  options: {
    readonly cursor?: string;
    readonly search?: string;
    readonly count?: boolean;
    readonly now: Date;
  },
): Promise<OpenBreaksPage> {
  const query: OpenBreaksQuery = {
    pageSize: view.limit ?? 50,
    now: options.now,
    ...(options.cursor ? { after: options.cursor } : {}),
    ...(view.reason ? { reason: view.reason } : {}),
    ...(view.status ? { status: view.status } : {}),
    ...(view.sort ? { sort: view.sort } : {}),
    ...(view.order ? { order: view.order } : {}),
    ...(view.assignee === 'none'
      ? { assignee: null }
      : view.assignee !== undefined
        ? {
            assignee: {
              mspId: who.mspId,
              name: view.assignee === 'me' ? who.enrollmentId : view.assignee,
            },
          }
        : {}),
    ...searchFilter(who.mspId, options.search),
    ...(options.count ? { count: true } : {}),
  };
  try {
    return await listOpenBreaks(pool, query);
  } catch (e) {
    if (e instanceof RangeError)
      throw new ApiError('VALIDATION_FAILED', 'cursor is not one this node gave for this order', {
        field: 'cursor',
      });
    throw e;
  }
}

function searchFilter(mspId: string, raw: string | undefined): Partial<OpenBreaksQuery> {
  const search = raw?.trim() ?? '';
  if (search === '') return {};
  if (/^brk-[0-9a-f]{0,28}$/.test(search)) return { breakIdPrefix: search };
  if (/^[0-9a-f]{64}$/.test(search)) return { caseId: search };
  return { reference: { casePrefix: caseIdPrefix(search), ownLegsOf: mspId, prefix: search } };
}

export { REFERENCE_PREFIX_MIN };

export type SavedView = StoredView<ViewQuery>;

export async function listViews(
  pool: pg.Pool,
  who: { mspId: string; enrollmentId: string },
): Promise<SavedView[]> {
  return listSavedViews<ViewQuery>(pool, who);
}

export function viewName(v: unknown): string {
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > 64 || v.trim() !== v)
    throw new ApiError(
      'VALIDATION_FAILED',
      'name must be 1-64 characters without leading or trailing spaces',
      { field: 'name' },
    );
  return v;
}

/** Saves (or replaces) one of the person's views. */
export async function saveView(
  pool: pg.Pool,
  who: { mspId: string; enrollmentId: string },
  name: string,
  input: unknown,
): Promise<SavedView> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ApiError('VALIDATION_FAILED', 'query must be an object of the queue filters', {
      field: 'query',
    });
  const unknownKeys = Object.keys(input).filter((k) => !(VIEW_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length > 0)
    throw new ApiError(
      'VALIDATION_FAILED',
      `query may hold only ${VIEW_KEYS.join(', ')}; not ${unknownKeys.join(', ')}`,
      { field: 'query' },
    );
  const query = parseViewQuery(input as Record<string, unknown>);
  const saved = await upsertSavedView(pool, who, name, query, SAVED_VIEWS_MAX);
  if (!saved)
    throw new ApiError('VALIDATION_FAILED', `at most ${SAVED_VIEWS_MAX} saved views per person`, {
      field: 'name',
    });
  return saved;
}

export async function deleteView(
  pool: pg.Pool,
  who: { mspId: string; enrollmentId: string },
  name: string,
): Promise<boolean> {
  return deleteSavedView(pool, who, name);
}

/**
 * The people of the institution the index has seen at work (who took a workflow step or was assigned a break),
 * for "assign to a colleague". Systems that only post legs do not appear.
 */
export async function colleagues(pool: pg.Pool, mspId: string, me: string): Promise<string[]> {
  return [...new Set([me, ...(await peopleAtWork(pool, mspId))])].sort();
}
