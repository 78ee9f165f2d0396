/**
 * The orderer: takes endorsed transactions in arrival order, cuts them into blocks (Fabric's block cutter: a
 * block is cut when `maxTxPerBlock` transactions wait or `batchTimeoutMs` after the first one arrived) and hands
 * each block to the committer, one at a time. While one block is being committed the next batch keeps filling,
 * so under load blocks grow toward maxTxPerBlock and the disk sees one sync per block.
 *
 * Bounded: at most `queueTxMax` transactions wait to be cut. When the queue is full, a submit waits for room, in
 * arrival order, as Fabric's Raft leader stops taking submissions while `MaxInflightBlocks` blocks are in flight
 * and the broadcast waits; a submit that finds no room within `queueWaitMsMax` (Fabric's gateway
 * `broadcastTimeout`, 30 s), or finds `queueTxMax` submits already waiting, is refused with `OrdererBusyError`,
 * which is safe to retry: nothing of it was ordered.
 */
import { OrdererBusyError } from './errors';
import type { Envelope } from './transaction';

export type OrderingOptions = {
  /** Transactions per block (Fabric's BatchSize.MaxMessageCount); default 500. */
  maxTxPerBlock?: number;
  /** How long the first transaction of a block waits for others (Fabric's BatchTimeout); default 2 ms. */
  batchTimeoutMs?: number;
  /** Transactions waiting to be cut into a block, at most; default four blocks' worth (4 × maxTxPerBlock). */
  queueTxMax?: number;
  /** How long a submit waits for room in a full queue before it is refused; default 30,000 ms. */
  queueWaitMsMax?: number;
};

export type OrderingLimits = Required<OrderingOptions>;

const DEFAULT_MAX_TX_PER_BLOCK = 500;
const DEFAULT_BATCH_TIMEOUT_MS = 2;
/** The default queue bound, in blocks: about Fabric's MaxInflightBlocks (5) less the one being committed. */
const DEFAULT_QUEUE_BLOCKS = 4;
/** Fabric's gateway `broadcastTimeout`: how long a transaction may wait for the orderer to take it. */
const DEFAULT_QUEUE_WAIT_MS_MAX = 30_000;

/** The ordering options with their defaults, checked; `txPerBlockMax` is what a block number can index. */
export function orderingLimits(options: OrderingOptions | undefined, txPerBlockMax: number): OrderingLimits {
  const maxTxPerBlock = options?.maxTxPerBlock ?? DEFAULT_MAX_TX_PER_BLOCK;
  if (!Number.isInteger(maxTxPerBlock) || maxTxPerBlock < 1 || maxTxPerBlock >= txPerBlockMax) {
    throw new Error(`EmbeddedNetwork: ordering.maxTxPerBlock must be an integer in [1, ${txPerBlockMax})`);
  }
  const queueTxMax = options?.queueTxMax ?? DEFAULT_QUEUE_BLOCKS * maxTxPerBlock;
  if (!Number.isSafeInteger(queueTxMax) || queueTxMax < maxTxPerBlock) {
    throw new Error('EmbeddedNetwork: ordering.queueTxMax must be an integer >= ordering.maxTxPerBlock');
  }
  const queueWaitMsMax = options?.queueWaitMsMax ?? DEFAULT_QUEUE_WAIT_MS_MAX;
  if (!(queueWaitMsMax >= 0)) throw new Error('EmbeddedNetwork: ordering.queueWaitMsMax must be >= 0');
  return {
    maxTxPerBlock,
    batchTimeoutMs: options?.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS,
    queueTxMax,
    queueWaitMsMax,
  };
}

type Waiting = { tx: Envelope; since: number; timer: NodeJS.Timeout };

export class Orderer {
  private queue: Envelope[] = [];
  /** Submits waiting for room in a full queue, in arrival order; at most `queueTxMax`. */
  private readonly waiting = new Set<Waiting>();
  private timer: NodeJS.Timeout | undefined;
  private cutting: Promise<void> | undefined;
  private stopped = false;
  /** Set when a block failed to commit: every later transaction is refused with it. */
  private failed: Error | undefined;

  constructor(
    private readonly limits: OrderingLimits,
    /** The committer: validates, writes and applies one block; its failure stops the network. */
    private readonly commit: (batch: Envelope[]) => Promise<void>,
  ) {}

  /** Why the network takes no more transactions: a block that failed to commit. */
  failure(): Error | undefined {
    return this.failed;
  }

  /** Takes a transaction for ordering; its outcome reaches its own resolve/reject. */
  broadcast(tx: Envelope): void {
    if (this.stopped) {
      tx.reject(new Error('EmbeddedNetwork is stopped'));
      return;
    }
    if (this.queue.length >= this.limits.queueTxMax) {
      this.wait(tx);
      return;
    }
    this.queue.push(tx);
    if (this.cutting !== undefined) return; // the running loop takes it next
    if (this.queue.length >= this.limits.maxTxPerBlock) {
      void this.cutBlocks();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.cutBlocks();
      }, this.limits.batchTimeoutMs);
    }
  }

  /** Takes no more transactions, refuses those waiting for room, and waits for the queue to be committed. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiting) {
      clearTimeout(w.timer);
      w.tx.reject(new Error('EmbeddedNetwork is stopped'));
    }
    this.waiting.clear();
    await this.cutBlocks();
  }

  private wait(tx: Envelope): void {
    const { queueTxMax, queueWaitMsMax } = this.limits;
    if (this.waiting.size >= queueTxMax) {
      tx.reject(new OrdererBusyError(tx.txId, queueTxMax, 0));
      return;
    }
    const w: Waiting = {
      tx,
      since: performance.now(),
      timer: setTimeout(() => {
        this.waiting.delete(w);
        tx.reject(new OrdererBusyError(tx.txId, queueTxMax, Math.round(performance.now() - w.since)));
      }, queueWaitMsMax),
    };
    this.waiting.add(w);
  }

  /** Moves waiting submits into the queue while it has room, first come first served. */
  private admitWaiting(): void {
    for (const w of this.waiting) {
      if (this.queue.length >= this.limits.queueTxMax) return;
      clearTimeout(w.timer);
      this.waiting.delete(w);
      this.queue.push(w.tx);
    }
  }

  /** Cuts and commits blocks while transactions wait; one loop at a time. */
  private cutBlocks(): Promise<void> {
    if (this.cutting !== undefined) return this.cutting;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.cutting = (async () => {
      try {
        while (this.queue.length > 0) {
          const batch = this.queue.splice(0, this.limits.maxTxPerBlock);
          if (this.waiting.size > 0) this.admitWaiting();
          const failed = this.failed;
          if (failed !== undefined) {
            for (const tx of batch) tx.reject(new Error(`EmbeddedNetwork failed: ${failed.message}`));
            continue;
          }
          try {
            await this.commit(batch);
          } catch (err) {
            this.failed = err as Error;
            for (const tx of batch) tx.reject(err as Error);
          }
        }
      } finally {
        this.cutting = undefined;
      }
    })();
    return this.cutting;
  }
}
