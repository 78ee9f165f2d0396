import type { IndexedKind } from '../../../chaincode/src/api/receivables';
import { decodeCursor, encodeCursor } from './cursor';
import {
  jsonText,
  Params,
  textArrayLiteral,
  unnestRows,
  updateSet,
  type Columns,
  type Queryable,
} from './sql';

/**
 * The node's index of receivables (`../db/migrations/010_receivables_index.sql`): one row per record the node's
 * reader may index, with its viewers, written by the receivables follower (`../indexer/receivablesIndexer.ts`)
 * with its checkpoint in one SQL transaction, and read as each person's lists, a token's tree, and page by page
 * for `verify`.
 */

/** What every row holds of its record: what it is, the columns the lists filter on, and the record itself. */
interface RecordColumns {
  readonly kind: IndexedKind;
  readonly id: string;
  readonly status: string;
  readonly tokenId: string | null;
  readonly tradeId: string | null;
  readonly holder: string | null;
  readonly currency: string | null;
  /** Integer minor units, a decimal string. */
  readonly amountMinor: string;
  readonly dueOn: string | null;
  readonly longTerm: boolean;
  /** The record as the ledger answered it (amounts as decimal strings). */
  readonly record: unknown;
}

/** One record as the index keeps it (`../indexer/receivablesProjection.ts` makes it). */
export interface ReceivablesRow extends RecordColumns {
  readonly viewers: readonly string[];
  readonly origin: {
    readonly blockNumber: bigint;
    readonly txIndex: number;
    readonly txId: string;
    readonly at: string;
  };
}

const COLUMNS: Columns<ReceivablesRow> = {
  kind: ['text', (r) => r.kind],
  id: ['text', (r) => r.id],
  status: ['text', (r) => r.status],
  token_id: ['text', (r) => r.tokenId],
  trade_id: ['text', (r) => r.tradeId],
  holder: ['text', (r) => r.holder],
  currency: ['text', (r) => r.currency],
  amount_minor: ['numeric', (r) => r.amountMinor],
  due_on: ['date', (r) => r.dueOn],
  long_term: ['boolean', (r) => r.longTerm],
  viewers: ['text', (r) => textArrayLiteral(r.viewers), 'viewers::text[]'],
  record: ['text', (r) => jsonText(r.record), 'record::jsonb'],
  block_number: ['bigint', (r) => r.origin.blockNumber.toString()],
  tx_index: ['int', (r) => r.origin.txIndex],
  tx_id: ['text', (r) => r.origin.txId],
  changed_at: ['timestamptz', (r) => r.origin.at],
};

/**
 * Writes rows in the caller's SQL transaction. A row replaces the stored one unless the stored one was written by
 * a later transaction: a replayed block never takes a record back.
 */
export async function writeReceivablesRows(
  client: Queryable,
  rows: readonly ReceivablesRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const { from, names, select, values } = unnestRows(rows, COLUMNS);
  await client.query(
    `INSERT INTO receivables_records (${names}) SELECT ${select} FROM ${from}
     ON CONFLICT (kind, id) DO UPDATE SET ${updateSet(COLUMNS, ['kind', 'id'])}
     WHERE (receivables_records.block_number, receivables_records.tx_index)
        <= (EXCLUDED.block_number, EXCLUDED.tx_index)`,
    values,
  );
}

/** The next block the follower reads; undefined for an index that never followed receivables. */
export async function readReceivablesNextBlock(
  db: Queryable,
  institution: string,
): Promise<bigint | undefined> {
  const r = await db.query<{ next_block: string }>(
    'SELECT next_block FROM receivables_index_checkpoint WHERE institution = $1',
    [institution],
  );
  const row = r.rows[0];
  return row ? BigInt(row.next_block) : undefined;
}

/**
 * Moves the follower's checkpoint to `next` (in the caller's SQL transaction, after the rows), and refuses a
 * block the index already holds: `expected` is the block the caller read, and the row is locked while it writes.
 */
export async function writeReceivablesNextBlock(
  client: Queryable,
  institution: string,
  expected: bigint,
  next: bigint,
): Promise<void> {
  const r = await client.query<{ next_block: string }>(
    'SELECT next_block FROM receivables_index_checkpoint WHERE institution = $1 FOR UPDATE',
    [institution],
  );
  const stored = r.rows[0] ? BigInt(r.rows[0].next_block) : 0n;
  if (stored !== expected)
    throw new Error(
      `the receivables index of ${institution} is at block ${stored}, not ${expected}: another follower moved it`,
    );
  await client.query(
    `INSERT INTO receivables_index_checkpoint (institution, next_block, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (institution) DO UPDATE SET next_block = EXCLUDED.next_block, updated_at = EXCLUDED.updated_at`,
    [institution, next.toString()],
  );
}

