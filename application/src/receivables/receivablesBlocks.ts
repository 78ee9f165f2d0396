import {
  decodeReceivablesChanges,
  RECEIVABLES_CHANGES_EVENT,
} from '../../../chaincode/src/ledger/receivablesEvents';
import type { ReceivablesNotice } from '../indexer/receivablesProjection';
import { noticesOf, type BlockEventStream, type BlockTransactionEvents } from '../ledger/blockEvents';

/**
 * Where the receivables follower reads the contract's events: the blocks the institution's node receives, from a
 * block on, through its connection's change stream (`onBlockEvents`, the same on the embedded network and on live
 * Fabric, where they come from the institution's own peer).
 */
export interface ReceivablesBlockSource {
  onReceivables(
    listener: (notices: readonly ReceivablesNotice[], blockNumber: bigint) => void,
    options: { readonly startBlock: bigint },
  ): () => void;
}

/** The `tallystick.receivables` events of one block's valid transactions, in transaction order. */
export function receivablesNoticesOf(
  blockNumber: bigint,
  transactions: readonly BlockTransactionEvents[],
): ReceivablesNotice[] {
  return noticesOf(blockNumber, transactions, RECEIVABLES_CHANGES_EVENT, decodeReceivablesChanges);
}

/** Every block of a change stream as the receivables notices it holds (none for most: the checkpoint moves). */
export function receivablesSource(stream: BlockEventStream): ReceivablesBlockSource {
  return {
    onReceivables: (listener, options) =>
      stream.onBlockEvents(
        (transactions, blockNumber) => {
          listener(receivablesNoticesOf(blockNumber, transactions), blockNumber);
        },
        { startBlock: options.startBlock },
      ),
  };
}
