import type pg from 'pg';

import type { ChangeNotice, LedgerGateway } from '../ledger/ledgerGateway';
import { inTransaction } from '../db/pool';
import { applyProjection } from '../readModel/applyProjection';
import { readCheckpoint, type Checkpoint } from '../readModel/checkpoint';
import { ownLegsMissing } from '../readModel/read/ownLegs';
import { indexedTransactions } from '../readModel/read/transactions';
import { comparePositions, type Position } from '../readModel/rows';
import { nameBreakPeople } from '../readModel/write/breakPeople';
import { writeOwnLegs } from '../readModel/write/ownLegs';
import { rememberCaseReferences } from '../readModel/write/caseReferences';
import type { DiscoveredCase } from '../notices/nodeNotices';
import { sealKey } from '../../../chaincode/src/ledger/seal';
import { ownLegDetails, type OwnLegReader } from './ownLegs';
import { ownLegKeys, peopleKeys } from './people';
import { mergeProjections, openPeople, project } from './projection';
import { Waiters } from './waiters';

/** Own legs fetched per repair step (one ledger query, one SQL transaction). */
const REPAIR_LEGS_PER_STEP = 1_000;

/**
 * The points of one apply where a test may inject a crash. begin: before BEGIN; rows: rows written, no
 * checkpoint; checkpoint: both written, before COMMIT; commit: after COMMIT.
 */
export type IndexerStep = 'begin' | 'rows' | 'checkpoint' | 'commit';

export type FaultHook = (
  step: IndexerStep,
  context: { readonly notices: readonly ChangeNotice[]; readonly client: pg.PoolClient },
) => void | Promise<void>;

export interface BlockIndexerOptions {
  /** The change stream; with `height` (blocks on the ledger), start refuses an index ahead of the ledger. */
  readonly gateway: Pick<LedgerGateway, 'onChanges'> & { readonly height?: () => bigint };
  readonly pool: pg.Pool;
  /** The MSP ID whose index this is: decides `is_party`, own legs and the open-breaks queue. */
  readonly institution: string;
  /**
   * Reads the institution's own legs from its private collection on the ledger: each batch's own legs are
   * written with its rows and checkpoint, and own legs an older index lacks are fetched at start. Without it
   * the index holds the public facts only (tests of the public projection).
   */
  readonly ownLegs?: OwnLegReader;
  /**
   * Opens the notices of the batch's new cases addressed to this institution (application/src/notices): each
   * case it learns of this way has its reference kept with the batch's rows, in the same SQL transaction.
   */
  readonly caseNotices?: {
    discover(changes: readonly ChangeNotice[]): Promise<readonly DiscoveredCase[]>;
  };
  /** Transactions applied per SQL transaction at most (catch-up groups them; live changes go one by one). */
  readonly batchTransactionsMax?: number;
  /** Legs per SQL transaction at most (a batch always takes at least one ledger transaction). */
  readonly batchLegsMax?: number;
  /** Notices buffered before the subscription pauses; it resumes from the last buffered block. */
  readonly queueHighWater?: number;
  /** Wait before re-subscribing from the checkpoint after a failed apply. */
  readonly retryDelayMs?: number;
  /** Test seam: called at each step of every apply; throwing there simulates a crash at that point. */
  readonly faults?: FaultHook;
  readonly log?: (message: string) => void;
}

export type IndexedListener = (checkpoint: Checkpoint, notices: readonly ChangeNotice[]) => void;

const DEFAULTS: Required<
  Pick<BlockIndexerOptions, 'batchTransactionsMax' | 'batchLegsMax' | 'queueHighWater' | 'retryDelayMs'>
> = {
  batchTransactionsMax: 256,
  batchLegsMax: 5_000,
  queueHighWater: 1_024,
  retryDelayMs: 1_000,
};

/**
 * Follows the ledger's change stream from the checkpoint and applies it to the index, each batch of
 * transactions together with the new checkpoint in one SQL transaction. The stream may repeat (a resubscribe,
 * a restart): whatever is at or before the checkpoint is skipped, and `applyProjection` refuses anything out
 * of order. A failed apply stops the stream, drops the buffer and resubscribes from the checkpoint after a
 * delay, so a failure delays changes but never skips one.
 */
export class BlockIndexer {
  private readonly options: Required<
    Omit<BlockIndexerOptions, 'faults' | 'log' | 'ownLegs' | 'caseNotices'>
  > &
    Pick<BlockIndexerOptions, 'faults' | 'log' | 'ownLegs' | 'caseNotices'>;
  private current: Checkpoint | undefined;
  private queue: ChangeNotice[] = [];
  /** The newest notice accepted into the queue (or the checkpoint): anything not after it is a repeat. */
  private lastAccepted: Position | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Bumped on every (re)subscription: notices still arriving from an older one are dropped. */
  private generation = 0;
  private paused = false;
  private draining: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners = new Set<IndexedListener>();
  private readonly waiters = new Waiters<{
    readonly txId: string;
    readonly test: (n: readonly ChangeNotice[]) => boolean;
  }>();
  private failures = 0;
  private error: unknown;
  private repairTimer: NodeJS.Timeout | undefined;
  private repairing: Promise<void> | undefined;

