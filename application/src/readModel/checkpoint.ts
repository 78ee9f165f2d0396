import { comparePositions, type Origin, type Position } from './rows';
import type { Queryable } from './sql';

/** The last transaction the index holds. */
export interface Checkpoint extends Origin {
  readonly institution: string;
}

/** The index and the change stream disagree: applying would skip or repeat something. Nothing was written. */
export class ContinuityError extends Error {
  override readonly name = 'ContinuityError';
}

export async function readCheckpoint(db: Queryable): Promise<Checkpoint | undefined> {
  const r = await db.query<{ institution: string; block_number: string; tx_index: number; tx_id: string }>(
    'SELECT institution, block_number, tx_index, tx_id FROM index_checkpoint',
  );
  const row = r.rows[0];
  return row
    ? {
        institution: row.institution,
        blockNumber: BigInt(row.block_number),
        txIndex: row.tx_index,
        txId: row.tx_id,
      }
    : undefined;
}

/**
 * Locks the checkpoint row (inside the caller's SQL transaction) and checks that `transactions` belong to this
 * index and follow it in ledger order. Row lock: a second indexer on the same database waits here, then sees the
 * moved checkpoint and stops.
 */
export async function lockCheckpointBefore(
  client: Queryable,
  institution: string,
  transactions: readonly Origin[],
): Promise<void> {
  const cp = await client.query<{ institution: string; block_number: string; tx_index: number }>(
    'SELECT institution, block_number, tx_index FROM index_checkpoint FOR UPDATE',
  );
  const current = cp.rows[0];
  if (current && current.institution !== institution)
    throw new ContinuityError(
      `this index belongs to ${current.institution}; ${institution} cannot write to it`,
    );
  let previous: Position | undefined = current
    ? { blockNumber: BigInt(current.block_number), txIndex: current.tx_index }
    : undefined;
  for (const t of transactions) {
    if (previous && comparePositions(t, previous) <= 0)
      throw new ContinuityError(
        `transaction ${t.txId} at ${t.blockNumber}:${t.txIndex} is not after ${previous.blockNumber}:${previous.txIndex}`,
      );
    previous = t;
  }
}

/** Moves the checkpoint to `last` (inside the caller's SQL transaction, after the rows). */
export async function writeCheckpoint(
  client: Queryable,
  institution: string,
  last: Origin,
): Promise<Checkpoint> {
  await client.query(
    `INSERT INTO index_checkpoint (singleton, institution, block_number, tx_index, tx_id, updated_at)
     VALUES (true, $1, $2, $3, $4, now())
     ON CONFLICT (singleton) DO UPDATE SET
       block_number = EXCLUDED.block_number, tx_index = EXCLUDED.tx_index, tx_id = EXCLUDED.tx_id,
       updated_at = EXCLUDED.updated_at`,
    [institution, last.blockNumber.toString(), last.txIndex, last.txId],
  );
  return { institution, blockNumber: last.blockNumber, txIndex: last.txIndex, txId: last.txId };
}
