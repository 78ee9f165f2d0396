import type { TransactionRow } from '../rows';
import { originColumns, unnestRows, type Columns, type Queryable } from '../sql';

const COLUMNS: Columns<TransactionRow> = {
  ...originColumns((t) => t),
  at: ['timestamptz', (t) => t.at],
  creator_msp_id: ['text', (t) => t.creator?.mspId ?? null],
  creator_subject: ['text', (t) => t.creator?.subject ?? null],
  creator_issuer: ['text', (t) => t.creator?.issuer ?? null],
};

/** `indexed_transactions`: its primary key (block_number, tx_index) refuses a transaction written twice. */
export async function writeTransactions(client: Queryable, rows: readonly TransactionRow[]): Promise<void> {
  if (rows.length === 0) return;
  const u = unnestRows(rows, COLUMNS);
  await client.query(
    `INSERT INTO indexed_transactions (${u.names}) SELECT ${u.select} FROM ${u.from}`,
    u.values,
  );
}
