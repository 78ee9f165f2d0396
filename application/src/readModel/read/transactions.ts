import type { TransactionCreator } from '../../ledger/ledgerGateway';
import type { Queryable } from '../sql';

/** Where the index saw one transaction: its block, its position in it, and who signed it (when known). */
export interface IndexedTransaction {
  readonly txId: string;
  readonly blockNumber: string;
  readonly txIndex: number;
  /** Null when the change stream did not name the signer. */
  readonly creator: TransactionCreator | null;
}

/** The indexed transactions among `txIds`, by id; an id the index has not seen is absent. */
export async function indexedTransactions(
  db: Queryable,
  txIds: readonly string[],
): Promise<Map<string, IndexedTransaction>> {
  const found = new Map<string, IndexedTransaction>();
  if (txIds.length === 0) return found;
  const r = await db.query<{
    tx_id: string;
    block_number: string;
    tx_index: number;
    creator_msp_id: string | null;
    creator_subject: string | null;
    creator_issuer: string | null;
  }>(
    `SELECT tx_id, block_number::text, tx_index, creator_msp_id, creator_subject, creator_issuer
       FROM indexed_transactions WHERE tx_id = ANY($1::text[])`,
    [txIds],
  );
  for (const row of r.rows)
    found.set(row.tx_id, {
      txId: row.tx_id,
      blockNumber: row.block_number,
      txIndex: row.tx_index,
      creator:
        row.creator_msp_id && row.creator_subject !== null && row.creator_issuer !== null
          ? { mspId: row.creator_msp_id, subject: row.creator_subject, issuer: row.creator_issuer }
          : null,
    });
  return found;
}