/** Whether each of `tokenIds` the index knows is flagged long-term. */
export async function knownLongTerm(
  db: Queryable,
  tokenIds: readonly string[],
): Promise<Map<string, boolean>> {
  if (tokenIds.length === 0) return new Map();
  const r = await db.query<{ id: string; long_term: boolean }>(
    `SELECT id, long_term FROM receivables_records WHERE kind = 'TOKEN' AND id = ANY($1::text[])`,
    [tokenIds],
  );
  return new Map(r.rows.map((row) => [row.id, row.long_term]));
}

/** A record as the lists show it: where it last changed, not who sees it. */
export interface ListedRecord extends RecordColumns {
  readonly changedAt: string;
  readonly blockNumber: string;
  readonly txId: string;
}

interface ListedRow {
  kind: IndexedKind;
  id: string;
  status: string;
  token_id: string | null;
  trade_id: string | null;
  holder: string | null;
  currency: string | null;
  amount_minor: string;
  due_on: string | null;
  long_term: boolean;
  record: unknown;
  changed_at: Date;
  block_number: string;
  tx_index: number;
  tx_id: string;
}

const LISTED = `kind, id, status, token_id, trade_id, holder, currency, amount_minor::text AS amount_minor,
  to_char(due_on, 'YYYY-MM-DD') AS due_on, long_term, record, changed_at, block_number::text AS block_number,
  tx_index, tx_id`;

/** A listed record from the columns a list page and a tree read alike, with its record and time as read. */
function listedRecord(
  r: Omit<ListedRow, 'record' | 'changed_at' | 'tx_index'>,
  record: unknown,
  changedAt: string,
): ListedRecord {
  return {
    kind: r.kind,
    id: r.id,
    status: r.status,
    tokenId: r.token_id,
    tradeId: r.trade_id,
    holder: r.holder,
    currency: r.currency,
    amountMinor: r.amount_minor,
    dueOn: r.due_on,
    longTerm: r.long_term,
    record,
    changedAt,
    blockNumber: r.block_number,
    txId: r.tx_id,
  };
}

const listed = (r: ListedRow): ListedRecord => listedRecord(r, r.record, r.changed_at.toISOString());

/** Rows a list page holds at most. */
export const RECEIVABLES_PAGE_MAX = 200;

export type ReceivablesOrder = 'newest' | 'due';

export interface ReceivablesFilter {
  readonly kind: IndexedKind;
  /** Only rows this party may see (a label, `<code>@<MSP>` or `<MSP>`); null: every row (auditors). */
  readonly viewer: string | null;
  readonly statuses?: readonly string[];
  readonly holder?: string;
  readonly tokenId?: string;
  readonly tradeId?: string;
  readonly currency?: string;
  readonly dueFrom?: string;
  readonly dueTo?: string;
  readonly longTerm?: boolean;
  /** newest change first (default), or by due date (a maturity calendar). */
  readonly order?: ReceivablesOrder;
  readonly limit: number;
  /** A cursor this listing gave (RangeError otherwise). */
  readonly after?: string;
}