  private constructor(options: BlockIndexerOptions) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Reads the checkpoint and subscribes from its block (from block 0 for an empty index). */
  static async start(options: BlockIndexerOptions): Promise<BlockIndexer> {
    const indexer = new BlockIndexer(options);
    const cp = await readCheckpoint(options.pool);
    if (cp && cp.institution !== options.institution)
      throw new Error(`this index belongs to ${cp.institution}, not ${options.institution}`);
    // An index holding a block the ledger does not have means the ledger lost acknowledged blocks: following
    // it would silently wait for, or re-index differently, what the index already shows.
    const height = options.gateway.height?.();
    if (cp && height !== undefined && cp.blockNumber >= height)
      throw new Error(
        `the index of ${cp.institution} is ahead of the ledger: its checkpoint is block ${cp.blockNumber} (tx ${cp.txIndex}), the ledger's last block is ${height - 1n}. The ledger lost blocks this index holds: restore the ledger, or rebuild the index from it (drop its schema)`,
      );
    indexer.current = cp;
    indexer.subscribe();
    indexer.repairing = indexer.repairOwnLegs();
    return indexer;
  }

  /**
   * Fetches from the ledger the own legs the index knows publicly but lacks in plaintext (an index written
   * before own legs came from the ledger, or by a node whose own-leg write was lost), until none is missing.
   * A failure is retried after `retryDelayMs`: the gap is closed, never left.
   */
  private async repairOwnLegs(): Promise<void> {
    const { ownLegs, pool, institution } = this.options;
    if (!ownLegs) return;
    let repaired = 0;
    try {
      while (!this.stopped) {
        const missing = await ownLegsMissing(pool, institution, REPAIR_LEGS_PER_STEP);
        if (missing.length === 0) break;
        const rows = await ownLegDetails(missing, ownLegs);
        repaired += await inTransaction(pool, async (client) => {
          const written = await writeOwnLegs(client, institution, rows);
          // With its legs, the node holds the cases' references: it names what it indexed sealed before.
          await nameBreakPeople(client, ownLegKeys(rows));
          return written;
        });
        if (missing.length < REPAIR_LEGS_PER_STEP) break;
      }
      if (repaired > 0) this.options.log?.(`own legs: ${repaired} fetched from the ledger into the index`);
    } catch (e) {
      this.options.log?.(`own legs: repair failed (retrying): ${String(e)}`);
      if (!this.stopped)
        this.repairTimer = setTimeout(() => {
          this.repairTimer = undefined;
          this.repairing = this.repairOwnLegs();
        }, this.options.retryDelayMs);
    }
  }

  get checkpoint(): Checkpoint | undefined {
    return this.current;
  }

  /** Failed applies so far, and the last error (cleared by the next successful apply). */
  get health(): { failures: number; lastError: unknown } {
    return { failures: this.failures, lastError: this.error };
  }

