import { sha256 } from './cryptoUtil';
import type { VerifiedIdentity } from './msp';
import type { ChaincodeEventData } from './peer';
import { serializeIdentity } from './proposal';
import type { PrivateWrites, TxRwSet } from './rwset';

/** An endorsement as the transaction carries it: the endorsing peer's organisation, certificate and signature. */
export type EndorsementRef = { mspId: string; certPem: string; signature: Buffer };

/** What a submit resolves with once its transaction is committed valid. */
export type SubmitResult = {
  txId: string;
  blockNumber: bigint;
  result: Buffer;
  event?: { name: string; payload: Buffer };
};

/**
 * A transaction as the gateway hands it to the orderer (Fabric's envelope): the signed proposal's header and
 * payload, the endorsed action with its endorsements, the client's signature over them, and the submitter's
 * callbacks, answered by the committer. The validator and the committer read it; nothing else changes it but
 * `actionHash`.
 */
export type Envelope = {
  txId: string;
  creator: VerifiedIdentity;
  seconds: number;
  nanos: number;
  headerBytes: Uint8Array;
  payloadBytes: Uint8Array;
  actionBytes: Buffer;
  /** Computed by the validator from actionBytes, then reused by the committer for the block's data hash. */
  actionHash: Buffer | undefined;
  endorsements: EndorsementRef[];
  clientSignature: Buffer;
  rwset: TxRwSet;
  privateWrites: PrivateWrites;
  event: ChaincodeEventData | undefined;
  result: Buffer;
  resolve: (r: SubmitResult) => void;
  reject: (e: Error) => void;
};

/** Hash over what the client signs in the transaction envelope. */
export function transactionPayloadHash(
  headerBytes: Uint8Array,
  payloadBytes: Uint8Array,
  actionHash: Buffer,
  endorsements: readonly EndorsementRef[],
): Buffer {
  const parts: (Buffer | Uint8Array)[] = [headerBytes, sha256(payloadBytes), actionHash];
  for (const e of endorsements) parts.push(serializeIdentity(e.mspId, e.certPem), e.signature);
  return sha256(...parts);
}
