import type { BreakStatus } from '../../../../chaincode/src/core/breakMachine';
import type { BreakReason } from '../../../../chaincode/src/core/matching';
import { decodeCursor, encodeCursor } from '../cursor';
import { Params, type Queryable } from '../sql';

export const AUDIT_PAGE_SIZE_MAX = 200;

export interface AuditBreakItem {
  readonly breakId: string;
  readonly caseId: string;
  readonly reason: BreakReason;
  readonly status: BreakStatus;
  readonly parties: readonly string[];
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly lastAction: string;
  readonly blockNumber: string;
}

const encode = (updatedAt: string, breakId: string): string => encodeCursor(['audit', updatedAt, breakId]);

function decode(cursor: string): [string, string] {
  const [kind, updatedAt, breakId, ...rest] = decodeCursor(cursor);
  if (kind !== 'audit' || updatedAt === undefined || breakId === undefined || rest.length > 0)
    throw new RangeError('invalid cursor');
  return [updatedAt, breakId];
}

/**
 * Every break the index knows (the ledger's public facts: ids, parties, reason, status), or with `party` only
 * those that institution is a party to, newest change first, keyset-paginated on (updated_at, break_id) by the
 * breaks_updated index. All of them for auditors, who are party to no break and so have an empty work queue; an
 * institution's administrator sees its own.
 */
export async function listAuditBreaks(
  db: Queryable,
  query: {
    readonly pageSize: number;
    readonly after?: string;
    readonly status?: BreakStatus;
    readonly reason?: BreakReason;
    readonly party?: string;
  },
): Promise<{ items: AuditBreakItem[]; next?: string }> {
  if (!Number.isInteger(query.pageSize) || query.pageSize < 1 || query.pageSize > AUDIT_PAGE_SIZE_MAX)
    throw new RangeError(`pageSize must be 1-${AUDIT_PAGE_SIZE_MAX}`);
  const where: string[] = [];
  const params = new Params();
  const param = (v: unknown) => params.add(v);
  if (query.status !== undefined) where.push(`status = ${param(query.status)}`);
  if (query.reason !== undefined) where.push(`reason = ${param(query.reason)}`);
  if (query.party !== undefined) where.push(`${param(query.party)} = ANY(parties)`);
  if (query.after !== undefined) {
    const [updatedAt, breakId] = decode(query.after);
    where.push(`(updated_at, break_id) < (${param(updatedAt)}::timestamptz, ${param(breakId)})`);
  }
  const r = await db.query<{
    break_id: string;
    case_id: string;
    reason: BreakReason;
    status: BreakStatus;
    parties: string[];
    opened_at: Date;
    updated_at: Date;
    last_action: string;
    block_number: string;
  }>(
    `SELECT break_id, case_id, reason, status, parties, opened_at, updated_at, last_action, block_number::text
       FROM breaks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY updated_at DESC, break_id DESC
      LIMIT ${param(query.pageSize + 1)}`,
    params.values,
  );
  const rows = r.rows.slice(0, query.pageSize);
  const items = rows.map((row) => ({
    breakId: row.break_id,
    caseId: row.case_id,
    reason: row.reason,
    status: row.status,
    parties: row.parties,
    openedAt: row.opened_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastAction: row.last_action,
    blockNumber: row.block_number,
  }));
  const last = items.at(-1);
  return r.rows.length > query.pageSize && last
    ? { items, next: encode(last.updatedAt, last.breakId) }
    : { items };
}
