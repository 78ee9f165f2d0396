import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CertificateAuthority, type Identity } from './ca';
import { ChannelConfig, type CollectionConfig } from './channel';
import { sha256, privateKeyFromPem, signLowS, verifyLowS } from './cryptoUtil';
import { EndorsementError, TransactionInvalidError, type ValidationCode } from './errors';
import { JsonParts, release } from './jsonParts';
import { StateLock } from './lock';
import { Membership, type VerifiedIdentity } from './msp';
import {
  checkProposal,
  endorsementMessage,
  loadChaincode,
  Peer,
  ProposalRejected,
  type ChaincodeEventData,
  type CheckedProposal,
  type ContractClass,
  type Endorsement,
  type SimulationOutcome,
} from './peer';
import { parsePolicy, policyFromEnvelope, satisfies, type Policy } from './policy';
import { common, msp } from '@hyperledger/fabric-protos';
import { buildSignedProposal, computeTxId, serializeIdentity } from './proposal';
import { EndorserPool, WorkerRejected, type WorkerChaincode } from './endorserPool';
import { AckMark, type Acknowledged } from './ackMark';
import { DamagedRecordFile, RecordFile } from './recordFile';
import {
  privateWritesFromJson,
  privateWritesToJson,
  rwsetFromJson,
  type PrivateWrites,
  type TxRwSet,
} from './rwset';
import { SortedKeys } from './sortedKeys';
import { packVersion, TX_PER_BLOCK_MAX, WorldState, type TxMeta } from './state';

export type ChaincodeOptions = {
  name: string;
  version: string;
  /** Contract classes (fabric-contract-api), dispatched by fabric-shim's ChaincodeFromContract. */
  contracts: ContractClass[];
  /** Chaincode-level endorsement policy; default: any one member organisation. */
  endorsementPolicy?: Policy | string;
  /** Explicit collections; every organisation's implicit collection exists without configuration. */
  collections?: CollectionConfig[];
  /**
   * Run the endorsing peers in a worker thread, which loads the chaincode from this module (the same
   * contracts as `contracts`): simulation then uses a second core while this thread orders, validates
   * and commits. The worker keeps a replica of the world state, updated with every committed block.
   */
  worker?: WorkerChaincode;
};

export type EmbeddedNetworkOptions = {
  /** Everything persists here; starting on an existing directory restores it. */
  dataDir: string;
  channel: string;
  /** MSP IDs; each organisation gets a CA and one peer. */
  organisations: string[];
  chaincode: ChaincodeOptions;
  ordering?: { maxTxPerBlock?: number; batchTimeoutMs?: number };
  /** 'fsync' (default): a commit is reported only once its block is on disk. */
  durability?: 'fsync' | 'none';
};

/** The durable steps of a block's commit, in order (see `setCommitStepHook`). */
export type CommitStep = 'private-data-written' | 'block-written' | 'acknowledged';

let commitStepHook: ((step: CommitStep, blockNumber: number) => void) | undefined;

/**
 * Crash-test seam for a process that hosts a network (the chaos run's ledger process): `hook` is called
 * synchronously after each durable step of every block's commit, so the process can kill itself exactly there.
 * A process-wide setting, as a crash is; undefined removes it.
 */
export function setCommitStepHook(hook: ((step: CommitStep, blockNumber: number) => void) | undefined): void {
  commitStepHook = hook;
}

export type SubmitRequest = {
  fcn: string;
  args?: string[];
  transient?: Record<string, string | Buffer>;
  /** Organisations whose peers endorse; default: the submitter's own organisation. */
  endorsingOrgs?: string[];
  /** The transaction timestamp the chaincode sees; default: now. */
  timestamp?: Date;
  /** The proposal nonce; normally random. Reusing one reproduces a transaction ID (for tests). */
  nonce?: Buffer;
};

export type EvaluateRequest = {
  fcn: string;
  args?: string[];
  transient?: Record<string, string | Buffer>;
  /** The organisation whose peer answers; default: the caller's own. */
  peerOrg?: string;
  timestamp?: Date;
};

export type SubmitResult = {
  txId: string;
  blockNumber: bigint;
  result: Buffer;
  event?: { name: string; payload: Buffer };
};

export type CommittedTransaction = {
  txId: string;
  validationCode: string;
  creatorMspId: string;
  /** As ClientIdentity.getID(): `x509::<subject>::<issuer>`. */
  creatorId: string;
  /** The transaction timestamp, ISO-8601 UTC. */
  timestamp: string;
  endorsers: string[];
  event?: { name: string; payload: Buffer };
  /** Public keys written (empty for an invalid transaction, which changed nothing). */
  writes: { key: string; isDelete: boolean }[];
};

export type CommittedBlock = {
  number: bigint;
  previousHash: string;
  dataHash: string;
  transactions: CommittedTransaction[];
};

type EndorsementRef = { mspId: string; certPem: string; signature: Buffer };

type PendingTx = {
  txId: string;
  creator: VerifiedIdentity;
  seconds: number;
  nanos: number;
  headerBytes: Uint8Array;
  payloadBytes: Uint8Array;
  actionBytes: Buffer;
  /** Computed by the committer from actionBytes (validation), then reused for the block's data hash. */
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

type GenesisConfig = {
  channel: string;
  organisations: string[];
  chaincode: string;
  caCertificates: Record<string, string>;
};

export type BlockJson = {
  number: number;
  previousHash: string;
  dataHash: string;
  config?: GenesisConfig;
  txs?: TxJson[];
};

type TxJson = {
  txId: string;
  code: ValidationCode;
  creatorMspId: string;
  creatorId: string;
  seconds: number;
  nanos: number;
  header: string;
  payload: string;
  action: { rwset: unknown; event: { name: string; payload: string } | null };
  endorsements: { mspId: string; cert: string; signature: string }[];
  signature: string;
};

/** What earlier valid transactions of the block being validated have changed. */
type BlockOverlay = {
  seen: Set<string>;
  blockWrites: Set<string>;
  blockHashedWrites: Map<string, Set<string>>;
  parameterChanges: Set<string>;
  hashedParameterChanges: Map<string, Set<string>>;
  writeIndex: () => SortedKeys;
};

const VALIDATION_PARAMETER = 'VALIDATION_PARAMETER';

function validationParameter(metadata: [string, Buffer][] | undefined): Buffer | undefined {
  if (metadata === undefined) return undefined;
  for (const [name, value] of metadata) if (name === VALIDATION_PARAMETER) return value;
  return undefined;
}

type Listener = {
  fn: (b: CommittedBlock) => void;
  next: number;
  pumping: boolean;
};

const DEFAULT_MAX_TX_PER_BLOCK = 500;
/**
 * Block summaries kept in memory for listeners; a listener further behind reads from disk. A listener that
 * keeps up gets each block in the commit's own step, so a few suffice; each summary lists every write of
 * its transactions (1,500 for a batch of 500 legs), and holding 64 of them made the young-generation
 * collector copy and promote them all.
 */
const RECENT_BLOCKS = 8;
const DEFAULT_BATCH_TIMEOUT_MS = 2;

/** Fabric hashes a block header as the SHA-256 of DER SEQUENCE { number, previousHash, dataHash }. */
export function blockHeaderHash(number: number, previousHash: Buffer, dataHash: Buffer): Buffer {
  let hex = number.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  let n = Buffer.from(hex, 'hex');
  if ((n[0] ?? 0) & 0x80) n = Buffer.concat([Buffer.from([0]), n]);
  const octets = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0x04, b.length]), b]);
  const body = Buffer.concat([Buffer.from([0x02, n.length]), n, octets(previousHash), octets(dataHash)]);
  return sha256(Buffer.concat([Buffer.from([0x30, body.length]), body]));
}

