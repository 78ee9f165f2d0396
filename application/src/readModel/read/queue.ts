import type { BreakStatus } from '../../../../chaincode/src/core/breakMachine';
import type { BreakReason } from '../../../../chaincode/src/core/matching';
import type { RootCause } from '../../../../chaincode/src/core/rootCause';
import { decodeCursor, encodeCursor } from '../cursor';
import type { OpenBreakRow } from '../rows';
import type { QueueSort, SortOrder } from '../queueSorts';
import { Params, type Queryable } from '../sql';

export const OPEN_BREAKS_PAGE_SIZE_MAX = 200;
/** The shortest beginning of a reference the queue searches own legs by (shorter matches far too much). */
export const REFERENCE_PREFIX_MIN = 4;

// The queue's orders (each has an index that serves it as a range scan, in both directions, in `open_breaks` and
// `closed_breaks` alike) are declared in ../queueSorts.ts, which the console imports too.
export { QUEUE_SORTS, type QueueSort, type SortOrder } from '../queueSorts';

/**
 * Service levels of a break's age (the dashboard counts open breaks by the same two marks): past the first it is
 * at risk, past the second breached. A closed break's age is the time it took to resolve.
 */
export const BREAK_AGE_AT_RISK_MS = 3_600_000;
export const BREAK_AGE_BREACHED_MS = 86_400_000;
export const SERVICE_LEVELS = ['WITHIN', 'AT_RISK', 'BREACHED'] as const;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

export function serviceLevelOf(ageMs: number): ServiceLevel {
  return ageMs >= BREAK_AGE_BREACHED_MS ? 'BREACHED' : ageMs >= BREAK_AGE_AT_RISK_MS ? 'AT_RISK' : 'WITHIN';
}

/** Who a queue row is assigned to: `open_breaks` keeps the person's institution and name. */
export type QueueAssignee = Pick<NonNullable<OpenBreakRow['assignee']>, 'mspId' | 'name'>;

/**
 * One row of a queue page: the break, its age and service level, its other parties, and the facts of the
 * institution's own leg in its case (null where it has none: its leg is the one missing, or not indexed yet).
 */
export interface OpenBreakItem extends Omit<OpenBreakRow, 'assignee'> {
  readonly ageMs: number;
  readonly serviceLevel: ServiceLevel;
  readonly assignee: QueueAssignee | null;
  readonly amountMinor: string | null;
  readonly currency: string | null;
  readonly valueDate: string | null;
  readonly ownReference: string | null;
  /** How a closed (RESOLVED) break was resolved; null while open. */
  readonly resolution: string | null;
  /** Past its due date by the ledger's time (the newest transaction the index holds), and not resolved. */
  readonly escalated: boolean;
}

export interface OpenBreaksPage {
  readonly items: readonly OpenBreakItem[];
  /** Pass back as `after` for the next page; absent on the last page. */
  readonly next?: string;
  /** How many breaks match the filters (only when asked: it reads every matching row). */
  readonly total?: number;
}

export interface OpenBreaksQuery {
  readonly pageSize: number;
  readonly after?: string;
  readonly reason?: BreakReason;
  /** RESOLVED lists the closed breaks (`closed_breaks`); any other status, or none, the open ones. */
  readonly status?: BreakStatus;
  /** Assigned to this person of the institution (`assigneeMspId`), or to nobody (null). */
  readonly assignee?: QueueAssignee | null;
  /** The own leg's currency. */
  readonly currency?: string;
  /** One of the break's other parties (an MSP id). */
  readonly counterparty?: string;
  /** The own leg's value date, from and to (YYYY-MM-DD, both included). */
  readonly valueDateFrom?: string;
  readonly valueDateTo?: string;
  /** The own leg's amount in minor units (decimal strings), from and to (both included). */
  readonly amountMinorMin?: string;
  readonly amountMinorMax?: string;
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
  /** The root cause (the open proposal's, or the one a closed break was resolved with). */
  readonly rootCause?: RootCause;
  /** Only the escalated breaks (past their due date by ledger time), or only the others. */
  readonly escalated?: boolean;
  /**
   * The ledger's time (UTC ISO-8601): a break past its due date by it is escalated. listOpenBreaks takes the time
   * of the newest transaction the index holds when none is given.
   */
  readonly ledgerNow?: string;
  readonly sort?: QueueSort;
  readonly order?: SortOrder;
  readonly count?: boolean;
  readonly now: Date;
}

type KeyType = 'text' | 'timestamptz' | 'numeric' | 'date' | 'text[]';
const OLDEST: readonly [KeyType, string][] = [
  ['timestamptz', 'opened_at'],
  ['text', 'break_id'],
];

