import type pg from 'pg';

import { isCurrency, minorToMajorText } from '../../../chaincode/src/core/money';
import { caseIdPrefix } from '../../../chaincode/src/ledger/keys';
import { csvRecord } from '../ingest/spreadsheetCell';
import {
  listOpenBreaks,
  OPEN_BREAKS_PAGE_SIZE_MAX,
  REFERENCE_PREFIX_MIN,
  type OpenBreakItem,
  type OpenBreaksPage,
  type OpenBreaksQuery,
} from '../readModel/read/queue';
import {
  deleteSavedView,
  listSavedViews,
  peopleAtWork,
  upsertSavedView,
  type StoredView,
} from '../readModel/read/views';
import { ApiError } from './errors';
import type { Shape } from './routes/schema';
import type { ViewQuery as ViewQuerySchema } from './routes/shapes';

/** Saved views per person at most. */
export const SAVED_VIEWS_MAX = 50;
/** Breaks one bulk action takes at most (each is its own signed ledger transaction). */
export const BULK_BREAKS_MAX = 100;

/**
 * What a saved view remembers: the queue's filters and order (never a search: it may hold a reference). Declared
 * once with the routes (routes/shapes.ts), which check it before it reaches this file.
 */
export type ViewQuery = Shape<typeof ViewQuerySchema>;

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
    ...(view.currency ? { currency: view.currency } : {}),
    ...(view.counterparty ? { counterparty: view.counterparty } : {}),
    ...(view.valueDateFrom ? { valueDateFrom: view.valueDateFrom } : {}),
    ...(view.valueDateTo ? { valueDateTo: view.valueDateTo } : {}),
    ...(view.amountMinorMin ? { amountMinorMin: view.amountMinorMin } : {}),
    ...(view.amountMinorMax ? { amountMinorMax: view.amountMinorMax } : {}),
    ...(view.rootCause ? { rootCause: view.rootCause } : {}),
    ...(view.escalated !== undefined ? { escalated: view.escalated } : {}),
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

/** Rows one export of the queue holds at most (its pages are read one after another). */
export const QUEUE_EXPORT_ROWS_MAX = 10_000;

export const QUEUE_CSV_HEADER = [
  'break_id',
  'case_id',
  'reason',
  'status',
  'resolution',
  'opened_at',
  'updated_at',
  'age_ms',
  'service_level',
  'assignee',
  'counterparties',
  'amount',
  'currency',
  'value_date',
  'own_reference',
  'root_cause',
  'due_at',
  'escalated',
] as const;

function csvCells(b: OpenBreakItem): string[] {
  const amount =
    b.amountMinor !== null && b.currency !== null && isCurrency(b.currency)
      ? minorToMajorText(BigInt(b.amountMinor), b.currency)
      : '';
  return [
    b.breakId,
    b.caseId,
    b.reason,
    b.status,
    b.resolution ?? '',
    b.openedAt,
    b.updatedAt,
    String(b.ageMs),
    b.serviceLevel,
    b.assignee ? `${b.assignee.name}@${b.assignee.mspId}` : '',
    b.counterparties.join(' '),
    amount,
    b.currency ?? '',
    b.valueDate ?? '',
    b.ownReference ?? '',
    b.rootCause ?? '',
    b.dueAt ?? '',
    b.escalated ? 'yes' : '',
  ];
}

/**
 * The queue as its view shows it (filters, search and order; every page, not only the one on screen) as CSV,
 * amounts in major units of their currency, cells a spreadsheet would run as formulas guarded. At most
 * QUEUE_EXPORT_ROWS_MAX rows: `truncated` says when more matched.
 */
export async function queueCsv(
  pool: pg.Pool,
  who: { readonly mspId: string; readonly enrollmentId: string },
  view: ViewQuery,
  options: { readonly search?: string; readonly now: Date },
): Promise<{ readonly csv: string; readonly rows: number; readonly truncated: boolean }> {
  const lines = [csvRecord(QUEUE_CSV_HEADER)];
  let cursor: string | undefined;
  let truncated = false;
  for (;;) {
    const left = QUEUE_EXPORT_ROWS_MAX - (lines.length - 1);
    const page = await queuePage(
      pool,
      who,
      { ...view, limit: Math.min(OPEN_BREAKS_PAGE_SIZE_MAX, left) },
      { ...options, ...(cursor ? { cursor } : {}) },
    );
    for (const item of page.items) lines.push(csvRecord(csvCells(item)));
    cursor = page.next;
    if (cursor === undefined) break;
    if (lines.length - 1 >= QUEUE_EXPORT_ROWS_MAX) {
      truncated = true;
      break;
    }
  }
  return { csv: `${lines.join('\r\n')}\r\n`, rows: lines.length - 1, truncated };
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

/** Saves (or replaces) one of the person's views. */
export async function saveView(
  pool: pg.Pool,
  who: { mspId: string; enrollmentId: string },
  name: string,
  query: ViewQuery,
): Promise<SavedView> {
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
