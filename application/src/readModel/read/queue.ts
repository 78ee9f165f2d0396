import type { BreakStatus } from '../../../../chaincode/src/core/breakMachine';
import type { BreakReason } from '../../../../chaincode/src/core/matching';
import { decodeCursor, encodeCursor } from '../cursor';
import type { OpenBreakRow } from '../rows';
import { Params, type Queryable } from '../sql';

export const OPEN_BREAKS_PAGE_SIZE_MAX = 200;
/** The shortest beginning of a reference the queue searches own legs by (shorter matches far too much). */
export const REFERENCE_PREFIX_MIN = 4;

/** The queue's orders. Each has an index that serves it as a range scan, in both directions. */
export const QUEUE_SORTS = ['age', 'updated', 'reason', 'status'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];
export type SortOrder = 'asc' | 'desc';

/** Who a queue row is assigned to: `open_breaks` keeps the person's institution and name. */
export type QueueAssignee = Pick<NonNullable<OpenBreakRow['assignee']>, 'mspId' | 'name'>;

/** One row of a queue page: the `open_breaks` row the projection wrote, with its age. */
export interface OpenBreakItem extends Omit<OpenBreakRow, 'assignee'> {
  readonly ageMs: number;
  readonly assignee: QueueAssignee | null;
}

export interface OpenBreaksPage {
  readonly items: readonly OpenBreakItem[];
  /** Pass back as `after` for the next page; absent on the last page. */
  readonly next?: string;
  /** How many open breaks match the filters (only when asked: it reads every matching row). */
  readonly total?: number;
}

export interface OpenBreaksQuery {
  readonly pageSize: number;
  readonly after?: string;
  readonly reason?: BreakReason;
  readonly status?: BreakStatus;
  /** Assigned to this person of the institution (`assigneeMspId`), or to nobody (null). */
  readonly assignee?: QueueAssignee | null;
  /** Only this case (ids are public: a search by case id). */
  readonly caseId?: string;
  /**
   * A search by payment reference: the cases it names (`casePrefix`, what the ids of every case of the exact
   * reference begin with, one case per route declared for it: the secret never reaches the index), or any case
   * of which one of `ownLegsOf`'s own legs has a reference beginning with `prefix` (the node's own plaintext;
   * from REFERENCE_PREFIX_MIN characters).
   */
  readonly reference?: { readonly casePrefix: string; readonly ownLegsOf: string; readonly prefix: string };
  /** Breaks whose id begins so (ids are public: the queue shows them). */
  readonly breakIdPrefix?: string;
  readonly sort?: QueueSort;
  readonly order?: SortOrder;
  readonly count?: boolean;
  readonly now: Date;
}

/** The columns after which each sort pages, most significant first; break_id makes every key unique. */
const SORT_COLUMNS: Readonly<Record<QueueSort, readonly ['text' | 'timestamptz', string][]>> = {
  age: [
    ['timestamptz', 'opened_at'],
    ['text', 'break_id'],
  ],
  updated: [
    ['timestamptz', 'updated_at'],
    ['text', 'break_id'],
  ],
  reason: [
    ['text', 'reason'],
    ['timestamptz', 'opened_at'],
    ['text', 'break_id'],
  ],
  status: [
    ['text', 'status'],
    ['timestamptz', 'opened_at'],
    ['text', 'break_id'],
  ],
};

interface Row {
  break_id: string;
  case_id: string;
  reason: BreakReason;
  status: BreakStatus;
  opened_at: Date;
  updated_at: Date;
  assignee_msp_id: string | null;
  assignee_name: string | null;
}

function keyOf(sort: QueueSort, row: Row): string[] {
  return SORT_COLUMNS[sort].map(([, column]) => {
    const v = row[column as keyof Row];
    return v instanceof Date ? v.toISOString() : String(v);
  });
}

/** A cursor names its sort and order, so one made for another order is refused rather than misread. */
function queueCursor(sort: QueueSort, order: SortOrder, key: readonly string[]): string {
  return encodeCursor([sort, order, ...key]);
}

function queueCursorKey(s: string, sort: QueueSort, order: SortOrder): string[] {
  const parts = decodeCursor(s);
  // The first slice's cursors were [openedAt, breakId]: still read as the default order's.
  if (parts.length === 2 && sort === 'age' && order === 'asc') return parts;
  if (parts[0] !== sort || parts[1] !== order || parts.length !== SORT_COLUMNS[sort].length + 2)
    throw new RangeError('invalid cursor');
  return parts.slice(2);
}

