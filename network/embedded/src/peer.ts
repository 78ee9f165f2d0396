import { common, msp, peer } from '@hyperledger/fabric-protos';
import { JSONSerializer } from 'fabric-contract-api';
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract.js';
import ChaincodeStub from 'fabric-shim/lib/stub.js';
import type { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb.js';
import type { Identity } from './ca';
import type { ChannelConfig } from './channel';
import { privateKeyFromPem, sha256, signLowS, verifyLowS } from './cryptoUtil';
import type { StateLock } from './lock';
import type { Membership, VerifiedIdentity } from './msp';
import { computeTxId, serializeIdentity } from './proposal';
import { JsonParts } from './jsonParts';
import { rwsetJsonValue, type PrivateWrites, type TxRwSet } from './rwset';
import { Simulation } from './simulator';
import { skipDisabledShimLogging } from '../../../chaincode/src/shimLogging';
import type { WorldState } from './state';

/** A contract class as fabric-contract-api expects it: constructible without arguments. */
export type ContractClass = new () => object;

/** A proposal whose signature, creator and transaction ID a peer has checked. */
export type CheckedProposal = {
  txId: string;
  channel: string;
  seconds: number;
  nanos: number;
  creator: VerifiedIdentity;
  /** The proposal Header bytes (channel header + signature header), as they go into the transaction. */
  headerBytes: Uint8Array;
  /** The ChaincodeProposalPayload without its transient map, as it goes into the transaction. */
  payloadBytes: Uint8Array;
  /** SHA-256 over header and transient-free payload: what binds a response to its proposal. */
  proposalHash: Buffer;
  input: peer.ChaincodeInput;
  signedProposal: peer.SignedProposal;
};

export type ChaincodeEventData = { name: string; payload: Buffer };

export type SimulationOutcome = {
  status: number;
  message: string;
  payload: Buffer;
  event: ChaincodeEventData | undefined;
  rwset: TxRwSet;
  privateWrites: PrivateWrites;
};

/** A signed proposal response: the action (response, event, rwset) and the endorser's signature. */
export type Endorsement = SimulationOutcome & {
  org: string;
  /** The action's canonical JSON, as bytes: what the endorser hashed and signed and the block stores. */
  actionBytes: Buffer;
  actionHash: Buffer;
  endorserCertPem: string;
  signature: Buffer;
};

export class ProposalRejected extends Error {}

/** Checks a SignedProposal as a Fabric endorser does before it runs any chaincode. */
export function checkProposal(
  bytes: Uint8Array,
  channel: ChannelConfig,
  membership: Membership,
  isCommitted: (txId: string) => boolean,
): CheckedProposal {
  const unpacked = unpackProposal(bytes);
  const { signedProposal, proposal, channelHeader, payload } = unpacked;
  checkChannelHeader(channelHeader, channel);
  const creator = verifyCreator(unpacked, channel, membership);
  const txId = checkTxId(unpacked, isCommitted);
  const input = chaincodeInput(unpacked.spec, channel);
  // google-protobuf has no typings: fabric-protos' Timestamp type does not resolve without this.
  const ts = channelHeader.getTimestamp() as unknown as Timestamp | undefined;
  const stripped = new peer.ChaincodeProposalPayload();
  stripped.setInput(payload.getInput_asU8());
  const payloadBytes = stripped.serializeBinary();
  // A copy (about 1 kB): the transaction keeps its header until its block is on disk, and a view would keep
  // the whole proposal (a batch's legs, hundreds of kB) with it.
  const headerBytes = proposal.getHeader_asU8().slice();
  return {
    txId,
    channel: channel.channel,
    seconds: ts?.getSeconds() ?? 0,
    nanos: ts?.getNanos() ?? 0,
    creator,
    headerBytes,
    payloadBytes,
    proposalHash: sha256(headerBytes, payloadBytes),
    input,
    signedProposal,
  };
}

/** The messages nested in a SignedProposal that an endorser checks. */
type UnpackedProposal = {
  signedProposal: peer.SignedProposal;
  proposal: peer.Proposal;
  channelHeader: common.ChannelHeader;
  signatureHeader: common.SignatureHeader;
  creatorId: msp.SerializedIdentity;
  payload: peer.ChaincodeProposalPayload;
  spec: peer.ChaincodeSpec | undefined;
};

function unpackProposal(bytes: Uint8Array): UnpackedProposal {
  try {
    const signedProposal = peer.SignedProposal.deserializeBinary(bytes);
    const proposal = peer.Proposal.deserializeBinary(signedProposal.getProposalBytes_asU8());
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    const creatorId = msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8());
    const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
    const spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8()).getChaincodeSpec();
    return { signedProposal, proposal, channelHeader, signatureHeader, creatorId, payload, spec };
  } catch (err) {
    throw new ProposalRejected(`error unpacking proposal: ${(err as Error).message}`);
  }
}

