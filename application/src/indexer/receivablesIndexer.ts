import { EventEmitter, once } from 'node:events';

import type pg from 'pg';

import type { IndexedRecord, Wire } from '../../../chaincode/src/api/receivables';
import { inTransaction } from '../db/pool';
import {
  knownLongTerm,
  readReceivablesNextBlock,
  writeReceivablesNextBlock,
  writeReceivablesRows,
} from '../readModel/receivablesIndex';
import type { ReceivablesBlockSource } from '../receivables/receivablesBlocks';
import { receivablesRows, refsOf, type RecordRef, type ReceivablesNotice } from './receivablesProjection';

/**
 * Reads the records a block's events named from the ledger, as the node may index them (the receivables
 * contract's `indexRecords`, as the bank's system or an auditor: `ReceivablesGateway.indexRecords`).
 */
export type ReceivablesRecordReader = (refs: readonly RecordRef[]) => Promise<readonly Wire<IndexedRecord>[]>;

/** Refs one ledger read takes (the contract's INDEX_REFS_MAX). */
const REFS_PER_READ = 500;

/** Points of one block's apply where a test may crash it: rows written (no checkpoint), both written (no COMMIT). */
export type ReceivablesIndexerStep = 'rows' | 'checkpoint';

export interface ReceivablesIndexerOptions {
  readonly source: ReceivablesBlockSource;
  readonly read: ReceivablesRecordReader;
  readonly pool: pg.Pool;
  readonly institution: string;
  readonly retryDelayMs?: number;
  /** Called after each block whose rows committed. */
  readonly onIndexed?: (blockNumber: bigint, notices: readonly ReceivablesNotice[]) => void;
  /** Test seam: throwing here simulates a crash at that step of a block's SQL transaction. */
  readonly faults?: (step: ReceivablesIndexerStep, blockNumber: bigint) => void | Promise<void>;
  readonly log?: (message: string) => void;
}

/**
 * Follows the blocks this node receives and projects the receivables records their events name into the index
 * (`receivables_records`), block by block, in order. A block's rows and the follower's checkpoint commit in one
 * SQL transaction (the checkpoint row locked and checked first), so a crash anywhere leaves the index at a block
 * boundary and a restart resumes from it: nothing skipped, nothing twice. The events carry ids and statuses only;
 * the records come from the ledger before the SQL transaction opens (no connection waits on the ledger), as they
 * are then, so a replay writes the same rows again (and never a record older than the one stored). A failed
 * block stops the stream and resubscribes from the checkpoint after `retryDelayMs`.
 */
export class ReceivablesIndexer {
  /** The next block to apply: the checkpoint, then each committed block's successor. */
  private next = 0n;
  /** Blocks apply one after another, on this chain. */
  private chain: Promise<void> = Promise.resolve();
  /** The current subscription: its number (blocks of an older one are dropped) and how to end it. */
  private stream: { readonly generation: number; readonly end: () => void } | undefined;
  private generation = 0;
  private stopped = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Emits `indexed` after each block committed (what `waitFor` waits on). */
  private readonly progress = new EventEmitter().setMaxListeners(0);

  private constructor(
    private readonly options: ReceivablesIndexerOptions & { readonly retryDelayMs: number },
  ) {}

  static async start(options: ReceivablesIndexerOptions): Promise<ReceivablesIndexer> {
    const f = new ReceivablesIndexer({ retryDelayMs: 1_000, ...options });
    f.next = (await readReceivablesNextBlock(options.pool, options.institution)) ?? 0n;
    f.subscribe();
    return f;
  }

  /** The next block the follower reads. */
  get nextBlock(): bigint {
    return this.next;
  }

  /** Failed blocks so far (each retried from the checkpoint). */
  get failed(): number {
    return this.failures;
  }

  /** Resolves once the index holds `block`; rejects after `timeoutMs`. */
  async waitFor(block: bigint, timeoutMs = 30_000): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    while (this.next <= block)
      try {
        await once(this.progress, 'indexed', { signal });
      } catch {
        throw new Error(`the receivables index did not reach block ${block} in ${timeoutMs} ms`);
      }
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.endStream();
    await this.chain;
  }

  private endStream(): void {
    this.generation++;
    this.stream?.end();
    this.stream = undefined;
  }

  /** Follows the blocks from `next`; a block of an ended subscription is dropped. */
  private subscribe(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    const apply = (notices: readonly ReceivablesNotice[], blockNumber: bigint) => {
      if (generation === this.generation)
        this.chain = this.chain.then(() => this.apply(generation, notices, blockNumber));
    };
    this.stream = { generation, end: this.options.source.onReceivables(apply, { startBlock: this.next }) };
  }

  /** The block's rows, read from the ledger before any SQL transaction opens. */
  private async rowsOf(notices: readonly ReceivablesNotice[]) {
    const refs = refsOf(notices);
    const list = [...refs.values()];
    const entries: Wire<IndexedRecord>[] = [];
    for (let i = 0; i < list.length; i += REFS_PER_READ)
      entries.push(...(await this.options.read(list.slice(i, i + REFS_PER_READ))));
    const tokens = new Set(entries.filter((e) => e.kind !== 'TRADE').map((e) => tokenOf(e)));
    const flags = await knownLongTerm(this.options.pool, [...tokens]);
    return receivablesRows(entries, refs, flags);
  }

  private async apply(
    generation: number,
    notices: readonly ReceivablesNotice[],
    blockNumber: bigint,
  ): Promise<void> {
    if (generation !== this.generation || this.stopped || blockNumber < this.next) return;
    const { pool, institution, faults } = this.options;
    const expected = this.next;
    try {
      const rows = notices.length === 0 ? [] : await this.rowsOf(notices);
      await inTransaction(pool, async (client) => {
        await writeReceivablesRows(client, rows);
        await faults?.('rows', blockNumber);
        await writeReceivablesNextBlock(client, institution, expected, blockNumber + 1n);
        await faults?.('checkpoint', blockNumber);
      });
      this.next = blockNumber + 1n;
      if (notices.length > 0)
        try {
          this.options.onIndexed?.(blockNumber, notices);
        } catch (e) {
          this.options.log?.(`receivables index listener failed: ${String(e)}`);
        }
      this.progress.emit('indexed');
    } catch (e) {
      this.failures++;
      this.options.log?.(`receivables index: block ${blockNumber} failed (retrying): ${String(e)}`);
      this.endStream();
      if (this.isStopped()) return;
      try {
        this.next = (await readReceivablesNextBlock(pool, institution)) ?? 0n;
      } catch (readError) {
        this.options.log?.(`receivables index checkpoint unreadable: ${String(readError)}`);
      }
      // stop() may have run while the checkpoint was read.
      if (!this.isStopped())
        this.retryTimer = setTimeout(() => {
          this.subscribe();
        }, this.options.retryDelayMs);
    }
  }
}

function tokenOf(e: Wire<IndexedRecord>): string {
  switch (e.kind) {
    case 'TRADE':
      return '';
    case 'TOKEN':
      return e.record.tokenId;
    case 'FINANCING':
      return e.record.financing.tokenId;
    case 'PART':
    case 'MOVE':
    case 'PAYMENT':
      return e.record.tokenId;
  }
}
