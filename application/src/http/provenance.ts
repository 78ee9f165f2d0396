import type pg from 'pg';

import type { HistoryEntry } from '../../../chaincode/src/api/reconciliation';
import type { TransactionCreator } from '../ledger/ledgerGateway';
import { indexedTransactions, type IndexedTransaction } from '../readModel/read/transactions';

/** One committed version of a key: the ledger's history, with where the index saw its transaction. */
export interface ProvenanceEntry extends HistoryEntry {
  readonly version: number;
  /** Null when the index has not (yet) seen the transaction: the version is on the ledger all the same. */
  readonly blockNumber: string | null;
  readonly txIndex: number | null;
  /** Who signed the transaction, from its block; null when the index does not know. */
  readonly signer: TransactionCreator | null;
}

/**
 * Joins the ledger's history of a key (the record: transaction id, time, value) with the index's row of each
 * transaction (block, position, signer). The ledger decides what the person may see; the index only adds where.
 */
export async function withBlocks(
  pool: pg.Pool | undefined,
  history: readonly HistoryEntry[],
): Promise<ProvenanceEntry[]> {
  const seen = pool
    ? await indexedTransactions(
        pool,
        history.map((h) => h.txId),
      )
    : new Map<string, IndexedTransaction>();
  return history.map((h, i) => {
    const tx = seen.get(h.txId);
    return {
      ...h,
      // Fabric returns a key's history newest first: the oldest version is 1.
      version: history.length - i,
      blockNumber: tx?.blockNumber ?? null,
      txIndex: tx?.txIndex ?? null,
      signer: tx?.creator ?? null,
    };
  });
}

/**
 * RFC 4180 CSV. A cell that a spreadsheet would run as a formula (= + - @, tab, CR) is prefixed with a quote
 * mark, so an exported history cannot carry a formula into the auditor's spreadsheet.
 */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  const cell = (v: string | number | null): string => {
    let s = v === null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export const PROVENANCE_CSV_HEADER = [
  'kind',
  'id',
  'version',
  'tx_id',
  'block_number',
  'tx_index',
  'time',
  'signer_msp_id',
  'signer_subject',
  'signer_issuer',
  'deleted',
  'status',
] as const;

export function provenanceCsv(kind: string, id: string, entries: readonly ProvenanceEntry[]): string {
  return toCsv(
    PROVENANCE_CSV_HEADER,
    entries.map((e) => [
      kind,
      id,
      e.version,
      e.txId,
      e.blockNumber,
      e.txIndex,
      e.timestamp,
      e.signer?.mspId ?? null,
      e.signer?.subject ?? null,
      e.signer?.issuer ?? null,
      e.isDelete ? 'true' : 'false',
      typeof e.value === 'object' && e.value !== null && 'status' in e.value ? String(e.value.status) : null,
    ]),
  );
}