  /** Called after each committed batch. A listener that throws is logged; indexing goes on. */
  onIndexed(listener: IndexedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once the transaction `txId` (committed in `blockNumber`) is in the index, or the index has passed
   * its block (a transaction that changed nothing emits no notice).
   */
  async waitFor(tx: { txId: string; blockNumber: bigint }, timeoutMs = 30_000): Promise<void> {
    const waiting = this.waiters.wait(
      {
        txId: tx.txId,
        test: (notices) =>
          notices.some((n) => n.txId === tx.txId) || (this.current?.blockNumber ?? -1n) > tx.blockNumber,
      },
      timeoutMs,
      () => `index did not reach tx ${tx.txId} (block ${tx.blockNumber}) in ${timeoutMs} ms`,
    );
    await this.settleWaitersFromDb();
    return waiting;
  }

  /** A waiter whose transaction is already in the index (before it waited, or committed just before a crash). */
  private async settleWaitersFromDb(): Promise<void> {
    const pending = new Set(this.waiters.points());
    if (pending.size === 0) return;
    const found = await indexedTransactions(
      this.options.pool,
      [...pending].map((w) => w.txId),
    );
    this.waiters.settle((w) => pending.has(w) && (found.has(w.txId) || w.test([])));
  }

  /** Stops following the ledger and waits for the apply in progress to finish (commit or roll back). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.repairTimer);
    this.unsubscribeNow();
    this.queue = [];
    await this.draining;
    await this.repairing;
  }

  private subscribe(): void {
    if (this.stopped) return;
    const from = this.lastAccepted ?? this.current;
    this.lastAccepted = from;
    const generation = ++this.generation;
    this.paused = false;
    this.unsubscribe = this.options.gateway.onChanges(
      (notice) => {
        this.receive(generation, notice);
      },
      { startBlock: from?.blockNumber ?? 0n },
    );
  }

  private unsubscribeNow(): void {
    this.generation++;
    const off = this.unsubscribe;
    this.unsubscribe = undefined;
    off?.();
  }

  private receive(generation: number, notice: ChangeNotice): void {
    if (generation !== this.generation || this.stopped) return;
    if (this.lastAccepted && comparePositions(notice, this.lastAccepted) <= 0) return;
    this.lastAccepted = { blockNumber: notice.blockNumber, txIndex: notice.txIndex };
    this.queue.push(notice);
    if (this.queue.length >= this.options.queueHighWater && !this.paused) {
      // Back-pressure: the ledger pushes blocks as fast as it has them; stop until the queue drains.
      this.unsubscribeNow();
      this.paused = true;
    }
    this.kick();
  }

  private kick(): void {
    if (this.draining || this.stopped) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0 && !this.stopped) this.kick();
    });
  }

  private takeBatch(): ChangeNotice[] {
    const batch: ChangeNotice[] = [];
    let legs = 0;
    while (this.queue.length > 0 && batch.length < this.options.batchTransactionsMax) {
      const next = this.queue[0];
      if (!next) break;
      if (batch.length > 0 && legs + next.legs.length > this.options.batchLegsMax) break;
      batch.push(next);
      legs += next.legs.length;
      this.queue.shift();
    }
    return batch;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const batch = this.takeBatch();
      try {
        await this.apply(batch);
      } catch (e) {
        await this.recover(e);
        return;
      }
      if (this.paused && this.queue.length <= this.options.queueHighWater / 4) this.subscribe();
    }
  }

  private async apply(notices: readonly ChangeNotice[]): Promise<void> {
    const { pool, institution, faults, ownLegs, caseNotices } = this.options;
    const merged = mergeProjections(notices.map((n) => project(n, institution)));
    // Read before taking a connection: no SQL transaction stays open while the ledger answers.
    const own = ownLegs ? await ownLegDetails(merged.legs, ownLegs) : undefined;
    const withOwn = own ? { ...merged, ownLegs: own, peopleKeys: ownLegKeys(own) } : merged;
    // New cases whose notice names this institution: the node holds their references from this batch on.
    const discovered = caseNotices ? await caseNotices.discover(notices) : [];
    const noticeKeys = new Map(discovered.map((d) => [d.caseId, sealKey(d.reference, d.caseId, 'people')]));
    const withFound =
      noticeKeys.size === 0
        ? withOwn
        : { ...withOwn, peopleKeys: new Map([...(withOwn.peopleKeys ?? []), ...noticeKeys]) };
    // The breaks' persons, named for the cases whose reference the node holds (this batch's own legs included).
    const known = await peopleKeys(pool, institution, withFound);
    const projection = openPeople(
      withFound,
      institution,
      (caseId) => known(caseId) ?? noticeKeys.get(caseId),
    );
    const client = await pool.connect();
    let committed = false;
    let broken: Error | undefined;
    let checkpoint: Checkpoint;
    try {
      await faults?.('begin', { notices, client });
      await client.query('BEGIN');
      checkpoint = await applyProjection(client, projection, institution, async () => {
        await faults?.('rows', { notices, client });
      });
      // One statement for the batch: a statement per case cost the member API several times its work per leg.
      await rememberCaseReferences(client, institution, discovered);
      await faults?.('checkpoint', { notices, client });
      await client.query('COMMIT');
      committed = true;
      await faults?.('commit', { notices, client });
    } catch (e) {
      if (!committed) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
      }
      throw e;
    } finally {
      client.release(broken);
    }
    this.current = checkpoint;
    this.error = undefined;
    for (const listener of this.listeners) {
      try {
        listener(checkpoint, notices);
      } catch (e) {
        this.options.log?.(`index listener failed: ${String(e)}`);
      }
    }
    this.waiters.settle((w) => w.test(notices));
  }

  /**
   * After a failed apply nothing of the batch is trusted: drop the buffer, re-read the checkpoint (the commit
   * may have landed before the failure) and resubscribe from it after a delay.
   */
  private async recover(e: unknown): Promise<void> {
    this.failures++;
    this.error = e;
    this.options.log?.(`index apply failed (retrying from the checkpoint): ${String(e)}`);
    this.unsubscribeNow();
    this.queue = [];
    this.lastAccepted = undefined;
    try {
      this.current = await readCheckpoint(this.options.pool);
      await this.settleWaitersFromDb();
    } catch (readError) {
      this.options.log?.(`index checkpoint unreadable: ${String(readError)}`);
    }
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) this.subscribe();
    }, this.options.retryDelayMs);
  }
}
