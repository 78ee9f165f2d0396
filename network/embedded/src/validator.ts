/**
 * The committing peer's validation of a block (Fabric's txvalidator and VSCC, then MVCC), transaction by
 * transaction in block order: the header as ordered, the creator's signature, the endorsements against the
 * endorsement policies, then every read against the committed state and the earlier valid transactions of the
 * same block. Decides codes only; the committer writes and applies.
 */
import { common, msp } from '@hyperledger/fabric-protos';
import type { ChannelConfig } from './channel';
import { sha256, verifyLowS } from './cryptoUtil';
import type { ValidationCode } from './errors';
import type { Membership, VerifiedIdentity } from './msp';
import { endorsementMessage } from './peer';
import { policyFromEnvelope, satisfies } from './policy';
import { computeTxId, serializeIdentity } from './proposal';
import type { CollectionHashedRwSet, RangeRead, TxRwSet } from './rwset';
import { SortedKeys } from './sortedKeys';
import type { WorldState } from './state';
import { transactionPayloadHash, type Envelope } from './transaction';

/** What earlier valid transactions of the block being validated have changed. */
class BlockOverlay {
  readonly seen = new Set<string>();
  readonly writes = new Set<string>();
  readonly hashedWrites = new Map<string, Set<string>>();
  readonly parameterChanges = new Set<string>();
  readonly hashedParameterChanges = new Map<string, Set<string>>();
  private index: SortedKeys | undefined;

  /** The block's written keys in order, for phantom checks; built on first use. */
  writeIndex(): SortedKeys {
    if (this.index === undefined) {
      this.index = new SortedKeys();
      for (const k of this.writes) this.index.add(k);
    }
    return this.index;
  }

  /** What a valid transaction changes is seen by the ones after it in the block. */
  add(rw: TxRwSet): void {
    for (const [key] of rw.writes) {
      this.writes.add(key);
      this.index?.add(key);
    }
    for (const [key] of rw.metadataWrites) {
      this.writes.add(key);
      this.index?.add(key);
      this.parameterChanges.add(key);
    }
    for (const c of rw.collections) {
      const set = setIn(this.hashedWrites, c.collection);
      for (const w of c.writes) set.add(w.keyHash);
      if (c.metadataWrites.length === 0) continue;
      const changed = setIn(this.hashedParameterChanges, c.collection);
      for (const [keyHash] of c.metadataWrites) {
        set.add(keyHash);
        changed.add(keyHash);
      }
    }
  }
}

function setIn(map: Map<string, Set<string>>, name: string): Set<string> {
  let set = map.get(name);
  if (set === undefined) map.set(name, (set = new Set()));
  return set;
}

const VALIDATION_PARAMETER = 'VALIDATION_PARAMETER';

function validationParameter(metadata: [string, Buffer][] | undefined): Buffer | undefined {
  if (metadata === undefined) return undefined;
  for (const [name, value] of metadata) if (name === VALIDATION_PARAMETER) return value;
  return undefined;
}

function decodeHeader(bytes: Uint8Array): {
  channel: string;
  txId: string;
  mspId: string;
  certPem: string;
  expectedTxId: string;
} {
  const header = common.Header.deserializeBinary(bytes);
  const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const signatureHeader = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  const creator = msp.SerializedIdentity.deserializeBinary(signatureHeader.getCreator_asU8());
  return {
    channel: channelHeader.getChannelId(),
    txId: channelHeader.getTxId(),
    mspId: creator.getMspid(),
    certPem: Buffer.from(creator.getIdBytes_asU8()).toString('utf8'),
    expectedTxId: computeTxId(signatureHeader.getNonce_asU8(), signatureHeader.getCreator_asU8()),
  };
}

export class Validator {
  constructor(
    private readonly channel: ChannelConfig,
    private readonly membership: Membership,
    private readonly state: WorldState,
  ) {}

  /** Validates every transaction of a block in order, as a committing peer does. */
  validate(batch: readonly Envelope[]): ValidationCode[] {
    const block = new BlockOverlay();
    const codes: ValidationCode[] = [];
    for (const tx of batch) {
      const code = this.validateOne(tx, block);
      block.seen.add(tx.txId);
      codes.push(code);
      if (code === 'VALID') block.add(tx.rwset);
    }
    return codes;
  }

  private validateOne(tx: Envelope, block: BlockOverlay): ValidationCode {
    const signed = this.checkSigned(tx, block);
    if (typeof signed === 'string') return signed;
    const endorsers = this.endorsersOf(tx, signed);
    if (!this.endorsementPolicySatisfied(tx.rwset, endorsers, block)) return 'ENDORSEMENT_POLICY_FAILURE';
    return this.checkReads(tx.rwset, block);
  }

  /**
   * The header as ordered, not what the client says about it (channel, transaction ID, creator), and the
   * creator's signature over the transaction. Returns the action's hash (also kept on the transaction).
   */
  private checkSigned(tx: Envelope, block: BlockOverlay): ValidationCode | Buffer {
    let header: ReturnType<typeof decodeHeader>;
    try {
      header = decodeHeader(tx.headerBytes);
    } catch {
      return 'BAD_PAYLOAD';
    }
    if (header.channel !== this.channel.channel) return 'TARGET_CHAIN_NOT_FOUND';
    if (header.txId !== header.expectedTxId || header.txId !== tx.txId) return 'BAD_PROPOSAL_TXID';
    if (this.state.txIds.has(tx.txId) || block.seen.has(tx.txId)) return 'DUPLICATE_TXID';
    let creator: VerifiedIdentity;
    try {
      creator = this.membership.verify(header.mspId, header.certPem);
    } catch {
      return 'BAD_CREATOR_SIGNATURE';
    }
    const actionHash = sha256(tx.actionBytes);
    tx.actionHash = actionHash;
    const payloadHash = transactionPayloadHash(tx.headerBytes, tx.payloadBytes, actionHash, tx.endorsements);
    if (!verifyLowS(creator.publicKey, payloadHash, tx.clientSignature)) return 'BAD_CREATOR_SIGNATURE';
    return actionHash;
  }

