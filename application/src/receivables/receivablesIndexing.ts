import type pg from 'pg';

import { ReceivablesIndexer, type ReceivablesIndexerOptions } from '../indexer/receivablesIndexer';
import { nodeReaderOf, type LedgerConnection } from '../ledger/connection';
import type { Identity } from '../ledger/ledgerGateway';
import { loadCollections } from './collections';
import { receivablesSource } from './receivablesBlocks';
import { ReceivablesGateway } from './receivablesGateway';

/** The collection that holds receivables' records (network/collections.json). */
const COLLECTION = 'receivables';

/** Whether the institution's peers keep receivables' records: only a member's node can index them. */
export function keepsReceivables(mspId: string): boolean {
  return loadCollections().some((c) => c.name === COLLECTION && c.members.includes(mspId));
}

/**
 * Starts the node's receivables index (`../indexer/receivablesIndexer.ts`) when it can have one: the
 * institution is a member of the collection and has an identity to read with (its system, or its auditor). It
 * follows the blocks of the connection's change stream, on either backend. Undefined otherwise: the node then
 * answers its lists empty.
 */
export async function startReceivablesIndexing(
  c: Pick<LedgerConnection, 'consortium' | 'gateway' | 'identity' | 'changes'>,
  mspId: string,
  pool: pg.Pool,
  options: Pick<ReceivablesIndexerOptions, 'log' | 'onIndexed' | 'retryDelayMs' | 'faults'> = {},
): Promise<ReceivablesIndexer | undefined> {
  const readerId = nodeReaderOf(c, mspId);
  if (readerId === undefined || !keepsReceivables(mspId)) return undefined;
  const source = receivablesSource(c.changes(mspId));
  const rcv = new ReceivablesGateway(c.gateway);
  let reader: Identity | undefined;
  return ReceivablesIndexer.start({
    ...options,
    source,
    pool,
    institution: mspId,
    read: async (refs) => {
      reader ??= await c.identity(readerId);
      return (await rcv.indexRecords(reader, refs)).entries;
    },
  });
}
