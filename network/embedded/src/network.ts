/**
 * `EmbeddedNetwork`: a Fabric network in one process, assembled from one module per Fabric role. Start here;
 * `README.md` lists the modules and what each may import.
 *
 *   submit ─► gateway ─► endorser ─► gateway ─► orderer ─► committer ─► validator, data directory,
 *                                                                    endorser (replicas), deliver, submitter
 *
 * This file only starts the network (data directory, replay, then the roles wired together) and stops it;
 * every call is the work of one role.
 */
import * as path from 'node:path';
import { genesisRecord, type CommittedBlock } from './block';
import { CertificateAuthority, type Identity } from './ca';
import { ChannelConfig, type CollectionConfig } from './channel';
import { Committer } from './committer';
import {
  acquireDataDir,
  closeLedgerFiles,
  openLedgerFiles,
  releaseDataDir,
  acknowledgement,
  type LedgerFiles,
} from './dataDir';
import { DeliverService } from './deliver';
import { Endorsers, startEndorserPool } from './endorser';
import type { EndorserPool, WorkerChaincode } from './endorserPool';
import { Gateway, type EvaluateRequest, type SubmitRequest } from './gateway';
import { StateLock } from './lock';
import { Membership } from './msp';
import { Orderer, orderingLimits, type OrderingLimits, type OrderingOptions } from './orderer';
import { loadChaincode, Peer, type ContractClass } from './peer';
import { parsePolicy, type Policy } from './policy';
import { replayCheckedLedger } from './replay';
import { TX_PER_BLOCK_MAX, WorldState } from './state';
import type { SubmitResult } from './transaction';
import { Validator } from './validator';

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
  /** Block cutting and the orderer's queue bound (see `orderer.ts`). */
  ordering?: OrderingOptions;
  /** 'fsync' (default): a commit is reported only once its block is on disk. */
  durability?: 'fsync' | 'none';
};

/** What start has opened before the roles are wired: the channel, its members, the state and the ledger files. */
type Started = {
  options: EmbeddedNetworkOptions;
  channel: ChannelConfig;
  cas: Map<string, CertificateAuthority>;
  membership: Membership;
  state: WorldState;
  files: LedgerFiles;
  limits: OrderingLimits;
  lockFile: string;
};

/**
 * A Fabric network in one process: one CA and one peer per organisation, an orderer that cuts blocks,
 * and a committer that validates each transaction (signatures, endorsement policies, MVCC, phantom
 * reads, duplicate IDs) and commits blocks to disk before applying them. Chaincode runs through
 * fabric-shim's own stub and contract dispatcher, so it takes the same code path as on a peer.
 */
export class EmbeddedNetwork {
  private stopped = false;

  private constructor(
    private readonly started: Started,
    private readonly endorsers: Endorsers,
    private readonly orderer: Orderer,
    private readonly committer: Committer,
    private readonly deliver: DeliverService,
    private readonly gateway: Gateway,
  ) {}