  /** The organisations with a valid peer signature over this action; each counts once. */
  private endorsersOf(tx: Envelope, actionHash: Buffer): string[] {
    const endorsers: string[] = [];
    for (const e of tx.endorsements) {
      let endorser: VerifiedIdentity;
      try {
        endorser = this.membership.verify(e.mspId, e.certPem);
      } catch {
        continue;
      }
      if (endorser.type !== 'peer') continue;
      const message = endorsementMessage(actionHash, serializeIdentity(e.mspId, e.certPem));
      if (!verifyLowS(endorser.publicKey, message, e.signature)) continue;
      if (!endorsers.includes(e.mspId)) endorsers.push(e.mspId);
    }
    return endorsers;
  }

  /**
   * Fabric's validation of endorsements: a written key with a validation parameter (key-level
   * endorsement) needs that policy; other written keys need the collection's policy (private) or
   * the chaincode's (public); a transaction that writes nothing needs the chaincode's. A key whose
   * validation parameter an earlier transaction of the same block changed cannot be validated
   * against it, and Fabric fails such a transaction's endorsement policy check.
   */
  private endorsementPolicySatisfied(rw: TxRwSet, endorsers: string[], block: BlockOverlay): boolean {
    const pub = this.state.publicState;
    let needChaincodePolicy = rw.writes.length === 0 && rw.metadataWrites.length === 0;
    const checkPublicKey = (key: string): boolean => {
      if (block.parameterChanges.has(key)) return false;
      const vp = validationParameter(pub.metadata(key));
      if (vp === undefined) needChaincodePolicy = true;
      else if (!satisfies(policyFromEnvelope(vp), endorsers)) return false;
      return true;
    };
    for (const [key] of rw.writes) if (!checkPublicKey(key)) return false;
    for (const [key] of rw.metadataWrites) if (!checkPublicKey(key)) return false;
    let wroteCollection = false;
    for (const c of rw.collections) {
      if (c.writes.length === 0 && c.metadataWrites.length === 0) continue;
      wroteCollection = true;
      if (!this.collectionPolicySatisfied(c, endorsers, block)) return false;
    }
    if (wroteCollection && rw.writes.length === 0 && rw.metadataWrites.length === 0)
      needChaincodePolicy = false;
    return !needChaincodePolicy || satisfies(this.channel.chaincodePolicy, endorsers);
  }

  /** A collection's written keys: their key-level policies, else the collection's (or the chaincode's). */
  private collectionPolicySatisfied(
    c: CollectionHashedRwSet,
    endorsers: string[],
    block: BlockOverlay,
  ): boolean {
    const fallback = this.channel.collection(c.collection).endorsementPolicy ?? this.channel.chaincodePolicy;
    const changed = block.hashedParameterChanges.get(c.collection);
    // An object, not a `let`: the compiler does not follow assignments made inside the closure.
    const need = { fallback: false };
    const checkHash = (keyHash: string): boolean => {
      if (changed?.has(keyHash) === true) return false;
      const vp = validationParameter(this.state.hashedMetadata(c.collection, keyHash));
      if (vp === undefined) need.fallback = true;
      else if (!satisfies(policyFromEnvelope(vp), endorsers)) return false;
      return true;
    };
    for (const w of c.writes) if (!checkHash(w.keyHash)) return false;
    for (const [keyHash] of c.metadataWrites) if (!checkHash(keyHash)) return false;
    return !need.fallback || satisfies(fallback, endorsers);
  }

  /**
   * MVCC: every key read must still have the version it had during simulation, counting the writes of valid
   * transactions earlier in this block. Phantoms: each range query re-run up to where the simulation stopped
   * reading.
   */
  private checkReads(rw: TxRwSet, block: BlockOverlay): ValidationCode {
    const pub = this.state.publicState;
    for (const [key, version] of rw.reads) {
      if (block.writes.has(key)) return 'MVCC_READ_CONFLICT';
      if (pub.version(key) !== version) return 'MVCC_READ_CONFLICT';
    }
    for (const c of rw.collections) {
      const inBlock = block.hashedWrites.get(c.collection);
      for (const [keyHash, version] of c.reads) {
        if (inBlock?.has(keyHash) === true) return 'MVCC_READ_CONFLICT';
        if (this.state.hashedVersion(c.collection, keyHash) !== version) return 'MVCC_READ_CONFLICT';
      }
    }
    for (const q of rw.ranges) if (this.phantom(q, block)) return 'PHANTOM_READ_CONFLICT';
    return 'VALID';
  }

  private phantom(q: RangeRead, block: BlockOverlay): boolean {
    const last = q.results[q.results.length - 1];
    let i = 0;
    for (const [key, entry] of this.state.publicState.range(q.start, q.end)) {
      if (!q.exhausted && i >= q.results.length) break;
      const r = q.results[i];
      if (r === undefined || r[0] !== key || r[1] !== entry.version) return true;
      i++;
    }
    if (i < q.results.length) return true;
    if (block.writes.size > 0) {
      const end = q.exhausted || last === undefined ? q.end : last[0] + '\u0000';
      for (const _ of block.writeIndex().range(q.start, end)) return true;
    }
    return false;
  }
}
