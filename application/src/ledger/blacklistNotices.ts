import {
  BLACKLIST_CHANGES_EVENT,
  decodeBlacklistChanges,
  type BlacklistChanges,
} from '../../../chaincode/src/ledger/blacklistEvents';

import type { BlockTransactionEvents } from './blockEvents';

/** One transaction's blacklist changes with where it sits on the ledger (what the alert follower reads). */
export interface BlacklistNotice {
  readonly blockNumber: bigint;
  /** Position of the transaction within its block (invalid transactions count too, as in Fabric). */
  readonly txIndex: number;
  readonly changes: BlacklistChanges;
}

/** The blacklist notices of one block's transactions (in block order); invalid transactions are skipped. */
export function blacklistNoticesOf(
  blockNumber: bigint,
  transactions: readonly BlockTransactionEvents[],
): BlacklistNotice[] {
  const out: BlacklistNotice[] = [];
  transactions.forEach((tx, txIndex) => {
    if (!tx.valid) return;
    for (const ev of tx.events)
      if (ev.name === BLACKLIST_CHANGES_EVENT && ev.payload !== undefined)
        out.push({ blockNumber, txIndex, changes: decodeBlacklistChanges(ev.payload) });
  });
  return out;
}