function checkChannelHeader(channelHeader: common.ChannelHeader, channel: ChannelConfig): void {
  if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) {
    throw new ProposalRejected(`invalid header type ${channelHeader.getType()}`);
  }
  if (channelHeader.getChannelId() !== channel.channel) {
    throw new ProposalRejected(`channel '${channelHeader.getChannelId()}' not found`);
  }
}

/** The creator as the channel's membership knows it, who must have signed the proposal. */
function verifyCreator(
  { creatorId, signedProposal }: UnpackedProposal,
  channel: ChannelConfig,
  membership: Membership,
): VerifiedIdentity {
  const mspId = creatorId.getMspid();
  let creator: VerifiedIdentity;
  try {
    creator = membership.verify(mspId, Buffer.from(creatorId.getIdBytes_asU8()).toString('utf8'));
  } catch (err) {
    throw new ProposalRejected(
      `access denied: channel [${channel.channel}] creator org [${mspId}]: ${(err as Error).message}`,
    );
  }
  if (
    !verifyLowS(
      creator.publicKey,
      signedProposal.getProposalBytes_asU8(),
      Buffer.from(signedProposal.getSignature_asU8()),
    )
  ) {
    throw new ProposalRejected(
      `access denied: channel [${channel.channel}] creator org [${mspId}]: the signature over the proposal is invalid`,
    );
  }
  return creator;
}

/** The transaction ID, which must be the hash of nonce and creator and not yet committed. */
function checkTxId(
  { channelHeader, signatureHeader }: UnpackedProposal,
  isCommitted: (txId: string) => boolean,
): string {
  const txId = channelHeader.getTxId();
  const expected = computeTxId(signatureHeader.getNonce_asU8(), signatureHeader.getCreator_asU8());
  if (txId !== expected) throw new ProposalRejected(`invalid txid. got [${txId}], expected [${expected}]`);
  if (isCommitted(txId)) throw new ProposalRejected(`duplicate transaction found [${txId}]`);
  return txId;
}

/** The chaincode input, if the proposal names the channel's chaincode. */
function chaincodeInput(spec: peer.ChaincodeSpec | undefined, channel: ChannelConfig): peer.ChaincodeInput {
  const ccName = spec?.getChaincodeId()?.getName() ?? '';
  const input = spec?.getInput();
  if (ccName !== channel.chaincodeName || input === undefined) {
    throw new ProposalRejected(
      `make sure the chaincode ${ccName} has been successfully defined on channel ${channel.channel} and try again: chaincode definition for '${ccName}' not found`,
    );
  }
  return input;
}

// No lone surrogate: the string is exactly what its UTF-8 encoding decodes back to. (ES2024's
// String.prototype.isWellFormed, in Node 20; the project's TypeScript library is ES2023.)
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

// fabric-shim's stub answers getMspID() from the chaincode process environment (one process per peer
// on Fabric); here one process serves every peer, so each stub is told which peer it runs on.
class PeerStub extends ChaincodeStub {
  constructor(
    private readonly peerMspId: string,
    private readonly sim: Simulation,
    ...args: ConstructorParameters<typeof ChaincodeStub> extends [unknown, ...infer Rest] ? Rest : never
  ) {
    super(sim, ...args);
  }

  override getMspID(): string {
    return this.peerMspId;
  }

  // fabric-shim encodes a string value to UTF-8 before handing it to the peer; a well-formed string is
  // handed over as it is, which is the same value without the encode here and the decode in the
  // simulator. Anything else (bytes, a lone surrogate, an empty value) takes the shim's own path.
  // Async, as the shim's: a refused write is a rejected promise, never a synchronous throw.
  override async putState(key: string, value: Uint8Array | string): Promise<void> {
    if (typeof value === 'string' && value !== '' && isWellFormed(value)) {
      this.sim.handlePutState('', key, value);
      return;
    }
    await super.putState(key, value);
  }

  override async putPrivateData(collection: string, key: string, value: Uint8Array | string): Promise<void> {
    if (typeof value === 'string' && value !== '' && isWellFormed(value) && collection !== '' && key !== '') {
      this.sim.handlePutState(collection, key, value);
      return;
    }
    await super.putPrivateData(collection, key, value);
  }
}