const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The SQL of one queue page (and of its count): exported so a test can ask PostgreSQL how it runs them. */
export function queueStatements(query: OpenBreaksQuery): {
  readonly page: { readonly text: string; readonly values: unknown[] };
  readonly count: { readonly text: string; readonly values: unknown[] };
} {
  const { pageSize } = query;
  const sort = query.sort ?? 'age';
  const order = query.order ?? 'asc';
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > OPEN_BREAKS_PAGE_SIZE_MAX)
    throw new RangeError(`pageSize must be 1-${OPEN_BREAKS_PAGE_SIZE_MAX}`);
  const where: string[] = [];
  const params = new Params();
  const param = (v: unknown) => params.add(v);
  if (query.reason !== undefined) where.push(`reason = ${param(query.reason)}`);
  if (query.status !== undefined) where.push(`status = ${param(query.status)}`);
  if (query.assignee === null) where.push('assignee_name IS NULL');
  else if (query.assignee !== undefined)
    where.push(
      `assignee_msp_id = ${param(query.assignee.mspId)} AND assignee_name = ${param(query.assignee.name)}`,
    );
  if (query.caseId !== undefined) where.push(`case_id = ${param(query.caseId)}`);
  if (query.breakIdPrefix !== undefined)
    where.push(`break_id LIKE ${param(likePrefix(query.breakIdPrefix))}`);
  if (query.reference !== undefined) {
    const { casePrefix, ownLegsOf, prefix } = query.reference;
    // The reference's cases as a key range (ids are lower-case hex, all below 'g'), which the index serves.
    // One IN over a union (not an OR): the planner looks each found case up in open_breaks_case.
    const ofReference = `case_id >= ${param(casePrefix)} AND case_id < ${param(`${casePrefix}g`)}`;
    where.push(
      prefix.length < REFERENCE_PREFIX_MIN
        ? ofReference
        : `case_id IN (SELECT case_id FROM open_breaks WHERE ${ofReference}
                        UNION SELECT case_id FROM own_legs
                         WHERE msp_id = ${param(ownLegsOf)} AND reference LIKE ${param(likePrefix(prefix))})`,
    );
  }
  const count = {
    text: `SELECT count(*)::text AS n FROM open_breaks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
    values: [...params.values],
  };
  const columns = SORT_COLUMNS[sort];
  if (query.after !== undefined) {
    const key = queueCursorKey(query.after, sort, order);
    const values = columns.map(([type], i) => `${param(key[i])}::${type}`);
    where.push(
      `(${columns.map(([, c]) => c).join(', ')}) ${order === 'asc' ? '>' : '<'} (${values.join(', ')})`,
    );
  }
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  const limit = param(pageSize + 1);
  return {
    page: {
      text: `SELECT break_id, case_id, reason, status, opened_at, updated_at, assignee_msp_id, assignee_name
               FROM open_breaks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
              ORDER BY ${columns.map(([, c]) => `${c} ${direction}`).join(', ')}
              LIMIT ${limit}`,
      values: params.values,
    },
    count,
  };
}

/**
 * The institution's open breaks, keyset-paginated on the sort's columns plus break_id, so every page is an
 * index range scan however deep (open_breaks_age / _updated / _reason_age / _status_age). Default: oldest first.
 */
export async function listOpenBreaks(db: Queryable, query: OpenBreaksQuery): Promise<OpenBreaksPage> {
  const { pageSize } = query;
  const sort = query.sort ?? 'age';
  const statements = queueStatements(query);
  const r = await db.query<Row>(statements.page.text, statements.page.values);
  let total: number | undefined;
  if (query.count) {
    const c = await db.query<{ n: string }>(statements.count.text, statements.count.values);
    total = Number(c.rows[0]?.n ?? 0);
  }
  const rows = r.rows.slice(0, pageSize);
  const items = rows.map((row) => ({
    breakId: row.break_id,
    caseId: row.case_id,
    reason: row.reason,
    status: row.status,
    openedAt: row.opened_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ageMs: Math.max(0, query.now.getTime() - row.opened_at.getTime()),
    assignee:
      row.assignee_msp_id !== null ? { mspId: row.assignee_msp_id, name: row.assignee_name ?? '' } : null,
  }));
  const last = rows.at(-1);
  return {
    items,
    ...(r.rows.length > pageSize && last
      ? { next: queueCursor(sort, query.order ?? 'asc', keyOf(sort, last)) }
      : {}),
    ...(total !== undefined ? { total } : {}),
  };
}
