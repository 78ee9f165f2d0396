/**
 * The committer: takes each block the orderer cuts, has the validator decide every transaction's code, makes
 * the block durable, applies its valid transactions to the world state, and only then tells anyone: the
 * endorsing workers' replicas, the deliver service's listeners, and last the submitters.
 *
 * A block is made durable in this order: its private data appended and synced, the block appended and synced,
 * the acknowledgement mark rewritten and synced. So a block is acknowledged exactly when the mark covers it, and
 * a block on disk never lacks its private data.
 */
import type { AckMark } from './ackMark';
import {
  blockHeaderHash,
  encodeBlock,
  isoTimestamp,
  type CommittedBlock,
  type CommittedTransaction,
} from './block';
import type { ChannelConfig } from './channel';
import { acknowledgement } from './dataDir';
import type { DeliverService } from './deliver';
import type { Endorsers } from './endorser';
import { TransactionInvalidError, type ValidationCode } from './errors';
import { JsonParts, release } from './jsonParts';
import type { StateLock } from './lock';
import { purgesOfBlock, scrubPrivateFile } from './purge';
import type { RecordFile } from './recordFile';
import { privateWritesToJson } from './rwset';
import { packVersion, type TxMeta, type WorldState } from './state';
import { applyPrivate, applyPublic, privateWritesByMember } from './stateUpdates';
import type { Envelope } from './transaction';
import type { Validator } from './validator';

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

/** Where the committer writes: the ledger's files and its acknowledgement mark. */
export type CommitterFiles = {
  blockFile: RecordFile;
  privateFiles: ReadonlyMap<string, RecordFile>;
  mark: AckMark;
};

export class Committer {
  constructor(
    private readonly channel: ChannelConfig,
    private readonly state: WorldState,
    private readonly lock: StateLock,
    private readonly files: CommitterFiles,
    private readonly validator: Validator,
    private readonly endorsers: Endorsers,
    private readonly deliver: DeliverService,
    /** Blocks on the ledger, the genesis block included: the next block's number. */
    private nextBlock: number,
    /** The last block's header hash. */
    private previousHash: Buffer,
  ) {}

  /** Number of blocks, the genesis block included (so the next block's number). */
  height(): number {
    return this.nextBlock;
  }

  /** Validates, writes and applies one block, then answers its submitters. */
  async commit(batch: Envelope[]): Promise<void> {
    const number = this.nextBlock;
    const codes = this.validator.validate(batch);
    const { pieces, dataHash } = encodeBlock(number, this.previousHash, batch, codes);
    const headerHash = await this.persist(number, batch, codes, pieces, dataHash);
    const transactions = await this.apply(number, batch, codes);
    const block: CommittedBlock = {
      number: BigInt(number),
      previousHash: this.previousHash.toString('hex'),
      dataHash: dataHash.toString('hex'),
      transactions,
    };
    this.previousHash = headerHash;
    this.nextBlock = number + 1;
    this.endorsers.follow(batch);
    this.deliver.publish(block);
    answer(batch, codes, block.number);
  }

  /**
   * The durable steps, in order: private data, the block, the mark. Synced before anyone hears of the block:
   * from here on it must never vanish (see AckMark). Returns the block's header hash.
   */
  private async persist(
    number: number,
    batch: readonly Envelope[],
    codes: readonly ValidationCode[],
    pieces: Buffer[],
    dataHash: Buffer,
  ): Promise<Buffer> {
    const { blockFile, privateFiles, mark } = this.files;
    await Promise.all(
      [...this.privateDataByMember(batch, codes)].map(async ([org, txs]) => {
        const bytes = new JsonParts().value({ block: number, txs }).bytes();
        await (privateFiles.get(org) as RecordFile).append([bytes]);
        release(bytes);
      }),
    );
    commitStepHook?.('private-data-written', number);
    await blockFile.append([pieces]);
    commitStepHook?.('block-written', number);
    const headerHash = blockHeaderHash(number, this.previousHash, dataHash);
    await mark.write(acknowledgement(number + 1, headerHash, blockFile, privateFiles));
    commitStepHook?.('acknowledged', number);
    await this.scrubPurged(number, batch, codes);
    return headerHash;
  }

  /**
   * Purged private data leaves the disk (purge.ts): after the block is acknowledged, the members' private-data
   * logs lose every earlier value of a key this block purged. Rewrites in place: the mark's counts stay true.
   */
  private async scrubPurged(
    number: number,
    batch: readonly Envelope[],
    codes: readonly ValidationCode[],
  ): Promise<void> {
    const purges = purgesOfBlock(number, batch, codes);
    if (purges.size === 0) return;
    const orgs = new Set(purges.collections().flatMap((c) => [...this.channel.collection(c).members]));
    for (const org of orgs) {
      const file = this.files.privateFiles.get(org);
      if (file !== undefined) await scrubPrivateFile(file, purges);
    }
  }

  /** Each member organisation's private data of the block's valid transactions, by transaction number. */
  private privateDataByMember(
    batch: readonly Envelope[],
    codes: readonly ValidationCode[],
  ): Map<string, [number, unknown][]> {
    const byOrg = new Map<string, [number, unknown][]>();
    for (const [i, tx] of batch.entries()) {
      if (codes[i] !== 'VALID') continue;
      for (const [org, writes] of privateWritesByMember(this.channel, tx.privateWrites)) {
        let list = byOrg.get(org);
        if (list === undefined) byOrg.set(org, (list = []));
        list.push([i, privateWritesToJson(writes)]);
      }
    }
    return byOrg;
  }

  /** Applies the valid transactions under the state lock; every transaction ID is recorded, valid or not. */
  private async apply(
    number: number,
    batch: readonly Envelope[],
    codes: readonly ValidationCode[],
  ): Promise<CommittedTransaction[]> {
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
    return summaries;
  }
}

/** The submitters hear back last: a valid transaction's result, or its validation code. */
function answer(batch: readonly Envelope[], codes: readonly ValidationCode[], blockNumber: bigint): void {
  for (const [i, tx] of batch.entries()) {
    const code = codes[i] as ValidationCode;
    if (code === 'VALID') {
      tx.resolve({
        txId: tx.txId,
        blockNumber,
        result: tx.result,
        ...(tx.event === undefined ? {} : { event: tx.event }),
      });
    } else {
      tx.reject(new TransactionInvalidError(code, tx.txId, blockNumber));
    }
    // The action is on disk and nothing reads it again (see `release`).
    release(tx.actionBytes);
  }
}