export function loadChaincode(
  contracts: readonly ContractClass[],
  name: string,
  version: string,
): ChaincodeFromContract {
  skipDisabledShimLogging();
  // The same construction as fabric-shim's contract bootstrap, with its default JSON serializer.
  // ChaincodeFromContract appends its system contract to the array it is given: hand it a copy.
  return new ChaincodeFromContract(
    [...contracts],
    { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } },
    {},
    name,
    version,
  );
}

/** One organisation's peer: simulates proposals against its view of the ledger and signs endorsements. */
export class Peer {
  private readonly serializedIdentity: Uint8Array;

  constructor(
    readonly org: string,
    private readonly identity: Identity,
    private readonly state: WorldState,
    private readonly channel: ChannelConfig,
    private readonly chaincode: ChaincodeFromContract,
    private readonly lock: StateLock,
  ) {
    this.serializedIdentity = serializeIdentity(identity.mspId, identity.certificatePem);
  }

  async simulate(p: CheckedProposal): Promise<SimulationOutcome> {
    const sim = new Simulation({
      state: this.state,
      channel: this.channel,
      peerOrg: this.org,
      creatorOrg: p.creator.mspId,
      channelId: p.channel,
      txId: p.txId,
    });
    const wait = this.lock.acquireRead();
    if (wait !== undefined) await wait;
    try {
      const stub = new PeerStub(this.org, sim, p.channel, p.txId, p.input, p.signedProposal);
      const response = await this.chaincode.Invoke(stub);
      const ev = stub.chaincodeEvent;
      const { rwset, privateWrites } = sim.results();
      return {
        status: response.status,
        message: response.message ?? '',
        payload: response.payload === undefined ? Buffer.alloc(0) : view(response.payload),
        event:
          ev === undefined ? undefined : { name: ev.getEventName(), payload: view(ev.getPayload_asU8()) },
        rwset,
        privateWrites,
      };
    } finally {
      this.lock.releaseRead();
    }
  }

  /** Simulates and, if the chaincode succeeded, signs the resulting action. */
  async endorse(p: CheckedProposal): Promise<Endorsement | SimulationOutcome> {
    const outcome = await this.simulate(p);
    if (outcome.status >= 400) return outcome;
    const actionBytes = actionJson(p.proposalHash, outcome);
    const actionHash = sha256(actionBytes);
    const signature = signLowS(
      privateKeyFromPem(this.identity.privateKeyPem),
      endorsementMessage(actionHash, this.serializedIdentity),
    );
    return {
      ...outcome,
      org: this.org,
      actionBytes,
      actionHash,
      endorserCertPem: this.identity.certificatePem,
      signature,
    };
  }
}

/** What an endorser signs: the action's hash followed by the endorser's serialized identity, as in Fabric. */
export function endorsementMessage(actionHash: Buffer, serializedEndorser: Uint8Array): Buffer {
  return Buffer.concat([actionHash, serializedEndorser]);
}

// The action's JSON as one Buffer that owns its memory (a worker hands it over without a copy), encoded in
// parts: a large batch's read/write set is never joined into one string first (see JsonParts), nor is the
// base64 of its event, which lists every leg.
function actionJson(proposalHash: Buffer, o: SimulationOutcome): Buffer {
  const parts = new JsonParts().raw(
    `{"proposalHash":"${proposalHash.toString('hex')}","response":{"status":${JSON.stringify(o.status)},"message":${JSON.stringify(o.message)},"payload":"`,
  );
  base64(parts, o.payload).raw('"},"event":');
  if (o.event === undefined) parts.raw('null');
  else base64(parts.raw(`{"name":${JSON.stringify(o.event.name)},"payload":"`), o.event.payload).raw('"}');
  return parts.raw(',"rwset":').value(rwsetJsonValue(o.rwset)).raw('}').bytes();
}

/** A reply's bytes as the peer got them from the shim, which is done with them: a view, not a copy. */
const view = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** Base64 of the bytes in slices of a multiple of three bytes, whose encodings join into the whole's. */
const BASE64_SLICE = 3 << 14;
function base64(parts: JsonParts, bytes: Buffer): JsonParts {
  for (let at = 0; at < bytes.length; at += BASE64_SLICE)
    parts.raw(bytes.toString('base64', at, Math.min(at + BASE64_SLICE, bytes.length)));
  return parts;
}
