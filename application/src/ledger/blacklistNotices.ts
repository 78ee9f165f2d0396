import {
  BLACKLIST_CHANGES_EVENT,
  decodeBlacklistChanges,
  type BlacklistChanges,
} from '../../../chaincode/src/ledger/blacklistEvents';

/** One transaction's blacklist changes with where it sits on the ledger (what the alert follower reads). */
export interface BlacklistNotice {
  readonly blockNumber: bigint;
  /** Position of the transaction within its block (invalid transactions count too, as in Fabric). */
  readonly txIndex: number;
  readonly changes: BlacklistChanges;
}

/**
 * The blacklist's stream of a ledger connection: every block from `startBlock` on, in order, with the
 * `tallystick.blacklist` events of its valid transactions (none for most blocks: every block is delivered, so a
 * follower's checkpoint moves). Both backends' `ChangeStream` offer it, so the node composes the same follower on
 * either.
 */
export interface BlacklistChangeStream {
  onBlacklistChanges(
    listener: (notices: readonly BlacklistNotice[], blockNumber: bigint) => void,
    options: { readonly startBlock: bigint },
  ): () => void;
}

/** A transaction as both backends' blocks show it: whether it is valid, and its chaincode events. */
export interface BlockTransactionEvents {
  readonly valid: boolean;
  readonly events: readonly { readonly name: string; readonly payload: Uint8Array | undefined }[];
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
