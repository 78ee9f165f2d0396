import type pg from 'pg';

import type { IndexedKind, IndexedRecord, IndexPage, Wire } from '../../../chaincode/src/api/receivables';
import {
  readReceivablesNextBlock,
  receivablesRowsAfter,
  type ListedRecord,
} from '../readModel/receivablesIndex';
import { receivablesRowOf } from './receivablesProjection';

/** One page of a kind's records on the ledger, as the reader may index them (`ReceivablesGateway.listForIndex`). */
export type ReceivablesLedgerPages = (
  kind: IndexedKind,
  after: string,
  limit: number,
) => Promise<Wire<IndexPage>>;

export interface ReceivablesDifference {
  readonly kind: 'receivable';
  /** `<KIND>:<id>`, e.g. `PART:K-1/root`. */
  readonly id: string;
  readonly field: string;
  readonly index: unknown;
  readonly ledger: unknown;
}

const KINDS: readonly IndexedKind[] = ['TRADE', 'TOKEN', 'PART', 'MOVE', 'PAYMENT', 'FINANCING'];
const PAGE = 500;

/** jsonb keeps no key order: compare values with keys sorted. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, sorted(x)]),
    );
  return v;
}
const same = (a: unknown, b: unknown): boolean => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/**
 * The receivables index against the ledger, both ways, kind by kind: every record the node's reader may index
 * (`listForIndex`) must be in the index with the same record, viewers and columns, and every row of the index
 * must be such a record. Nothing is compared for a node that keeps no receivables index. Run it with the
 * follower caught up: a change committed since shows as a difference until it is indexed.
 */
export async function verifyReceivables(
  pool: pg.Pool,
  institution: string,
  ledger: ReceivablesLedgerPages,
): Promise<{ checked: number; differences: ReceivablesDifference[] }> {
  const differences: ReceivablesDifference[] = [];
  if ((await readReceivablesNextBlock(pool, institution)) === undefined) return { checked: 0, differences };
  let checked = 0;
  // Tokens' long-term flags as the ledger has them (tokens come before the kinds that carry their flag).
  const flags = new Map<string, boolean>();
  for (const kind of KINDS) {
    const onLedger = new Map<string, Wire<IndexedRecord>>();
    for (let after: string | null = ''; after !== null;) {
      const page: Wire<IndexPage> = await ledger(kind, after, PAGE);
      for (const e of page.entries) onLedger.set(e.id, e);
      after = page.next;
    }
    for (const e of onLedger.values()) if (e.kind === 'TOKEN') flags.set(e.id, e.record.longTerm);
    for (let after = ''; ;) {
      const rows = await receivablesRowsAfter(pool, kind, after, PAGE);
      for (const row of rows) {
        checked++;
        const entry = onLedger.get(row.id);
        onLedger.delete(row.id);
        const id = `${kind}:${row.id}`;
        if (entry === undefined)
          differences.push({ field: 'exists', id, index: true, kind: 'receivable', ledger: undefined });
        else compare(differences, id, row, entry, (t) => flags.get(t) ?? false);
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < PAGE) break;
      after = last.id;
    }
    for (const id of onLedger.keys())
      differences.push({
        field: 'exists',
        id: `${kind}:${id}`,
        index: undefined,
        kind: 'receivable',
        ledger: true,
      });
  }
  return { checked, differences };
}

function compare(
  out: ReceivablesDifference[],
  id: string,
  row: ListedRecord & { readonly viewers: readonly string[] },
  entry: Wire<IndexedRecord>,
  longTerm: (tokenId: string) => boolean,
): void {
  const origin = { at: row.changedAt, blockNumber: BigInt(row.blockNumber), txId: row.txId, txIndex: 0 };
  const expected = receivablesRowOf(entry, origin, longTerm);
  const fields: [string, unknown, unknown][] = [
    ['status', row.status, expected.status],
    ['token_id', row.tokenId, expected.tokenId],
    ['trade_id', row.tradeId, expected.tradeId],
    ['holder', row.holder, expected.holder],
    ['currency', row.currency, expected.currency],
    ['amount_minor', row.amountMinor, expected.amountMinor],
    ['due_on', row.dueOn, expected.dueOn],
    ['long_term', row.longTerm, expected.longTerm],
    ['viewers', [...row.viewers].sort(), [...expected.viewers].sort()],
    ['record', row.record, expected.record],
  ];
  for (const [field, index, ledger] of fields)
    if (!same(index, ledger)) out.push({ field, id, index, kind: 'receivable', ledger });
}
