/**
 * Replay at start (Fabric's ledger recovery): the blocks on disk, checked to chain from the genesis block to
 * the acknowledged one, re-applied to an empty world state, then the private data committed with them. There
 * are no state snapshots: a restart replays the whole block file.
 */
import * as path from 'node:path';
import { blockHeaderHash, type BlockJson } from './block';
import { BLOCKS_FILE, type LedgerFiles } from './dataDir';
import { Purges, scrubbedRecord } from './purge';
import { RecordFile } from './recordFile';
import { privateWritesFromJson, rwsetFromJson } from './rwset';
import { packVersion, type TxMeta, type WorldState } from './state';
import { applyPrivate, applyPublic } from './stateUpdates';

/** What the data directory was opened for; the genesis block must say the same. */
export type ChannelIdentity = {
  dataDir: string;
  channel: string;
  chaincodeName: string;
  organisations: readonly string[];
  caCertificates: ReadonlyMap<string, string>;
};

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
): PurgeLeftovers {
  const purges = new Purges();
  RecordFile.scan(path.join(ledgerDir, BLOCKS_FILE), height, (payload, index) => {
    const block = JSON.parse(payload.toString('utf8')) as BlockJson;
    check(block, index);
    if (index > 0) replayBlock(block, state, purges);
  });
  const leftovers: PurgeLeftovers = [];
  for (const org of organisations) {
    RecordFile.scan(
      path.join(ledgerDir, 'private', `${org}.log`),
      Number.MAX_SAFE_INTEGER,
      (payload, index) => {
        const rec = JSON.parse(payload.toString('utf8')) as { block: number; txs: [number, unknown][] };
        if (rec.block >= height) return;
        for (const [txNum, writes] of rec.txs)
          applyPrivate(state, org, privateWritesFromJson(writes), packVersion(rec.block, txNum));
        // A value a later purge removed, still on disk: the process stopped before the purge's rewrite (purge.ts).
        if (purges.size > 0) {
          const scrubbed = scrubbedRecord(payload, purges);
          if (scrubbed !== undefined) leftovers.push({ org, index, payload: scrubbed });
        }
      },
    );
  }
  return leftovers;
}

/** Records of the private-data logs that still hold purged values, with their bytes without them. */
export type PurgeLeftovers = { org: string; index: number; payload: Buffer }[];

function replayBlock(block: BlockJson, state: WorldState, purges: Purges): void {
  for (const [i, tx] of (block.txs ?? []).entries()) {
    if (tx.code === 'VALID') {
      const meta: TxMeta = { txId: tx.txId, seconds: tx.seconds, nanos: tx.nanos };
      const rwset = rwsetFromJson(tx.action.rwset);
      applyPublic(state, rwset, meta, packVersion(block.number, i));
      purges.addTransaction(rwset, { block: block.number, tx: i });
    }
    state.txIds.add(tx.txId);
  }
}

/**
 * Replays the opened ledger into `state`, checking that each block chains to the one before it, that the
 * genesis block is this channel's, and that the last acknowledged block is the one the mark names. Returns the
 * last block's header hash (the next block's previous hash).
 */
export function replayCheckedLedger(
  ledger: LedgerFiles,
  state: WorldState,
  expected: ChannelIdentity,
): { previousHash: Buffer; leftovers: PurgeLeftovers } {
  const { ledgerDir, height, ack, markPath } = ledger;
  let previousHash: Buffer = Buffer.alloc(0);
  const leftovers = replayLedger(ledgerDir, state, expected.organisations, height, (block, index) => {
    if (block.number !== index || block.previousHash !== previousHash.toString('hex')) {
      throw new Error(`the block file is corrupt: record ${index} does not chain to the block before it`);
    }
    if (index === 0) checkGenesis(block, expected);
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
  return { previousHash, leftovers };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function checkGenesis(block: BlockJson, expected: ChannelIdentity): void {
  const config = block.config;
  const { dataDir, channel, chaincodeName, organisations } = expected;
  if (config === undefined) throw new Error('the block file is corrupt: block 0 is not a genesis block');
  if (config.channel !== channel || config.chaincode !== chaincodeName) {
    throw new Error(
      `${dataDir} holds channel '${config.channel}' with chaincode '${config.chaincode}', not '${channel}' with '${chaincodeName}'`,
    );
  }
  if (!sameList(config.organisations, organisations)) {
    throw new Error(
      `${dataDir} was created for organisations ${config.organisations.join(', ')}, not ${organisations.join(', ')}`,
    );
  }
  for (const [org, pem] of expected.caCertificates) {
    if (config.caCertificates[org] !== pem) {
      throw new Error(
        `the CA certificate of ${org} in ${dataDir} is not the one the channel was created with`,
      );
    }
  }
}
