import {
  BLACKLIST_CHANGES_EVENT,
  decodeBlacklistChanges,
  type BlacklistChanges,
} from '../../../chaincode/src/ledger/blacklistEvents';

import { noticesOf, type BlockNotice, type BlockTransactionEvents } from './blockEvents';

/** One transaction's blacklist changes with where it sits on the ledger (what the alert follower reads). */
export type BlacklistNotice = BlockNotice<BlacklistChanges>;

/** The blacklist notices of one block's transactions (in block order); invalid transactions are skipped. */
export function blacklistNoticesOf(
  blockNumber: bigint,
  transactions: readonly BlockTransactionEvents[],
): BlacklistNotice[] {
  return noticesOf(blockNumber, transactions, BLACKLIST_CHANGES_EVENT, decodeBlacklistChanges);
}