  static async start(options: EmbeddedNetworkOptions): Promise<EmbeddedNetwork> {
    const orgs = [...options.organisations];
    if (orgs.length === 0) throw new Error('EmbeddedNetwork: at least one organisation is needed');
    if (new Set(orgs).size !== orgs.length)
      throw new Error('EmbeddedNetwork: organisations must be distinct');
    const limits = orderingLimits(options.ordering, TX_PER_BLOCK_MAX);
    const threads = options.chaincode.worker?.threads;
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
      throw new Error('EmbeddedNetwork: chaincode.worker.threads must be an integer >= 1');
    }
    const cc = options.chaincode;
    const policy =
      typeof cc.endorsementPolicy === 'string' ? parsePolicy(cc.endorsementPolicy) : cc.endorsementPolicy;
    const channel = new ChannelConfig(options.channel, orgs, cc.name, policy, cc.collections ?? []);
    const lockFile = await acquireDataDir(options.dataDir);
    try {
      return await EmbeddedNetwork.open(options, orgs, channel, limits, lockFile);
    } catch (err) {
      await releaseDataDir(lockFile);
      throw err;
    }
  }

  /** Opens the CAs and the ledger files (checked against the acknowledgement mark), then replays. */
  private static async open(
    options: EmbeddedNetworkOptions,
    orgs: string[],
    channel: ChannelConfig,
    limits: OrderingLimits,
    lockFile: string,
  ): Promise<EmbeddedNetwork> {
    const cas = new Map<string, CertificateAuthority>();
    for (const org of orgs)
      cas.set(org, await CertificateAuthority.open(path.join(options.dataDir, 'ca', org), org));
    const caCertificates = new Map([...cas].map(([org, ca]) => [org, ca.certificatePem]));
    // With endorsing workers, values sit in shared memory that the workers' replicas read.
    const state = new WorldState(orgs, { shareValues: options.chaincode.worker !== undefined });
    const genesis = () =>
      genesisRecord({
        channel: options.channel,
        organisations: orgs,
        chaincode: options.chaincode.name,
        caCertificates: Object.fromEntries(caCertificates),
      });
    const durable = (options.durability ?? 'fsync') === 'fsync';
    const ledgerDir = path.join(options.dataDir, 'ledger');
    const files = await openLedgerFiles(ledgerDir, orgs, durable, genesis);
    const membership = new Membership(caCertificates);
    const started: Started = { options, channel, cas, membership, state, files, limits, lockFile };
    try {
      return await EmbeddedNetwork.replay(started, caCertificates);
    } catch (err) {
      await closeLedgerFiles(files, true);
      throw err;
    }
  }

  /**
   * Replays the checked ledger files into the state while endorsing workers, if any, replay them into their
   * replicas; then marks everything on disk acknowledged (listeners may see it from here on) and wires the roles.
   */
  private static async replay(
    started: Started,
    caCertificates: ReadonlyMap<string, string>,
  ): Promise<EmbeddedNetwork> {
    const { options, channel, cas, state, files } = started;
    const cc = options.chaincode;
    const peerIdentities = new Map<string, Identity>();
    for (const [org, ca] of cas) peerIdentities.set(org, await ca.peerIdentity());
    const worker = cc.worker;
    const pool =
      worker === undefined
        ? undefined
        : startEndorserPool({
            dataDir: options.dataDir,
            height: files.height,
            channel,
            organisations: [...options.organisations],
            chaincode: { name: cc.name, version: cc.version, collections: cc.collections ?? [], worker },
            caCertificates,
            peerIdentities,
          });
    // A pool that failed while this thread was replaying is reported below, not as an unhandled rejection.
    pool?.catch(() => undefined);
    let endorsers: EndorserPool | undefined;
    let previousHash: Buffer;
    try {
      const replayed = replayCheckedLedger(files, state, {
        dataDir: options.dataDir,
        channel: options.channel,
        chaincodeName: cc.name,
        organisations: options.organisations,
        caCertificates,
      });
      previousHash = replayed.previousHash;
      endorsers = await pool;
      // Purged values a stop left on disk go now, once the workers have replayed the same files (purge.ts).
      for (const { org, index, payload } of replayed.leftovers)
        await files.privateFiles.get(org)?.rewrite(index, payload);
      // From here on the workers' replicas, which replayed the same ledger, follow this state's journal.
      if (endorsers !== undefined) state.startJournal();
      // Everything on disk now counts as acknowledged: listeners may see it from here on.
      await files.mark.write(
        acknowledgement(files.height, previousHash, files.blockFile, files.privateFiles),
      );
    } catch (err) {
      await (await pool?.catch(() => undefined))?.stop();
      throw err;
    }
    return EmbeddedNetwork.wire(started, peerIdentities, endorsers, previousHash);
  }

  /** The roles, wired: gateway → endorsers → orderer → committer (with validator) → deliver. */
  private static wire(
    started: Started,
    peerIdentities: ReadonlyMap<string, Identity>,
    pool: EndorserPool | undefined,
    previousHash: Buffer,
  ): EmbeddedNetwork {
    const { options, channel, membership, state, files, limits } = started;
    const cc = options.chaincode;
    const chaincode = loadChaincode(cc.contracts, cc.name, cc.version);
    const lock = new StateLock();
    const peers = new Map<string, Peer>();
    for (const [org, identity] of peerIdentities)
      peers.set(org, new Peer(org, identity, state, channel, chaincode, lock));
    const endorsers = new Endorsers(peers, pool, channel, membership, state);
    const deliver = new DeliverService(files.blockFile, files.height);
    const validator = new Validator(channel, membership, state);
    const committer = new Committer(
      channel,
      state,
      lock,
      files,
      validator,
      endorsers,
      deliver,
      files.height,
      previousHash,
    );
    const orderer = new Orderer(limits, (batch) => committer.commit(batch));
    const gateway = new Gateway(channel, endorsers, orderer);
    return new EmbeddedNetwork(started, endorsers, orderer, committer, deliver, gateway);
  }

  /** The certificate authority of an organisation. */
  ca(mspId: string): CertificateAuthority {
    const ca = this.started.cas.get(mspId);
    if (ca === undefined) throw new Error(`No organisation ${mspId} in this network`);
    return ca;
  }

  /** Bytes of keys and values (history included) the world state holds outside the JavaScript heap. */
  stateBytes(): number {
    return this.started.state.storedBytes;
  }

  /** Proposals endorsed (or evaluated) so far by the main thread's peers and by each worker's. */
  endorsementCounts(): { mainThread: number; workers: number[] } {
    return this.endorsers.counts();
  }

  /** Number of blocks, the genesis block included (so the next block's number). */
  height(): bigint {
    return BigInt(this.committer.height());
  }

  /** Queries one peer: the chaincode runs, nothing is ordered or committed. */
  async evaluate(identity: Identity, req: EvaluateRequest): Promise<Buffer> {
    this.checkOpen();
    return this.gateway.evaluate(identity, req);
  }

  /**
   * Endorses on the chosen peers, orders the transaction and resolves once its block is committed. While the
   * orderer's queue is full it waits for room, and is refused with `OrdererBusyError` if none comes in time.
   */
  async submit(identity: Identity, req: SubmitRequest): Promise<SubmitResult> {
    this.checkOpen();
    return this.gateway.submit(identity, req);
  }

  /**
   * Calls `listener` with every committed block from `startBlock` (default: the next block), first
   * the ones already committed, then each new one as it commits. Returns a function that unsubscribes.
   */
  onBlock(listener: (b: CommittedBlock) => void, opts?: { startBlock?: bigint }): () => void {
    return this.deliver.onBlock(listener, opts);
  }

  /** Waits for transactions in flight to commit, then closes the ledger files. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.orderer.stop();
    await this.endorsers.stop();
    this.deliver.stop();
    await closeLedgerFiles(this.started.files);
    await releaseDataDir(this.started.lockFile);
  }

  private checkOpen(): void {
    if (this.stopped) throw new Error('EmbeddedNetwork is stopped');
    const failure = this.orderer.failure();
    if (failure !== undefined) throw new Error(`EmbeddedNetwork failed: ${failure.message}`);
  }
}
