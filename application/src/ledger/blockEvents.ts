/** A transaction as both backends' blocks show it: whether it is valid, and its chaincode events. */
export interface BlockTransactionEvents {
  readonly valid: boolean;
  readonly events: readonly { readonly name: string; readonly payload: Uint8Array | undefined }[];
}

/**
 * Every block from `startBlock` on, in order, as its transactions' validity and chaincode events (most blocks
 * carry none of a given contract's events: every block is delivered, so a follower's checkpoint moves). Both
 * backends' `ChangeStream` offer it, read through the institution's own peer, so a contract's follower (the
 * blacklist's alerts, the receivables index) is composed the same way on either; each picks its own events
 * (`blacklistNoticesOf`, `receivablesNoticesOf`).
 */
export interface BlockEventStream {
  onBlockEvents(
    listener: (transactions: readonly BlockTransactionEvents[], blockNumber: bigint) => void,
    options: { readonly startBlock: bigint },
  ): () => void;
}
