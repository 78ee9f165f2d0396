/** Fabric's transaction validation codes (peer.TxValidationCode) that the embedded network produces. */
export type ValidationCode =
  | 'VALID'
  | 'BAD_PAYLOAD'
  | 'BAD_CREATOR_SIGNATURE'
  | 'INVALID_ENDORSER_TRANSACTION'
  | 'BAD_PROPOSAL_TXID'
  | 'DUPLICATE_TXID'
  | 'ENDORSEMENT_POLICY_FAILURE'
  | 'MVCC_READ_CONFLICT'
  | 'PHANTOM_READ_CONFLICT'
  | 'TARGET_CHAIN_NOT_FOUND'
  | 'INVALID_OTHER_REASON';

/**
 * The proposal was not endorsed: the chaincode returned an error (its message is kept verbatim in
 * `message`), or a peer refused the proposal itself (bad signature, unknown creator, duplicate ID),
 * or the endorsing peers disagreed.
 */
export class EndorsementError extends Error {
  override readonly name = 'EndorsementError';
  constructor(
    message: string,
    readonly txId: string,
    /** The chaincode response status (500 for chaincode errors), or undefined when no chaincode ran. */
    readonly status: number | undefined,
    /** The organisation whose peer answered. */
    readonly peerOrg: string | undefined,
  ) {
    super(message);
  }
}

/** The transaction was ordered into a block but the committing peers marked it invalid. */
export class TransactionInvalidError extends Error {
  override readonly name = 'TransactionInvalidError';
  constructor(
    readonly code: Exclude<ValidationCode, 'VALID'>,
    readonly txId: string,
    readonly blockNumber: bigint,
  ) {
    super(`transaction ${txId} was invalidated in block ${blockNumber} with code ${code}`);
  }
}

/**
 * Back-pressure: the orderer's queue (`ordering.queueTxMax` transactions) stayed full for
 * `ordering.queueWaitMsMax`, or as many submits were already waiting for room. The transaction was endorsed but
 * never ordered, so nothing of it is on the ledger: submitting again (a new proposal, the same idempotency key)
 * is safe. Fabric's gateway answers the same way when the orderer does not take a transaction within its
 * `broadcastTimeout`.
 */
export class OrdererBusyError extends Error {
  override readonly name = 'OrdererBusyError';
  constructor(
    readonly txId: string,
    readonly queueTxMax: number,
    readonly waitedMs: number,
  ) {
    super(
      `transaction ${txId} was not ordered: the orderer's queue held its limit of ${queueTxMax} transactions ` +
        (waitedMs > 0 ? `for ${waitedMs} ms` : `and as many submits were already waiting for room`) +
        `; nothing was written, submit it again`,
    );
  }
}
