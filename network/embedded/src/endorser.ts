/**
 * The endorsers: every organisation's peer on this thread and, with `chaincode.worker`, the same peers in
 * worker threads over replicas of the world state. Each peer checks a proposal itself, as each Fabric endorser
 * does; this module decides where it runs, and keeps the workers' replicas following every committed block.
 */
import type { Identity } from './ca';
import type { ChannelConfig, CollectionConfig } from './channel';
import { EndorsementError } from './errors';
import { EndorserPool, WorkerRejected, type WorkerChaincode } from './endorserPool';
import type { Membership } from './msp';
import {
  checkProposal,
  Peer,
  ProposalRejected,
  type CheckedProposal,
  type Endorsement,
  type SimulationOutcome,
} from './peer';
import type { WorldState } from './state';
import type { Envelope } from './transaction';

/** What the endorsing workers need to start: they replay the ledger's first `height` blocks themselves. */
export type WorkerStart = {
  dataDir: string;
  height: number;
  channel: ChannelConfig;
  organisations: string[];
  chaincode: { name: string; version: string; collections: CollectionConfig[]; worker: WorkerChaincode };
  caCertificates: ReadonlyMap<string, string>;
  peerIdentities: ReadonlyMap<string, Identity>;
};

/** Starts the endorsing workers; they replay the ledger in parallel with this thread. */
export function startEndorserPool(s: WorkerStart): Promise<EndorserPool> {
  const worker = s.chaincode.worker;
  return EndorserPool.start(
    {
      dataDir: s.dataDir,
      height: s.height,
      channel: s.channel.channel,
      organisations: s.organisations,
      chaincode: {
        name: s.chaincode.name,
        version: s.chaincode.version,
        module: worker.module,
        exportName: worker.exportName ?? 'contracts',
        endorsementPolicy: s.channel.chaincodePolicy,
        collections: s.chaincode.collections,
      },
      caCertificates: [...s.caCertificates],
      peers: [...s.peerIdentities],
    },
    worker.threads ?? 1,
  );
}

export class Endorsers {
  private inFlightHere = 0;
  private endorsedHere = 0;
  /** How many of the state's shared slab chunks the endorsing workers have been sent. */
  private chunksSent = 0;

  constructor(
    private readonly peers: ReadonlyMap<string, Peer>,
    private readonly pool: EndorserPool | undefined,
    private readonly channel: ChannelConfig,
    private readonly membership: Membership,
    private readonly state: WorldState,
  ) {}

  /** Proposals endorsed (or evaluated) so far by this thread's peers and by each worker's. */
  counts(): { mainThread: number; workers: number[] } {
    return { mainThread: this.endorsedHere, workers: this.pool === undefined ? [] : [...this.pool.sent] };
  }

  /** Refuses an organisation without a peer in this network. */
  requirePeer(org: string): void {
    this.peerOf(org);
  }

  /** The peer of `org` checks a signed proposal (channel, creator, signature, transaction ID, not committed). */
  check(org: string, bytes: Uint8Array, txId: string): CheckedProposal {
    try {
      return checkProposal(bytes, this.channel, this.membership, (id) => this.state.txIds.has(id));
    } catch (err) {
      if (err instanceof ProposalRejected) throw new EndorsementError(err.message, txId, undefined, org);
      throw err;
    }
  }

  /** Simulates a checked proposal on the peer of `org` and signs the result. */
  endorse(org: string, checked: CheckedProposal, bytes: Uint8Array, txId: string) {
    return this.onChosenPeer(org, bytes, txId, () => this.peerOf(org).endorse(checked), true);
  }

  /** Simulates a checked proposal on the peer of `org`; nothing is signed. */
  simulate(org: string, checked: CheckedProposal, bytes: Uint8Array, txId: string) {
    return this.onChosenPeer(org, bytes, txId, () => this.peerOf(org).simulate(checked), false);
  }

  /**
   * What a committed block changed, to the workers' replicas, before its submitters hear back: whatever they
   * propose next is simulated after it.
   */
  follow(batch: readonly Envelope[]): void {
    if (this.pool === undefined) return;
    const chunks = this.state.sharedChunks(this.chunksSent);
    this.pool.apply(
      this.state.takeJournal(),
      batch.map((tx) => tx.txId),
      { from: this.chunksSent, chunks },
    );
    this.chunksSent += chunks.length;
  }

  async stop(): Promise<void> {
    await this.pool?.stop();
  }

  private peerOf(org: string): Peer {
    const p = this.peers.get(org);
    if (p === undefined) throw new Error(`No peer for organisation ${org} in this network`);
    return p;
  }

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
      return this.onWorker(this.pool, org, bytes, txId, endorse);
    this.inFlightHere++;
    this.endorsedHere++;
    try {
      return await here();
    } finally {
      this.inFlightHere--;
    }
  }

  private async onWorker(
    pool: EndorserPool,
    org: string,
    bytes: Uint8Array,
    txId: string,
    endorse: boolean,
  ): Promise<SimulationOutcome | Endorsement> {
    try {
      return await pool.run(org, bytes, endorse);
    } catch (err) {
      if (err instanceof WorkerRejected) throw new EndorsementError(err.message, txId, undefined, org);
      throw err;
    }
  }
}
