import type pg from 'pg';

import type { BreakStatus } from '../../../chaincode/src/core/breakMachine';
import type { BreakReason } from '../../../chaincode/src/core/matching';

export const OPEN_BREAKS_PAGE_SIZE_MAX = 200;

export interface OpenBreakItem {
  readonly breakId: string;
  readonly caseId: string;
  readonly reason: BreakReason;
  readonly status: BreakStatus;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly ageMs: number;
  readonly assignee: { readonly mspId: string; readonly name: string } | null;
}

export interface OpenBreaksPage {
  readonly items: readonly OpenBreakItem[];
  /** Pass back as `after` for the next page; absent on the last page. */
  readonly next?: string;
}

interface Cursor {
  readonly openedAt: string;
  readonly breakId: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.openedAt, c.breakId])).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string')
      return { openedAt: v[0], breakId: v[1] };
  } catch {
    // falls through
  }
  throw new RangeError('invalid cursor');
}

/**
 * The institution's open breaks, oldest first, keyset-paginated on (opened_at, break_id) so every page is an
 * index range scan however deep (open_breaks_age / _reason_age / _status_age).
 */
export async function listOpenBreaks(
  db: Pick<pg.Pool, 'query'>,
  query: {
    readonly pageSize: number;
    readonly after?: string;
    readonly reason?: BreakReason;
    readonly status?: BreakStatus;
    readonly now: Date;
  },
): Promise<OpenBreaksPage> {
  const { pageSize } = query;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > OPEN_BREAKS_PAGE_SIZE_MAX)
    throw new RangeError(`pageSize must be 1-${OPEN_BREAKS_PAGE_SIZE_MAX}`);
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.reason !== undefined) {
    params.push(query.reason);
    where.push(`reason = $${params.length}`);
  }
  if (query.status !== undefined) {
    params.push(query.status);
    where.push(`status = $${params.length}`);
  }
  if (query.after !== undefined) {
    const c = decodeCursor(query.after);
    params.push(c.openedAt, c.breakId);
    where.push(`(opened_at, break_id) > ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  params.push(pageSize + 1);
  const r = await db.query<{
    break_id: string;
    case_id: string;
    reason: BreakReason;
    status: BreakStatus;
    opened_at: Date;
    updated_at: Date;
    assignee_msp_id: string | null;
    assignee_name: string | null;
  }>(
    `SELECT break_id, case_id, reason, status, opened_at, updated_at, assignee_msp_id, assignee_name
       FROM open_breaks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY opened_at, break_id
      LIMIT $${params.length}`,
    params,
  );
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
  const last = items.at(-1);
  return r.rows.length > pageSize && last
    ? { items, next: encodeCursor({ openedAt: last.openedAt, breakId: last.breakId }) }
    : { items };
}