function isoTimestamp(seconds: number, nanos: number): string {
  return new Date(seconds * 1000 + Math.floor(nanos / 1_000_000)).toISOString();
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Hash over what the client signs in the transaction envelope. */
function transactionPayloadHash(
  headerBytes: Uint8Array,
  payloadBytes: Uint8Array,
  actionHash: Buffer,
  endorsements: readonly EndorsementRef[],
): Buffer {
  const parts: (Buffer | Uint8Array)[] = [headerBytes, sha256(payloadBytes), actionHash];
  for (const e of endorsements) parts.push(serializeIdentity(e.mspId, e.certPem), e.signature);
  return sha256(...parts);
}

/**
 * A Fabric network in one process: one CA and one peer per organisation, an orderer that cuts blocks,
 * and a committer that validates each transaction (signatures, endorsement policies, MVCC, phantom
 * reads, duplicate IDs) and commits blocks to disk before applying them. Chaincode runs through
 * fabric-shim's own stub and contract dispatcher, so it takes the same code path as on a peer.
 */
export class EmbeddedNetwork {
  /** The latest blocks' summaries; older ones are read back from the block file when a listener asks. */
  private readonly recent = new Map<number, CommittedBlock>();
  /** How many of the state's shared slab chunks the endorsing workers have been sent. */
  private chunksSent = 0;
  private readonly listeners = new Set<Listener>();
  private queue: PendingTx[] = [];
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;
  private failure: Error | undefined;
  private stopped = false;

  private constructor(
    private readonly channel: ChannelConfig,
    private readonly cas: ReadonlyMap<string, CertificateAuthority>,
    private readonly membership: Membership,
    private readonly state: WorldState,
    private readonly peers: ReadonlyMap<string, Peer>,
    private readonly blockFile: RecordFile,
    private readonly privateFiles: ReadonlyMap<string, RecordFile>,
    private readonly lock: StateLock,
    private readonly maxTxPerBlock: number,
    private readonly batchTimeoutMs: number,
    private nextBlock: number,
    private previousHash: Buffer,
    private readonly lockFile: string,
    private readonly pool: EndorserPool | undefined,
    private readonly mark: AckMark,
  ) {}

  static async start(options: EmbeddedNetworkOptions): Promise<EmbeddedNetwork> {
    const orgs = [...options.organisations];
    if (orgs.length === 0) throw new Error('EmbeddedNetwork: at least one organisation is needed');
    if (new Set(orgs).size !== orgs.length)
      throw new Error('EmbeddedNetwork: organisations must be distinct');
    const maxTxPerBlock = options.ordering?.maxTxPerBlock ?? DEFAULT_MAX_TX_PER_BLOCK;
    const batchTimeoutMs = options.ordering?.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS;
    if (!Number.isInteger(maxTxPerBlock) || maxTxPerBlock < 1 || maxTxPerBlock >= TX_PER_BLOCK_MAX) {
      throw new Error(
        `EmbeddedNetwork: ordering.maxTxPerBlock must be an integer in [1, ${TX_PER_BLOCK_MAX})`,
      );
    }
    const threads = options.chaincode.worker?.threads;
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
      throw new Error('EmbeddedNetwork: chaincode.worker.threads must be an integer >= 1');
    }
    const durable = (options.durability ?? 'fsync') === 'fsync';
    const cc = options.chaincode;
    const policy =
      typeof cc.endorsementPolicy === 'string' ? parsePolicy(cc.endorsementPolicy) : cc.endorsementPolicy;
    const channel = new ChannelConfig(options.channel, orgs, cc.name, policy, cc.collections ?? []);

    await fs.mkdir(path.join(options.dataDir, 'ledger', 'private'), { recursive: true, mode: 0o700 });
    const lockFile = await acquireDataDir(options.dataDir);
    try {
      return await EmbeddedNetwork.open(
        options,
        orgs,
        channel,
        maxTxPerBlock,
        batchTimeoutMs,
        durable,
        lockFile,
      );
    } catch (err) {
      await releaseDataDir(lockFile);
      throw err;
    }
  }

  private static async open(
    options: EmbeddedNetworkOptions,
    orgs: string[],
    channel: ChannelConfig,
    maxTxPerBlock: number,
    batchTimeoutMs: number,
    durable: boolean,
    lockFile: string,
  ): Promise<EmbeddedNetwork> {
    const cc = options.chaincode;
    const cas = new Map<string, CertificateAuthority>();
    for (const org of orgs)
      cas.set(org, await CertificateAuthority.open(path.join(options.dataDir, 'ca', org), org));
    const caCertificates = new Map([...cas].map(([org, ca]) => [org, ca.certificatePem]));
    const membership = new Membership(caCertificates);
    // With endorsing workers, values sit in shared memory that the workers' replicas read.
    const state = new WorldState(orgs, { shareValues: cc.worker !== undefined });

    // First the files are checked and a torn tail cut off (checksums only); then endorsing workers, if any,
    // start replaying the ledger into their replicas while this thread replays it into its own state.
    // What the acknowledgement mark covers must be there intact: a block that submitters or listeners heard of
    // never vanishes because a file was cut or damaged; only what was never acknowledged may be dropped.
    const ledgerDir = path.join(options.dataDir, 'ledger');
    const genesis = (): Buffer => {
      const config: GenesisConfig = {
        channel: options.channel,
        organisations: orgs,
        chaincode: cc.name,
        caCertificates: Object.fromEntries(caCertificates),
      };
      const dataHash = sha256(JSON.stringify(config));
      const block: BlockJson = { number: 0, previousHash: '', dataHash: dataHash.toString('hex'), config };
      return Buffer.from(JSON.stringify(block));
    };
    const { blockFile, privateFiles, height, mark, ack, markPath } = await openLedgerFiles(
      ledgerDir,
      orgs,
      durable,
      genesis,
    );
    try {
      return await EmbeddedNetwork.replay(
        options,
        orgs,
        channel,
        { cas, caCertificates, membership, state },
        {
          ledgerDir,
          blockFile,
          privateFiles,
          height,
          mark,
          ack,
          markPath,
        },
        { maxTxPerBlock, batchTimeoutMs, lockFile },
      );
    } catch (err) {
      await blockFile.close().catch(() => undefined);
      for (const f of privateFiles.values()) await f.close().catch(() => undefined);
      await mark.close();
      throw err;
    }
  }

  /** Replays the checked ledger files into the state (and the workers' replicas) and opens the network. */
  private static async replay(
    options: EmbeddedNetworkOptions,
    orgs: string[],
    channel: ChannelConfig,
    members: {
      cas: Map<string, CertificateAuthority>;
      caCertificates: Map<string, string>;
      membership: Membership;
      state: WorldState;
    },
    ledger: LedgerFiles & { ledgerDir: string },
    ordering: { maxTxPerBlock: number; batchTimeoutMs: number; lockFile: string },
  ): Promise<EmbeddedNetwork> {
    const { cas, caCertificates, membership, state } = members;
    const { ledgerDir, blockFile, privateFiles, height, mark, ack, markPath } = ledger;
    let previousHash: Buffer = Buffer.alloc(0);
    const cc = options.chaincode;
    const peerIdentities = new Map<string, Identity>();
    for (const [org, ca] of cas) peerIdentities.set(org, await ca.peerIdentity());
    const pool =
      cc.worker === undefined
        ? undefined
        : EndorserPool.start(
            {
              dataDir: options.dataDir,
              height,
              channel: options.channel,
              organisations: orgs,
              chaincode: {
                name: cc.name,
                version: cc.version,
                module: cc.worker.module,
                exportName: cc.worker.exportName ?? 'contracts',
                endorsementPolicy: channel.chaincodePolicy,
                collections: cc.collections ?? [],
              },
              caCertificates: [...caCertificates],
              peers: [...peerIdentities],
            },
            cc.worker.threads ?? 1,
          );
    // A pool that failed while this thread was replaying is reported below, not as an unhandled rejection.
    pool?.catch(() => undefined);
    let endorsers: EndorserPool | undefined;
    try {
      replayLedger(ledgerDir, state, orgs, height, (block, index) => {
        if (block.number !== index || block.previousHash !== previousHash.toString('hex')) {
          throw new Error(`the block file is corrupt: record ${index} does not chain to the block before it`);
        }
        if (index === 0) checkGenesis(block, options, caCertificates);
        previousHash = blockHeaderHash(
          block.number,
          Buffer.from(block.previousHash, 'hex'),
          Buffer.from(block.dataHash, 'hex'),
        );
        if (index === ack.height - 1 && previousHash.toString('hex') !== ack.blockHash) {
          throw new Error(
            `${path.join(ledgerDir, BLOCKS_FILE)}: block ${index} is not the block that was acknowledged (its header hash differs from ${markPath}); refusing to start`,
          );
        }
      });
      endorsers = await pool;
      // From here on the workers' replicas, which replayed the same ledger, follow this state's journal.
      if (endorsers !== undefined) state.startJournal();
      // Everything on disk now counts as acknowledged: listeners may see it from here on.
      await mark.write(acknowledgement(height, previousHash, blockFile, privateFiles));
    } catch (err) {
      await (await pool?.catch(() => undefined))?.stop();
      throw err;
    }

    const chaincode = loadChaincode(cc.contracts, cc.name, cc.version);
    const lock = new StateLock();
    const peers = new Map<string, Peer>();
    for (const [org, identity] of peerIdentities)
      peers.set(org, new Peer(org, identity, state, channel, chaincode, lock));
    const net = new EmbeddedNetwork(
      channel,
      cas,
      membership,
      state,
      peers,
      blockFile,
      privateFiles,
      lock,
      ordering.maxTxPerBlock,
      ordering.batchTimeoutMs,
      height,
      previousHash,
      ordering.lockFile,
      endorsers,
      mark,
    );
    return net;
  }

  /** The certificate authority of an organisation. */
  ca(mspId: string): CertificateAuthority {
    const ca = this.cas.get(mspId);
    if (ca === undefined) throw new Error(`No organisation ${mspId} in this network`);
    return ca;
  }

  /** Bytes of keys and values (history included) the world state holds outside the JavaScript heap. */
  stateBytes(): number {
    return this.state.storedBytes;
  }

  /** Proposals endorsed (or evaluated) so far by the main thread's peers and by each worker's. */
  endorsementCounts(): { mainThread: number; workers: number[] } {
    return { mainThread: this.endorsedHere, workers: this.pool === undefined ? [] : [...this.pool.sent] };
  }

  /** Number of blocks, the genesis block included (so the next block's number). */
  height(): bigint {
    return BigInt(this.nextBlock);
  }

  private checkOpen(): void {
    if (this.stopped) throw new Error('EmbeddedNetwork is stopped');
    if (this.failure !== undefined) throw new Error(`EmbeddedNetwork failed: ${this.failure.message}`);
  }

  private peer(org: string): Peer {
    const p = this.peers.get(org);
    if (p === undefined) throw new Error(`No peer for organisation ${org} in this network`);
    return p;
  }

  private check(org: string, bytes: Uint8Array, txId: string): CheckedProposal {
    try {
      return checkProposal(bytes, this.channel, this.membership, (id) => this.state.txIds.has(id));
    } catch (err) {
      if (err instanceof ProposalRejected) throw new EndorsementError(err.message, txId, undefined, org);
      throw err;
    }
  }

  /** The client's signed proposal for a request on this channel's chaincode. */
  private propose(identity: Identity, req: EvaluateRequest, nonce?: SubmitRequest['nonce']) {
    return buildSignedProposal(identity, {
      channel: this.channel.channel,
      chaincodeName: this.channel.chaincodeName,
      fcn: req.fcn,
      args: req.args ?? [],
      transient: req.transient,
      timestamp: req.timestamp ?? new Date(),
      nonce,
    });
  }

  private inFlightHere = 0;
  private endorsedHere = 0;

  /**
   * Where a proposal runs: with no workers, here. With workers, also here when every worker has more
   * requests in flight than this thread has proposals plus one (its ordering and commit work): the
   * workers alone leave part of the machine idle while this thread waits for them, and this thread's
   * peers read the committed state itself, with no replica to feed.
   */
  private async onChosenPeer(
    org: string,
    bytes: Uint8Array,
    txId: string,
    here: () => Promise<SimulationOutcome | Endorsement>,
    endorse: boolean,
  ): Promise<SimulationOutcome | Endorsement> {
    if (this.pool !== undefined && this.inFlightHere + 1 >= this.pool.leastLoad())
      return this.onWorker(org, bytes, txId, endorse);
    this.inFlightHere++;
    this.endorsedHere++;
    try {
      return await here();
    } finally {
      this.inFlightHere--;
    }
  }

  private async onWorker(
    org: string,
    bytes: Uint8Array,
    txId: string,
    endorse: boolean,
  ): Promise<SimulationOutcome | Endorsement> {
    try {
      return await (this.pool as EndorserPool).run(org, bytes, endorse);
    } catch (err) {
      if (err instanceof WorkerRejected) throw new EndorsementError(err.message, txId, undefined, org);
      throw err;
    }
  }

  /** Queries one peer: the chaincode runs, nothing is ordered or committed. */
  async evaluate(identity: Identity, req: EvaluateRequest): Promise<Buffer> {
    this.checkOpen();
    const org = req.peerOrg ?? identity.mspId;
    const peer = this.peer(org);
    const { txId, bytes } = this.propose(identity, req);
    const checked = this.check(org, bytes, txId);
    const outcome = await this.onChosenPeer(org, bytes, txId, () => peer.simulate(checked), false);
    if (outcome.status >= 400) throw new EndorsementError(outcome.message, txId, outcome.status, org);
    return outcome.payload;
  }

  /** Endorses on the chosen peers, orders the transaction and resolves once its block is committed. */
  async submit(identity: Identity, req: SubmitRequest): Promise<SubmitResult> {
    this.checkOpen();
    const orgs = [...new Set(req.endorsingOrgs ?? [identity.mspId])];
    if (orgs.length === 0) throw new Error('submit: endorsingOrgs must name at least one organisation');
    const peers = orgs.map((o) => this.peer(o));
    const { txId, bytes } = this.propose(identity, req, req.nonce);
    // Each peer checks the proposal itself, as each Fabric endorser does.
    const checkedByPeer = peers.map((p) => this.check(p.org, bytes, txId));
    const responses = await Promise.all(
      peers.map((p, i) =>
        this.onChosenPeer(p.org, bytes, txId, () => p.endorse(checkedByPeer[i] as CheckedProposal), true),
      ),
    );
    for (const [i, r] of responses.entries()) {
      if (r.status >= 400) throw new EndorsementError(r.message, txId, r.status, orgs[i]);
    }
    const endorsements = responses as Endorsement[];
    const first = endorsements[0] as Endorsement;
    for (const e of endorsements) {
      if (!e.actionBytes.equals(first.actionBytes)) {
        throw new EndorsementError(
          `ProposalResponsePayloads do not match: the peers of ${first.org} and ${e.org} returned different results or read/write sets`,
          txId,
          undefined,
          e.org,
        );
      }
    }
    const checked = checkedByPeer[0] as CheckedProposal;
    const refs: EndorsementRef[] = endorsements.map((e) => ({
      mspId: e.org,
      certPem: e.endorserCertPem,
      signature: e.signature,
    }));
    const payloadHash = transactionPayloadHash(
      checked.headerBytes,
      checked.payloadBytes,
      first.actionHash,
      refs,
    );
    const clientSignature = signLowS(privateKeyFromPem(identity.privateKeyPem), payloadHash);
    return new Promise<SubmitResult>((resolve, reject) => {
      this.enqueue({
        txId,
        creator: checked.creator,
        seconds: checked.seconds,
        nanos: checked.nanos,
        headerBytes: checked.headerBytes,
        payloadBytes: checked.payloadBytes,
        actionBytes: first.actionBytes,
        actionHash: undefined,
        endorsements: refs,
        clientSignature,
        rwset: first.rwset,
        privateWrites: first.privateWrites,
        event: first.event,
        result: first.payload,
        resolve,
        reject,
      });
    });
  }

  /**
   * Calls `listener` with every committed block from `startBlock` (default: the next block), first
   * the ones already committed, then each new one as it commits. Returns a function that unsubscribes.
   */
  onBlock(listener: (b: CommittedBlock) => void, opts?: { startBlock?: bigint }): () => void {
    const start = opts?.startBlock === undefined ? this.nextBlock : Number(opts.startBlock);
    if (!Number.isSafeInteger(start) || start < 0) throw new Error('onBlock: startBlock must be >= 0');
    const sub: Listener = { fn: listener, next: start, pumping: false };
    this.listeners.add(sub);
    queueMicrotask(() => {
      this.pump(sub);
    });
    return () => {
      this.listeners.delete(sub);
    };
  }

  // Delivers blocks in order: recent ones from memory (a listener that keeps up is called in the commit's
  // own step, before the submitters hear back), older ones read back from the block file.
  private pump(sub: Listener): void {
    if (sub.pumping) return;
    sub.pumping = true;
    let reading = false;
    try {
      while (this.listeners.has(sub) && sub.next < this.nextBlock) {
        const block = this.recent.get(sub.next);
        if (block === undefined) {
          reading = true;
          void this.pumpFromDisk(sub);
          return;
        }
        sub.next++;
        this.deliver(sub, block);
      }
    } finally {
      if (!reading) sub.pumping = false;
    }
  }

  private async pumpFromDisk(sub: Listener): Promise<void> {
    try {
      while (this.listeners.has(sub) && sub.next < this.nextBlock) {
        const n = sub.next;
        let block = this.recent.get(n);
        if (block === undefined) {
          try {
            block = await this.loadBlock(n);
          } catch (err) {
            if (!this.stopped) console.error(`EmbeddedNetwork: cannot read block ${n} back:`, err);
            return;
          }
        }
        // Unsubscribed, or the network stopped, while the block was being read.
        if (!this.listeners.has(sub)) return;
        sub.next = n + 1;
        this.deliver(sub, block);
      }
    } finally {
      sub.pumping = false;
    }
  }

  private deliver(sub: Listener, block: CommittedBlock): void {
    try {
      sub.fn(block);
    } catch (err) {
      // A failing listener must not stop the ledger (Fabric's SDK logs and carries on too).
      console.error(`EmbeddedNetwork: block listener failed on block ${block.number}:`, err);
    }
  }

  /** A committed block's summary, from the block file. */
  private async loadBlock(n: number): Promise<CommittedBlock> {
    const block = JSON.parse((await this.blockFile.read(n)).toString('utf8')) as BlockJson;
    return n === 0 ? genesisSummary(block) : summariseBlock(block);
  }

  /** Waits for transactions in flight to commit, then closes the ledger files. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.runCommitter();
    await this.pool?.stop();
    this.listeners.clear();
    await this.blockFile.close();
    for (const f of this.privateFiles.values()) await f.close();
    await this.mark.close();
    await releaseDataDir(this.lockFile);
  }

  // ---- ordering ----

  private enqueue(tx: PendingTx): void {
    if (this.stopped) {
      tx.reject(new Error('EmbeddedNetwork is stopped'));
      return;
    }
    this.queue.push(tx);
    if (this.committing !== undefined) return; // the running committer takes it next
    if (this.queue.length >= this.maxTxPerBlock) {
      void this.runCommitter();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.runCommitter();
      }, this.batchTimeoutMs);
    }
  }

  // Cuts blocks while transactions wait. While one block is being committed, the next batch keeps
  // filling, so under load blocks grow toward maxTxPerBlock and the disk sees one sync per block.
  private runCommitter(): Promise<void> {
    if (this.committing !== undefined) return this.committing;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.committing = (async () => {
      try {
        while (this.queue.length > 0) {
          const batch = this.queue.splice(0, this.maxTxPerBlock);
          if (this.failure !== undefined) {
            for (const tx of batch) tx.reject(new Error(`EmbeddedNetwork failed: ${this.failure.message}`));
            continue;
          }
          try {
            await this.commitBlock(batch);
          } catch (err) {
            this.failure = err as Error;
            for (const tx of batch) tx.reject(err as Error);
          }
        }
      } finally {
        this.committing = undefined;
      }
    })();
    return this.committing;
  }

  // ---- validation and commit ----

  private async commitBlock(batch: PendingTx[]): Promise<void> {
    const number = this.nextBlock;
    const codes = this.validate(batch);
    const envelopeHashes: Buffer[] = [];
    // The block's record in pieces: each transaction's signed action goes to the file as the bytes that were
    // hashed, never copied into one block-sized string.
    const pieces: Buffer[] = [];
    const privateByOrg = new Map<string, [number, unknown][]>();
    for (const [i, tx] of batch.entries()) {
      const code = codes[i] as ValidationCode;
      const actionHash = tx.actionHash ?? sha256(tx.actionBytes);
      envelopeHashes.push(
        sha256(
          transactionPayloadHash(tx.headerBytes, tx.payloadBytes, actionHash, tx.endorsements),
          tx.clientSignature,
        ),
      );
      if (i > 0) pieces.push(COMMA);
      pieces.push(...txPieces(tx, code));
      if (code === 'VALID') {
        for (const [org, writes] of privateWritesByMember(this.channel, tx.privateWrites)) {
          let list = privateByOrg.get(org);
          if (list === undefined) privateByOrg.set(org, (list = []));
          list.push([i, privateWritesToJson(writes)]);
        }
      }
    }
    const dataHash = sha256(...envelopeHashes);
    pieces.unshift(
      Buffer.from(
        `{"number":${number},"previousHash":"${this.previousHash.toString('hex')}","dataHash":"${dataHash.toString('hex')}","txs":[`,
      ),
    );
    pieces.push(CLOSE_BLOCK);
    // Private data first: a block on disk must never lack the private data its members committed.
    await Promise.all(
      [...privateByOrg].map(async ([org, txs]) => {
        const bytes = new JsonParts().value({ block: number, txs }).bytes();
        await (this.privateFiles.get(org) as RecordFile).append([bytes]);
        release(bytes);
      }),
    );
    commitStepHook?.('private-data-written', number);
    await this.blockFile.append([pieces]);
    commitStepHook?.('block-written', number);
    // Synced before anyone hears of the block: from here on it must never vanish (see AckMark).
    const headerHash = blockHeaderHash(number, this.previousHash, dataHash);
    await this.mark.write(acknowledgement(number + 1, headerHash, this.blockFile, this.privateFiles));
    commitStepHook?.('acknowledged', number);

    const wait = this.lock.acquireWrite();
    if (wait !== undefined) await wait;
    const summaries: CommittedTransaction[] = [];
    try {
      for (const [i, tx] of batch.entries()) {
        const code = codes[i] as ValidationCode;
        const meta: TxMeta = { txId: tx.txId, seconds: tx.seconds, nanos: tx.nanos };
        const version = packVersion(number, i);
        const writes = code === 'VALID' ? applyPublic(this.state, tx.rwset, meta, version) : [];
        if (code === 'VALID') {
          for (const [org, pw] of privateWritesByMember(this.channel, tx.privateWrites))
            applyPrivate(this.state, org, pw, version);
        }
        this.state.txIds.add(tx.txId);
        summaries.push({
          txId: tx.txId,
          validationCode: code,
          creatorMspId: tx.creator.mspId,
          creatorId: tx.creator.clientId,
          timestamp: isoTimestamp(tx.seconds, tx.nanos),
          endorsers: tx.endorsements.map((e) => e.mspId),
          ...(tx.event === undefined ? {} : { event: tx.event }),
          writes,
        });
      }
    } finally {
      this.lock.releaseWrite();
    }
    const block: CommittedBlock = {
      number: BigInt(number),
      previousHash: this.previousHash.toString('hex'),
      dataHash: dataHash.toString('hex'),
      transactions: summaries,
    };
    this.previousHash = headerHash;
    this.nextBlock = number + 1;
    this.recent.set(number, block);
    this.recent.delete(number - RECENT_BLOCKS);
    if (this.pool !== undefined) {
      const chunks = this.state.sharedChunks(this.chunksSent);
      this.pool.apply(
        this.state.takeJournal(),
        batch.map((tx) => tx.txId),
        { from: this.chunksSent, chunks },
      );
      this.chunksSent += chunks.length;
    }
    for (const sub of this.listeners) this.pump(sub);
    for (const [i, tx] of batch.entries()) {
      const code = codes[i] as ValidationCode;
      if (code === 'VALID') {
        tx.resolve({
          txId: tx.txId,
          blockNumber: block.number,
          result: tx.result,
          ...(tx.event === undefined ? {} : { event: tx.event }),
        });
      } else {
        tx.reject(new TransactionInvalidError(code, tx.txId, block.number));
      }
      // The action is on disk and nothing reads it again (see `release`).
      release(tx.actionBytes);
    }
  }

  /** Validates every transaction of a block in order, as a committing peer does. */
  private validate(batch: PendingTx[]): ValidationCode[] {
    let index: SortedKeys | undefined;
    const block: BlockOverlay = {
      seen: new Set(),
      blockWrites: new Set(),
      blockHashedWrites: new Map(),
      parameterChanges: new Set(),
      hashedParameterChanges: new Map(),
      writeIndex: () => {
        if (index === undefined) {
          index = new SortedKeys();
          for (const k of block.blockWrites) index.add(k);
        }
        return index;
      },
    };
    const codes: ValidationCode[] = [];
    for (const tx of batch) {
      const code = this.validateOne(tx, block);
      block.seen.add(tx.txId);
      codes.push(code);
      if (code !== 'VALID') continue;
      // What a valid transaction changes is seen by the ones after it in the block.
      for (const [key] of tx.rwset.writes) {
        block.blockWrites.add(key);
        index?.add(key);
      }
      for (const [key] of tx.rwset.metadataWrites) {
        block.blockWrites.add(key);
        index?.add(key);
        block.parameterChanges.add(key);
      }
      for (const c of tx.rwset.collections) {
        let set = block.blockHashedWrites.get(c.collection);
        if (set === undefined) block.blockHashedWrites.set(c.collection, (set = new Set()));
        for (const w of c.writes) set.add(w.keyHash);
        if (c.metadataWrites.length === 0) continue;
        let changed = block.hashedParameterChanges.get(c.collection);
        if (changed === undefined) block.hashedParameterChanges.set(c.collection, (changed = new Set()));
        for (const [keyHash] of c.metadataWrites) {
          set.add(keyHash);
          changed.add(keyHash);
        }
      }
    }
    return codes;
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
      const fallback =
        this.channel.collection(c.collection).endorsementPolicy ?? this.channel.chaincodePolicy;
      const changed = block.hashedParameterChanges.get(c.collection);
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
      if (need.fallback && !satisfies(fallback, endorsers)) return false;
    }
    if (wroteCollection && rw.writes.length === 0 && rw.metadataWrites.length === 0)
      needChaincodePolicy = false;
    return !needChaincodePolicy || satisfies(this.channel.chaincodePolicy, endorsers);
  }

  private validateOne(tx: PendingTx, block: BlockOverlay): ValidationCode {
    const { seen, blockWrites, blockHashedWrites } = block;
    const blockWriteIndex = block.writeIndex;
    // The header as ordered, not what the client says about it: channel, transaction ID, creator.
    let header: { channel: string; txId: string; mspId: string; certPem: string; expectedTxId: string };
    try {
      header = decodeHeader(tx.headerBytes);
    } catch {
      return 'BAD_PAYLOAD';
    }
    if (header.channel !== this.channel.channel) return 'TARGET_CHAIN_NOT_FOUND';
    if (header.txId !== header.expectedTxId || header.txId !== tx.txId) return 'BAD_PROPOSAL_TXID';
    if (this.state.txIds.has(tx.txId) || seen.has(tx.txId)) return 'DUPLICATE_TXID';

    // The creator's signature over the transaction.
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

    // Endorsements: valid peer signatures over this action; each organisation counts once.
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
    const rw = tx.rwset;
    if (!this.endorsementPolicySatisfied(rw, endorsers, block)) return 'ENDORSEMENT_POLICY_FAILURE';

    // MVCC: every key read must still have the version it had during simulation, counting the
    // writes of valid transactions earlier in this block.
    const pub = this.state.publicState;
    for (const [key, version] of rw.reads) {
      if (blockWrites.has(key)) return 'MVCC_READ_CONFLICT';
      if (pub.version(key) !== version) return 'MVCC_READ_CONFLICT';
    }
    for (const c of rw.collections) {
      const inBlock = blockHashedWrites.get(c.collection);
      for (const [keyHash, version] of c.reads) {
        if (inBlock?.has(keyHash) === true) return 'MVCC_READ_CONFLICT';
        if (this.state.hashedVersion(c.collection, keyHash) !== version) return 'MVCC_READ_CONFLICT';
      }
    }
    // Phantoms: re-run each range query up to where the simulation stopped reading.
    for (const q of rw.ranges) {
      const last = q.results[q.results.length - 1];
      let i = 0;
      for (const [key, entry] of pub.range(q.start, q.end)) {
        if (!q.exhausted && i >= q.results.length) break;
        const r = q.results[i];
        if (r === undefined || r[0] !== key || r[1] !== entry.version) return 'PHANTOM_READ_CONFLICT';
        i++;
      }
      if (i < q.results.length) return 'PHANTOM_READ_CONFLICT';
      if (blockWrites.size > 0) {
        const end = q.exhausted || last === undefined ? q.end : last[0] + '\u0000';
        for (const _ of blockWriteIndex().range(q.start, end)) return 'PHANTOM_READ_CONFLICT';
      }
    }
    return 'VALID';
  }
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