/**
 * The expressions after which each sort pages, most significant first; break_id makes every key unique. A missing
 * own-leg fact sorts as -1, '' or year 1: the migration's indexes hold the same expressions.
 */
const SORT_COLUMNS: Readonly<Record<QueueSort, readonly [KeyType, string][]>> = {
  age: OLDEST,
  updated: [
    ['timestamptz', 'updated_at'],
    ['text', 'break_id'],
  ],
  reason: [['text', 'reason'], ...OLDEST],
  status: [['text', 'status'], ...OLDEST],
  amount: [['numeric', 'COALESCE(amount_minor, -1)'], ...OLDEST],
  currency: [['text', "COALESCE(currency, '')"], ...OLDEST],
  valueDate: [['date', "COALESCE(value_date, date '0001-01-01')"], ...OLDEST],
  counterparty: [['text[]', 'counterparties'], ...OLDEST],
  reference: [['text', "COALESCE(own_reference, '')"], ...OLDEST],
};

interface Row {
  break_id: string;
  case_id: string;
  reason: BreakReason;
  status: BreakStatus;
  resolution: string | null;
  opened_at: Date;
  updated_at: Date;
  assignee_msp_id: string | null;
  assignee_name: string | null;
  counterparties: string[];
  amount_minor: string | null;
  currency: string | null;
  value_date: string | null;
  own_reference: string | null;
  root_cause: RootCause | null;
  due_at: Date | null;
  escalated: boolean;
  /** The sort's key, each part as text (cast back by its type when it comes back in a cursor). */
  sort_key: string[];
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

/** The conditions of a query's filters and search (not its cursor), on `table`. */
function filterConditions(query: OpenBreaksQuery, table: string, param: (v: unknown) => string): string[] {
  const where: string[] = [];
  if (query.reason !== undefined) where.push(`reason = ${param(query.reason)}`);
  if (query.status !== undefined) where.push(`status = ${param(query.status)}`);
  if (query.assignee === null) where.push('assignee_name IS NULL');
  else if (query.assignee !== undefined)
    where.push(
      `assignee_msp_id = ${param(query.assignee.mspId)} AND assignee_name = ${param(query.assignee.name)}`,
    );
  // The same expression as the currency sort's index, which then serves the filter too.
  if (query.currency !== undefined) where.push(`COALESCE(currency, '') = ${param(query.currency)}`);
  if (query.counterparty !== undefined)
    where.push(`counterparties @> ARRAY[${param(query.counterparty)}::text]`);
  if (query.valueDateFrom !== undefined) where.push(`value_date >= ${param(query.valueDateFrom)}::date`);
  if (query.valueDateTo !== undefined) where.push(`value_date <= ${param(query.valueDateTo)}::date`);
  if (query.amountMinorMin !== undefined)
    where.push(`amount_minor >= ${param(query.amountMinorMin)}::numeric`);
  if (query.amountMinorMax !== undefined)
    where.push(`amount_minor <= ${param(query.amountMinorMax)}::numeric`);
  if (query.caseId !== undefined) where.push(`case_id = ${param(query.caseId)}`);
  if (query.breakIdPrefix !== undefined)
    where.push(`break_id LIKE ${param(likePrefix(query.breakIdPrefix))}`);
  if (query.rootCause !== undefined) where.push(`root_cause = ${param(query.rootCause)}`);
  if (query.escalated !== undefined)
    where.push(`${query.escalated ? '' : 'NOT '}${escalatedExpression(table, param, query.ledgerNow)}`);
  if (query.reference !== undefined) {
    const { casePrefix, ownLegsOf, prefix } = query.reference;
    // The reference's cases as a key range (ids are lower-case hex, all below 'g'), which the index serves.
    // One IN over a union (not an OR): the planner looks each found case up in the table's case index.
    const ofReference = `case_id >= ${param(casePrefix)} AND case_id < ${param(`${casePrefix}g`)}`;
    where.push(
      prefix.length < REFERENCE_PREFIX_MIN
        ? ofReference
        : `case_id IN (SELECT case_id FROM ${table} WHERE ${ofReference}
                        UNION SELECT case_id FROM own_legs
                         WHERE msp_id = ${param(ownLegsOf)} AND reference LIKE ${param(likePrefix(prefix))})`,
    );
  }
  return where;
}

/**
 * Whether a row is escalated: past its due date by the ledger's time, and open (a closed break never is). Without
 * a ledger time (an empty index) nothing is.
 */
function escalatedExpression(
  table: string,
  param: (v: unknown) => string,
  ledgerNow: string | undefined,
): string {
  if (table === 'closed_breaks' || ledgerNow === undefined) return 'false';
  return `COALESCE(due_at <= ${param(ledgerNow)}::timestamptz, false)`;
}

const whereClause = (where: readonly string[]) => (where.length > 0 ? `WHERE ${where.join(' AND ')}` : '');

/**
 * The SQL of one queue page (and of its count): exported so a test can ask PostgreSQL how it runs them. Open
 * breaks come from `open_breaks`, closed ones (status RESOLVED) from `closed_breaks`: the same columns.
 */
export function queueStatements(query: OpenBreaksQuery): {
  readonly page: { readonly text: string; readonly values: unknown[] };
  readonly count: { readonly text: string; readonly values: unknown[] };
} {
  const { pageSize } = query;
  const sort = query.sort ?? 'age';
  const order = query.order ?? 'asc';
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > OPEN_BREAKS_PAGE_SIZE_MAX)
    throw new RangeError(`pageSize must be 1-${OPEN_BREAKS_PAGE_SIZE_MAX}`);
  const table = query.status === 'RESOLVED' ? 'closed_breaks' : 'open_breaks';
  const params = new Params();
  const param = (v: unknown) => params.add(v);
  const where = filterConditions(query, table, param);
  const count = {
    text: `SELECT count(*)::text AS n FROM ${table} ${whereClause(where)}`,
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
  const resolution = table === 'closed_breaks' ? 'resolution' : 'NULL::text AS resolution';
  const escalated = escalatedExpression(table, param, query.ledgerNow);
  return {
    page: {
      text: `SELECT break_id, case_id, reason, status, ${resolution}, opened_at, updated_at, assignee_msp_id,
                    assignee_name, counterparties, amount_minor::text, currency, value_date::text, own_reference,
                    root_cause, due_at, ${escalated} AS escalated,
                    ARRAY[${columns.map(([, c]) => `(${c})::text`).join(', ')}] AS sort_key
               FROM ${table} ${whereClause(where)}
              ORDER BY ${columns.map(([, c]) => `${c} ${direction}`).join(', ')}
              LIMIT ${limit}`,
      values: params.values,
    },
    count,
  };
}

function itemOf(row: Row, now: Date): OpenBreakItem {
  // A closed break's age is the time it took; an open one's, the time since it opened.
  const until = row.status === 'RESOLVED' ? row.updated_at : now;
  const ageMs = Math.max(0, until.getTime() - row.opened_at.getTime());
  return {
    breakId: row.break_id,
    caseId: row.case_id,
    reason: row.reason,
    status: row.status,
    openedAt: row.opened_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ageMs,
    serviceLevel: serviceLevelOf(ageMs),
    assignee:
      row.assignee_msp_id !== null ? { mspId: row.assignee_msp_id, name: row.assignee_name ?? '' } : null,
    counterparties: row.counterparties,
    amountMinor: row.amount_minor,
    currency: row.currency,
    valueDate: row.value_date,
    ownReference: row.own_reference,
    resolution: row.resolution,
    rootCause: row.root_cause,
    dueAt: row.due_at === null ? null : row.due_at.toISOString(),
    escalated: row.escalated,
  };
}

/**
 * The institution's open (or closed) breaks, keyset-paginated on the sort's columns plus break_id, so every page
 * is an index range scan however deep (open_breaks_age / _updated / _reason_age / _amount …). Default: oldest
 * first.
 */
export async function listOpenBreaks(db: Queryable, given: OpenBreaksQuery): Promise<OpenBreaksPage> {
  const { pageSize } = given;
  const sort = given.sort ?? 'age';
  const ledgerNow = given.ledgerNow ?? (await ledgerTime(db));
  const query = ledgerNow === undefined ? given : { ...given, ledgerNow };
  const statements = queueStatements(query);
  const r = await db.query<Row>(statements.page.text, statements.page.values);
  let total: number | undefined;
  if (query.count) {
    const c = await db.query<{ n: string }>(statements.count.text, statements.count.values);
    total = Number(c.rows[0]?.n ?? 0);
  }
  const rows = r.rows.slice(0, pageSize);
  const last = rows.at(-1);
  return {
    items: rows.map((row) => itemOf(row, query.now)),
    ...(r.rows.length > pageSize && last
      ? { next: queueCursor(sort, query.order ?? 'asc', last.sort_key) }
      : {}),
    ...(total !== undefined ? { total } : {}),
  };
}

/**
 * The ledger's time as the index knows it: the newest indexed transaction's (its primary key's last row), so
 * escalation follows the ledger, not the node's clock. Undefined while the index holds no transaction.
 */
export async function ledgerTime(db: Queryable): Promise<string | undefined> {
  const r = await db.query<{ at: Date }>(
    'SELECT at FROM indexed_transactions ORDER BY block_number DESC, tx_index DESC LIMIT 1',
  );
  return r.rows[0]?.at.toISOString();
}
