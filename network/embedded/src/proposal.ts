import * as crypto from 'node:crypto';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb.js';
import type { Identity } from './ca';
import { privateKeyFromPem, sha256, signLowS } from './cryptoUtil';

export type ProposalRequest = {
  channel: string;
  chaincodeName: string;
  fcn: string;
  args: readonly string[];
  transient: Record<string, string | Buffer> | undefined;
  timestamp: Date;
  /** Normally random; a caller may reuse one to reproduce a duplicate transaction ID. */
  nonce?: Buffer | undefined;
};

export type SignedProposalBytes = { txId: string; bytes: Uint8Array };

const serializedIdentities = new Map<string, Uint8Array>();

export function serializeIdentity(mspId: string, certificatePem: string): Uint8Array {
  const cacheKey = mspId + '\n' + certificatePem;
  let bytes = serializedIdentities.get(cacheKey);
  if (bytes === undefined) {
    const id = new msp.SerializedIdentity();
    id.setMspid(mspId);
    id.setIdBytes(Buffer.from(certificatePem));
    bytes = id.serializeBinary();
    serializedIdentities.set(cacheKey, bytes);
  }
  return bytes;
}

/** Fabric's transaction ID: hex SHA-256 of the nonce followed by the serialized creator. */
export function computeTxId(nonce: Uint8Array, creator: Uint8Array): string {
  return sha256(nonce, creator).toString('hex');
}

export function toTimestamp(date: Date): Timestamp {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new Error('timestamp is not a valid date');
  const ts = new Timestamp();
  const seconds = Math.floor(ms / 1000);
  ts.setSeconds(seconds);
  ts.setNanos((ms - seconds * 1000) * 1_000_000);
  return ts;
}

/**
 * Builds and signs a proposal the way a Fabric client SDK does: a ChannelHeader of type
 * ENDORSER_TRANSACTION, a SignatureHeader with the serialized creator and a nonce, and a
 * ChaincodeProposalPayload holding the invocation spec and the transient map.
 */
export function buildSignedProposal(identity: Identity, req: ProposalRequest): SignedProposalBytes {
  const creator = serializeIdentity(identity.mspId, identity.certificatePem);
  const nonce = req.nonce ?? crypto.randomBytes(24);
  const txId = computeTxId(nonce, creator);

  const ccId = new peer.ChaincodeID();
  ccId.setName(req.chaincodeName);
  const ext = new peer.ChaincodeHeaderExtension();
  ext.setChaincodeId(ccId);

  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setVersion(0);
  channelHeader.setTimestamp(toTimestamp(req.timestamp));
  channelHeader.setChannelId(req.channel);
  channelHeader.setTxId(txId);
  channelHeader.setEpoch(0);
  channelHeader.setExtension$(ext.serializeBinary());

  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator);
  signatureHeader.setNonce(nonce);

  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const input = new peer.ChaincodeInput();
  input.setArgsList([Buffer.from(req.fcn), ...req.args.map((a) => Buffer.from(a))]);
  const spec = new peer.ChaincodeSpec();
  spec.setType(peer.ChaincodeSpec.Type.NODE);
  spec.setChaincodeId(ccId);
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);

  const payload = new peer.ChaincodeProposalPayload();
  payload.setInput(invocation.serializeBinary());
  if (req.transient !== undefined) {
    const map = payload.getTransientmapMap() as unknown as Map<string, Uint8Array>;
    for (const [k, v] of Object.entries(req.transient))
      map.set(k, typeof v === 'string' ? Buffer.from(v) : v);
  }

  const proposal = new peer.Proposal();
  proposal.setHeader(header.serializeBinary());
  proposal.setPayload(payload.serializeBinary());
  const proposalBytes = proposal.serializeBinary();

  const signed = new peer.SignedProposal();
  signed.setProposalBytes(proposalBytes);
  signed.setSignature(signLowS(privateKeyFromPem(identity.privateKeyPem), proposalBytes));
  return { txId, bytes: signed.serializeBinary() };
}