const openDataDirs = new Set<string>();

// Two networks appending to the same files would corrupt them: a LOCK file names the process that
// has the directory open. A lock left by a process that no longer runs is taken over.
async function acquireDataDir(dataDir: string): Promise<string> {
  const lockFile = path.join(path.resolve(dataDir), 'LOCK');
  if (openDataDirs.has(lockFile))
    throw new Error(`${dataDir} is already open in this process: stop() it first`);
  for (;;) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
      openDataDirs.add(lockFile);
      return lockFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(await fs.readFile(lockFile, 'utf8').catch(() => ''));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processRuns(pid)) {
      throw new Error(`${dataDir} is in use by process ${pid}`);
    }
    await fs.rm(lockFile, { force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function releaseDataDir(lockFile: string): Promise<void> {
  openDataDirs.delete(lockFile);
  await fs.rm(lockFile, { force: true });
}

const COMMA = Buffer.from(',');
const CLOSE_BLOCK = Buffer.from(']}');

/** A transaction's JSON in the block file: the text around its action, and the action's own bytes. */
function txPieces(tx: PendingTx, code: ValidationCode): Buffer[] {
  const endorsements = tx.endorsements.map((e) => ({
    mspId: e.mspId,
    cert: e.certPem,
    signature: e.signature.toString('base64'),
  }));
  return [
    Buffer.from(
      `{"txId":"${tx.txId}","code":"${code}","creatorMspId":${JSON.stringify(tx.creator.mspId)},` +
        `"creatorId":${JSON.stringify(tx.creator.clientId)},"seconds":${tx.seconds},"nanos":${tx.nanos},` +
        `"header":"${Buffer.from(tx.headerBytes).toString('base64')}","payload":"${Buffer.from(tx.payloadBytes).toString('base64')}",` +
        `"action":`,
    ),
    tx.actionBytes,
    Buffer.from(
      `,"endorsements":${JSON.stringify(endorsements)},"signature":"${tx.clientSignature.toString('base64')}"}`,
    ),
  ];
}

/**
 * Replays the first `height` blocks of a ledger directory into `state`, then the private data committed with
 * them; `check` sees each block (the genesis block included) before it is applied.
 */
export function replayLedger(
  ledgerDir: string,
  state: WorldState,
  organisations: readonly string[],
  height: number,
  check: (block: BlockJson, index: number) => void = () => undefined,
): void {
  RecordFile.scan(path.join(ledgerDir, 'blocks.log'), height, (payload, index) => {
    const block = JSON.parse(payload.toString('utf8')) as BlockJson;
    check(block, index);
    if (index > 0) replayBlock(block, state);
  });
  for (const org of organisations) {
    RecordFile.scan(path.join(ledgerDir, 'private', `${org}.log`), Number.MAX_SAFE_INTEGER, (payload) => {
      const rec = JSON.parse(payload.toString('utf8')) as { block: number; txs: [number, unknown][] };
      if (rec.block >= height) return;
      for (const [txNum, writes] of rec.txs)
        applyPrivate(state, org, privateWritesFromJson(writes), packVersion(rec.block, txNum));
    });
  }
}

/** The private writes each member organisation's peer stores. */
export function privateWritesByMember(channel: ChannelConfig, pw: PrivateWrites): Map<string, PrivateWrites> {
  const out = new Map<string, PrivateWrites>();
  for (const c of pw) {
    for (const org of channel.collection(c.collection).members) {
      let list = out.get(org);
      if (list === undefined) out.set(org, (list = []));
      list.push(c);
    }
  }
  return out;
}

/**
 * Applies a valid transaction's public writes, metadata and private-data hashes. The caller records the
 * transaction id itself, valid or not (Fabric refuses a reused id either way).
 */
export function applyPublic(
  state: WorldState,
  rw: TxRwSet,
  meta: TxMeta,
  version: number,
): CommittedTransaction['writes'] {
  const writes: CommittedTransaction['writes'] = [];
  const pub = state.publicState;
  if (rw.writes.length > 0) {
    const tx = pub.addTx(meta);
    for (const [key, value] of rw.writes) {
      pub.write(key, value, version, tx);
      writes.push({ key, isDelete: value === null });
    }
  }
  for (const [key, entries] of rw.metadataWrites) pub.writeMetadata(key, entries, version);
  for (const c of rw.collections) {
    for (const w of c.writes) state.writeHashed(c.collection, w.keyHash, w.valueHash, version);
    for (const [keyHash, entries] of c.metadataWrites)
      state.writeHashedMetadata(c.collection, keyHash, entries, version);
  }
  return writes;
}

export function applyPrivate(state: WorldState, org: string, pw: PrivateWrites, version: number): void {
  for (const c of pw) {
    const store = state.privateStore(org, c.collection, true);
    if (store === undefined) continue;
    for (const [key, value] of c.writes) {
      if (value === null) store.delete(key);
      else store.set(key, value, version);
    }
    for (const key of c.metadataKeys) store.setVersion(key, version);
  }
}

function checkGenesis(
  block: BlockJson,
  options: EmbeddedNetworkOptions,
  cas: ReadonlyMap<string, string>,
): void {
  const config = block.config;
  if (config === undefined) throw new Error('the block file is corrupt: block 0 is not a genesis block');
  if (config.channel !== options.channel || config.chaincode !== options.chaincode.name) {
    throw new Error(
      `${options.dataDir} holds channel '${config.channel}' with chaincode '${config.chaincode}', not '${options.channel}' with '${options.chaincode.name}'`,
    );
  }
  if (!sameList(config.organisations, options.organisations)) {
    throw new Error(
      `${options.dataDir} was created for organisations ${config.organisations.join(', ')}, not ${options.organisations.join(', ')}`,
    );
  }
  for (const [org, pem] of cas) {
    if (config.caCertificates[org] !== pem) {
      throw new Error(
        `the CA certificate of ${org} in ${options.dataDir} is not the one the channel was created with`,
      );
    }
  }
}

function genesisSummary(block: BlockJson): CommittedBlock {
  return { number: 0n, previousHash: '', dataHash: block.dataHash, transactions: [] };
}

export function replayBlock(block: BlockJson, state: WorldState): void {
  for (const [i, tx] of (block.txs ?? []).entries()) {
    if (tx.code === 'VALID') {
      const meta: TxMeta = { txId: tx.txId, seconds: tx.seconds, nanos: tx.nanos };
      applyPublic(state, rwsetFromJson(tx.action.rwset), meta, packVersion(block.number, i));
    }
    state.txIds.add(tx.txId);
  }
}

/** What listeners get for a block read back from the file: the same summary the commit produced. */
function summariseBlock(block: BlockJson): CommittedBlock {
  const transactions: CommittedTransaction[] = [];
  for (const tx of block.txs ?? []) {
    const ev = tx.action.event;
    transactions.push({
      txId: tx.txId,
      validationCode: tx.code,
      creatorMspId: tx.creatorMspId,
      creatorId: tx.creatorId,
      timestamp: isoTimestamp(tx.seconds, tx.nanos),
      endorsers: tx.endorsements.map((e) => e.mspId),
      ...(ev === null ? {} : { event: { name: ev.name, payload: Buffer.from(ev.payload, 'base64') } }),
      writes:
        tx.code === 'VALID'
          ? rwsetFromJson(tx.action.rwset).writes.map(([key, value]) => ({ key, isDelete: value === null }))
          : [],
    });
  }
  return {
    number: BigInt(block.number),
    previousHash: block.previousHash,
    dataHash: block.dataHash,
    transactions,
  };
}

type LedgerFiles = {
  blockFile: RecordFile;
  privateFiles: Map<string, RecordFile>;
  /** Blocks in the block file (after the genesis block was written to a new one). */
  height: number;
  mark: AckMark;
  /** The mark as found at start (height 0 for a new ledger or one from before marks). */
  ack: Acknowledged;
  markPath: string;
};

/**
 * Opens the ledger's files, checking their records (checksums only) against the acknowledgement mark:
 * what the mark covers must be there intact, or start is refused naming the file, the offset and the last
 * good block; a torn tail beyond it (a crash while appending, never acknowledged) is cut off and logged.
 * A new ledger gets its genesis block.
 */
async function openLedgerFiles(
  ledgerDir: string,
  orgs: readonly string[],
  durable: boolean,
  genesis: () => Buffer,
): Promise<LedgerFiles> {
  const blocksPath = path.join(ledgerDir, BLOCKS_FILE);
  const markPath = path.join(ledgerDir, ACK_MARK_FILE);
  const { mark, acknowledged } = await AckMark.open(markPath, durable);
  const ack: Acknowledged = acknowledged ?? { height: 0, blockHash: '', files: {} };
  const opened: RecordFile[] = [];
  try {
    let blocks: Awaited<ReturnType<typeof RecordFile.open>>;
    try {
      blocks = await RecordFile.open(blocksPath, durable, () => undefined, {
        acknowledgedBytes: ack.files[BLOCKS_FILE] ?? 0,
      });
    } catch (err) {
      throw refuseDamaged(err, markPath, ack, (intact) => (intact === 0 ? 'none' : `block ${intact - 1}`));
    }
    const blockFile = blocks.file;
    opened.push(blockFile);
    if (blocks.truncatedBytes > 0 && !blocks.tailPaddingOnly) {
      console.warn(
        `EmbeddedNetwork: ${blocksPath}: dropped a torn tail of ${blocks.truncatedBytes} bytes at offset ${blockFile.bytes} (block ${blockFile.records}, never acknowledged: the process stopped while appending it)`,
      );
    }
    if (blockFile.records < ack.height) {
      throw new Error(
        `${blocksPath}: holds ${blockFile.records} blocks (the last good one is block ${blockFile.records - 1}) but blocks up to ${ack.height - 1} were acknowledged (${markPath}); refusing to start rather than lose acknowledged blocks: restore the ledger folder from a backup`,
      );
    }
    if (acknowledged === undefined && blockFile.records > 0) {
      console.warn(
        `EmbeddedNetwork: ${markPath} is missing (a ledger written before the mark existed, or the mark was removed): ${blockFile.records} blocks accepted as found; the mark is kept from now on`,
      );
    } else if (acknowledged !== undefined && blockFile.records > ack.height) {
      console.warn(
        `EmbeddedNetwork: ${blocksPath}: ${blockFile.records - ack.height === 1 ? `block ${ack.height} is` : `blocks ${ack.height}-${blockFile.records - 1} are`} whole on disk but not yet acknowledged when the process stopped; kept`,
      );
    }
    let height = blockFile.records;
    if (height === 0) {
      await blockFile.append([genesis()]);
      height = 1;
    }

    const privateFiles = new Map<string, RecordFile>();
    for (const org of orgs) {
      const name = privateFileName(org);
      const file = path.join(ledgerDir, name);
      const seen = { stale: false, lastBlock: -1 };
      // Private data is written before its block; a record past the block file's end belongs to a block
      // that never made it to disk. Records are in block order and start with their block number.
      let privateOpened: Awaited<ReturnType<typeof RecordFile.open>>;
      try {
        privateOpened = await RecordFile.open(
          file,
          durable,
          (payload) => {
            const block = privateRecordBlock(payload);
            seen.lastBlock = block;
            if (block >= height) seen.stale = true;
          },
          { acknowledgedBytes: ack.files[name] ?? 0 },
        );
      } catch (err) {
        throw refuseDamaged(err, markPath, ack, () =>
          seen.lastBlock < 0 ? 'none' : `the private data of block ${seen.lastBlock}`,
        );
      }
      opened.push(privateOpened.file);
      privateFiles.set(org, privateOpened.file);
      if (privateOpened.truncatedBytes > 0 && !privateOpened.tailPaddingOnly) {
        console.warn(
          `EmbeddedNetwork: ${file}: dropped a torn tail of ${privateOpened.truncatedBytes} bytes at offset ${privateOpened.file.bytes} (never acknowledged: the process stopped while appending it)`,
        );
      }
      if (seen.stale) {
        await privateOpened.file.close();
        opened.pop();
        await truncatePrivateFile(file, height);
        const reopened = (await RecordFile.open(file, durable, () => undefined)).file;
        opened.push(reopened);
        privateFiles.set(org, reopened);
        console.warn(
          `EmbeddedNetwork: ${file}: dropped the private data of blocks from ${height} on (written before their block, which never reached the block file)`,
        );
      }
    }
    return { blockFile, privateFiles, height, mark, ack, markPath };
  } catch (err) {
    for (const f of opened) await f.close().catch(() => undefined);
    await mark.close();
    throw err;
  }
}

const BLOCKS_FILE = 'blocks.log';
/** The durable high-water mark of acknowledged blocks, beside the files it covers. */
const ACK_MARK_FILE = 'acknowledged';

function privateFileName(org: string): string {
  return `private/${org}.log`;
}

/** The mark for a ledger of `height` blocks whose last block's header hashes to `blockHash`. */
function acknowledgement(
  height: number,
  blockHash: Buffer,
  blockFile: RecordFile,
  privateFiles: ReadonlyMap<string, RecordFile>,
): Acknowledged {
  const files: Record<string, number> = { [BLOCKS_FILE]: blockFile.bytes };
  for (const [org, f] of privateFiles) files[privateFileName(org)] = f.bytes;
  return { height, blockHash: blockHash.toString('hex'), files };
}

/** Start refused: acknowledged data is damaged. Names the file, the offset and the last good block. */
function refuseDamaged(
  err: unknown,
  markPath: string,
  ack: Acknowledged,
  lastGood: (intactRecords: number) => string,
): Error {
  if (!(err instanceof DamagedRecordFile)) return err as Error;
  return new Error(
    `${err.file}: acknowledged data is damaged at offset ${err.offset}: record ${err.intactRecords} is damaged (${err.damage}); the file has ${err.fileBytes} bytes and ${err.acknowledgedBytes} were acknowledged (blocks up to ${ack.height - 1}, ${markPath}); the last good record is ${lastGood(err.intactRecords)}. Refusing to start rather than drop acknowledged blocks: restore the ledger folder from a backup`,
    { cause: err },
  );
}

/** The block number a private data record belongs to: its JSON starts `{"block":<n>,`. */
function privateRecordBlock(payload: Buffer): number {
  const m = /^\{"block":(\d+),/.exec(payload.toString('latin1', 0, 32));
  if (m === null) throw new Error('a private data record does not start with its block number');
  return Number(m[1]);
}

async function truncatePrivateFile(file: string, height: number): Promise<void> {
  // Rewrites the file keeping only records of committed blocks (they come first: blocks are in order).
  let keep = 0;
  let offset = 0;
  await RecordFile.open(file, false, (payload) => {
    offset += 8 + payload.length;
    const rec = JSON.parse(payload.toString('utf8')) as { block: number };
    if (rec.block < height) keep = offset;
  }).then(({ file: f }) => f.close());
  await fs.truncate(file, keep);
}
