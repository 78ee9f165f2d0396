import type pg from 'pg';

import { inTransaction } from '../db/pool';
import { blacklistNoticesOf } from '../ledger/blacklistNotices';
import type { BlockEventStream } from '../ledger/blockEvents';
import { Waiters } from '../indexer/waiters';
import { disputeChangesOf, matchAlerts, ownChangesOf, subjectKeysOf, type BlacklistNotice } from './matcher';
import {
  insertAlerts,
  readNextBlock,
  watchedKeys,
  writeDisputes,
  writeNextBlock,
  writeOwnEntries,
  type Alert,
} from '../readModel/blacklistAlerts';

export interface AlertFollowerOptions {
  /** The node's ledger connection's change stream (`LedgerConnection.changes(mspId)`), on either backend. */
  readonly source: BlockEventStream;
  readonly pool: pg.Pool;
  /** The institution whose watchlist this node keeps. */
  readonly institution: string;
  /** Each new alert, after its SQL transaction committed (the node's live stream to browsers). */
  readonly onAlert?: (alert: Alert) => void;
  readonly log?: (message: string) => void;
}

/**
 * Follows the blocks this node receives and raises an alert when another member's entry about a watched subject
 * changes. Blocks are applied one at a time, in order: the alerts of a block and the follower's checkpoint commit
 * in one SQL transaction, and an alert's unique key (transaction, watch, entry) makes a replay harmless, so a
 * restart resumes from the checkpoint without losing or repeating an alert. It also projects the institution's
 * own entry changes (its contributions, `blacklist_own_entries`) and the disputes (`blacklist_disputes`). A failed block stops the follower's stream and
 * resubscribes from the checkpoint after `retryDelayMs`.
 */
export class AlertFollower {
  private next = 0n;
  private unsubscribe: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private generation = 0;
  private readonly waiters = new Waiters<bigint>();

  private constructor(private readonly options: AlertFollowerOptions & { readonly retryDelayMs: number }) {}

  static async start(
    options: AlertFollowerOptions & { readonly retryDelayMs?: number },
  ): Promise<AlertFollower> {
    const f = new AlertFollower({ retryDelayMs: 1_000, ...options });
    const saved = await readNextBlock(options.pool, options.institution);
    // A new node reads from block 0: its own contributions are projected from the first; a watch alerts only
    // about blocks after it was added, so old listings raise nothing.
    f.next = saved ?? 0n;
    if (saved === undefined) await writeNextBlock(options.pool, options.institution, f.next);
    f.subscribe();
    return f;
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  /** The next block the follower reads. */
  get nextBlock(): bigint {
    return this.next;
  }

  /** Resolves once the follower has applied `block` (tests and the bench wait on it). */
  waitFor(block: bigint, timeoutMs = 30_000): Promise<void> {
    if (this.next > block) return Promise.resolve();
    return this.waiters.wait(
      block,
      timeoutMs,
      () => `the alert follower did not reach block ${String(block)} in ${String(timeoutMs)} ms`,
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.unsubscribe?.();
    await this.chain;
  }

  private subscribe(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.unsubscribe = this.options.source.onBlockEvents(
      (transactions, blockNumber) => {
        if (generation !== this.generation) return;
        const notices = blacklistNoticesOf(blockNumber, transactions);
        this.chain = this.chain.then(() => this.apply(generation, notices, blockNumber));
      },
      { startBlock: this.next },
    );
  }

  private async apply(
    generation: number,
    notices: readonly BlacklistNotice[],
    blockNumber: bigint,
  ): Promise<void> {
    if (generation !== this.generation || this.stopped || blockNumber < this.next) return;
    const { pool, institution } = this.options;
    const next = blockNumber + 1n;
    try {
      const keys = subjectKeysOf(institution, notices);
      const own = ownChangesOf(institution, notices);
      const disputes = disputeChangesOf(notices);
      let alerts: Alert[] = [];
      if (keys.length > 0 || own.length > 0 || disputes.length > 0)
        alerts = await inTransaction(pool, async (client) => {
          await writeOwnEntries(client, institution, own);
          await writeDisputes(client, institution, disputes);
          const drafts = matchAlerts(institution, notices, await watchedKeys(client, institution, keys));
          const inserted = await insertAlerts(client, institution, drafts);
          await writeNextBlock(client, institution, next);
          return inserted;
        });
      // Every block moves the checkpoint: a watch added now takes it as the block after which it alerts.
      else await writeNextBlock(pool, institution, next);
      this.next = next;
      for (const a of alerts)
        try {
          this.options.onAlert?.(a);
        } catch (e) {
          this.options.log?.(`blacklist alert listener failed: ${String(e)}`);
        }
      this.waiters.settle((b) => b < this.next);
    } catch (e) {
      this.options.log?.(`blacklist alerts: block ${String(blockNumber)} failed (retrying): ${String(e)}`);
      this.generation++;
      this.unsubscribe?.();
      // stop() may have run while this block was applied.
      if (!this.isStopped())
        this.retryTimer = setTimeout(() => {
          this.subscribe();
        }, this.options.retryDelayMs);
    }
  }
}