/** One page of a kind's records a person may see, filtered, in keyset order. */
export async function listReceivables(
  db: Queryable,
  f: ReceivablesFilter,
): Promise<{ items: ListedRecord[]; next: string | null }> {
  const p = new Params();
  const where = [`kind = ${p.add(f.kind)}`];
  if (f.viewer !== null) where.push(`viewers @> ARRAY[${p.add(f.viewer)}::text]`);
  if (f.statuses && f.statuses.length > 0) where.push(`status = ANY(${p.add(f.statuses)}::text[])`);
  if (f.holder !== undefined) where.push(`holder = ${p.add(f.holder)}`);
  if (f.tokenId !== undefined) where.push(`token_id = ${p.add(f.tokenId)}`);
  if (f.tradeId !== undefined) where.push(`trade_id = ${p.add(f.tradeId)}`);
  if (f.currency !== undefined) where.push(`currency = ${p.add(f.currency)}`);
  if (f.dueFrom !== undefined) where.push(`due_on >= ${p.add(f.dueFrom)}::date`);
  if (f.dueTo !== undefined) where.push(`due_on <= ${p.add(f.dueTo)}::date`);
  if (f.longTerm !== undefined) where.push(`long_term = ${p.add(f.longTerm)}`);
  const order = f.order ?? 'newest';
  if (f.after !== undefined) {
    const c = decodeCursor(f.after);
    if (order === 'newest') {
      const [tag, block, tx, id] = c;
      if (tag !== 'n' || block === undefined || tx === undefined || id === undefined || c.length !== 4)
        throw new RangeError('invalid cursor');
      where.push(
        `(r.block_number, r.tx_index, r.id) < (${p.add(block)}::bigint, ${p.add(Number(tx))}::int, ${p.add(id)})`,
      );
    } else {
      const [tag, due, id] = c;
      if (tag !== 'd' || due === undefined || id === undefined || c.length !== 3)
        throw new RangeError('invalid cursor');
      where.push(`(COALESCE(r.due_on, 'infinity'::date), r.id) > (${p.add(due)}::date, ${p.add(id)})`);
    }
  }
  const orderBy =
    order === 'newest'
      ? 'r.block_number DESC, r.tx_index DESC, r.id DESC'
      : `COALESCE(r.due_on, 'infinity'::date), r.id`;
  const limit = Math.min(Math.max(1, f.limit), RECEIVABLES_PAGE_MAX);
  const r = await db.query<ListedRow>(
    // Qualified: LISTED names its text forms of block_number and due_on as the columns, which a bare ORDER BY takes.
    `SELECT ${LISTED} FROM receivables_records r WHERE ${where.join(' AND ')} ORDER BY ${orderBy}
     LIMIT ${p.add(limit + 1)}`,
    p.values,
  );
  const rows = r.rows.slice(0, limit);
  const last = rows.at(-1);
  const more = r.rows.length > limit && last !== undefined;
  const next = !more
    ? null
    : order === 'newest'
      ? encodeCursor(['n', last.block_number, String(last.tx_index), last.id])
      : encodeCursor(['d', last.due_on ?? 'infinity', last.id]);
  return { items: rows.map(listed), next };
}

/** Parts of one token's tree a tree view takes at most from the index. */
export const TREE_PARTS_MAX = 20_000;

/**
 * The tree's columns as text the node passes on as it is: the change time already in ISO form, the record as JSON
 * text parsed once here. A tree is thousands of rows, and the driver's per-row work (a Date for each timestamptz,
 * jsonb's output then JSON.parse) was most of its cost (docs/BENCHMARKS.md).
 */
const TREE_COLUMNS = `kind, id, status, token_id, trade_id, holder, currency, amount_minor::text AS amount_minor,
  due_on::text AS due_on, long_term, record::text AS record,
  to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS changed_at,
  block_number::text AS block_number, tx_id`;

interface TreeRow extends Omit<ListedRow, 'record' | 'changed_at' | 'tx_index'> {
  record: string;
  changed_at: string;
}

const treeListed = (r: TreeRow): ListedRecord =>
  listedRecord(r, JSON.parse(r.record) as unknown, r.changed_at);

/**
 * A token and the parts of its tree this party may see (null: every part), in id order; each part names its
 * parent. Two index reads (the token by its key, the parts by `receivables_records_token`), not one with an OR,
 * and sorted here: Postgres sorted the whole rows of a 10,000-part tree on disk (external merge) to order them.
 */
export async function tokenTree(
  db: Queryable,
  tokenId: string,
  viewer: string | null,
): Promise<{ token: ListedRecord | undefined; parts: ListedRecord[] }> {
  const p = new Params();
  const seen = viewer === null ? '' : ` AND viewers @> ARRAY[${p.add(viewer)}::text]`;
  const id = p.add(tokenId);
  const [token, parts] = await Promise.all([
    db.query<TreeRow>(
      `SELECT ${TREE_COLUMNS} FROM receivables_records WHERE kind = 'TOKEN' AND id = ${id}${seen}`,
      p.values,
    ),
    db.query<TreeRow>(
      `SELECT ${TREE_COLUMNS} FROM receivables_records
       WHERE kind = 'PART' AND token_id = ${id}${seen} LIMIT ${TREE_PARTS_MAX + 1}`,
      p.values,
    ),
  ]);
  const rows = parts.rows.map(treeListed);
  rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const first = token.rows[0];
  return { token: first === undefined ? undefined : treeListed(first), parts: rows };
}

/** One page of a kind's rows in id order after `after`, as verify compares them with the ledger. */
export async function receivablesRowsAfter(
  db: Queryable,
  kind: IndexedKind,
  after: string,
  limit: number,
): Promise<(ListedRecord & { readonly viewers: readonly string[] })[]> {
  // Byte order, as the ledger's keys sort.
  const r = await db.query<ListedRow & { viewers: string[] }>(
    `SELECT ${LISTED}, viewers FROM receivables_records
     WHERE kind = $1 AND id COLLATE "C" > $2 ORDER BY id COLLATE "C" LIMIT $3`,
    [kind, after, limit],
  );
  return r.rows.map((row) => ({ ...listed(row), viewers: row.viewers }));
}
