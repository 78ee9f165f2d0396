/**
 * The deliver service: block events for listeners (the indexers), every block in order from the one they ask
 * for. A listener that keeps up is called in the commit's own step, before the submitters hear back, from the
 * latest blocks kept in memory; one further behind (catching up) gets older blocks read back from the block
 * file.
 */
import { summariseBlock, type BlockJson, type CommittedBlock } from './block';
import type { RecordFile } from './recordFile';

/**
 * Block summaries kept in memory for listeners; a listener further behind reads from disk. A listener that
 * keeps up gets each block in the commit's own step, so a few suffice; each summary lists every write of
 * its transactions (1,500 for a batch of 500 legs), and holding 64 of them made the young-generation
 * collector copy and promote them all.
 */
const RECENT_BLOCKS = 8;

type Listener = {
  fn: (b: CommittedBlock) => void;
  next: number;
  pumping: boolean;
};

export class DeliverService {
  /** The latest blocks' summaries; older ones are read back from the block file when a listener asks. */
  private readonly recent = new Map<number, CommittedBlock>();
  private readonly listeners = new Set<Listener>();
  private stopped = false;

  constructor(
    private readonly blockFile: RecordFile,
    /** Blocks committed, the genesis block included. */
    private height: number,
  ) {}

  /**
   * Calls `listener` with every committed block from `startBlock` (default: the next block), first
   * the ones already committed, then each new one as it commits. Returns a function that unsubscribes.
   */
  onBlock(listener: (b: CommittedBlock) => void, opts?: { startBlock?: bigint }): () => void {
    const start = opts?.startBlock === undefined ? this.height : Number(opts.startBlock);
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

  /** A block just committed: kept among the recent ones and delivered to every listener that is up to it. */
  publish(block: CommittedBlock): void {
    const number = Number(block.number);
    this.height = number + 1;
    this.recent.set(number, block);
    this.recent.delete(number - RECENT_BLOCKS);
    for (const sub of this.listeners) this.pump(sub);
  }

  /** Drops every listener; a block being read back for one is not delivered. */
  stop(): void {
    this.stopped = true;
    this.listeners.clear();
  }

  // Delivers blocks in order: recent ones from memory, older ones read back from the block file.
  private pump(sub: Listener): void {
    if (sub.pumping) return;
    sub.pumping = true;
    let reading = false;
    try {
      while (this.listeners.has(sub) && sub.next < this.height) {
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
      while (this.listeners.has(sub) && sub.next < this.height) {
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
    return summariseBlock(JSON.parse((await this.blockFile.read(n)).toString('utf8')) as BlockJson);
  }
}
