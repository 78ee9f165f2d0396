import {
  BLACKLIST_CHANGES_EVENT,
  decodeBlacklistChanges,
} from '../../../chaincode/src/ledger/blacklistEvents';
import type { BlacklistNotice } from './matcher';

/**
 * Where the alert follower reads the blacklist's events: the blocks the institution's node receives, from a block
 * on. One implementation per backend; the embedded network's is below. (Live Fabric: not yet; see README.)
 */
export interface BlacklistBlockSource {
  onBlacklistChanges(
    listener: (notices: readonly BlacklistNotice[], blockNumber: bigint) => void,
    options: { readonly startBlock: bigint },
  ): () => void;
  /** Blocks on the ledger now: a new node's follower starts here, not at block 0. */
  height(): bigint;
}

/**
 * What the follower reads of an embedded network's block (structurally: only the embedded transport imports
 * network/embedded).
 */
export interface EmbeddedBlock {
  readonly number: bigint;
  readonly transactions: readonly {
    readonly validationCode: string;
    readonly event?: { readonly name: string; readonly payload: Uint8Array } | undefined;
  }[];
}

/** The `tallystick.blacklist` events of one block's valid transactions, in transaction order. */
export function blacklistNoticesOf(block: EmbeddedBlock): BlacklistNotice[] {
  const out: BlacklistNotice[] = [];
  block.transactions.forEach((tx, txIndex) => {
    if (tx.validationCode !== 'VALID' || tx.event?.name !== BLACKLIST_CHANGES_EVENT) return;
    out.push({ blockNumber: block.number, txIndex, changes: decodeBlacklistChanges(tx.event.payload) });
  });
  return out;
}

/** The embedded network's blocks as a blacklist block source (every block, so the follower's checkpoint moves). */
export function embeddedBlacklistSource(network: {
  onBlock(listener: (b: EmbeddedBlock) => void, opts?: { startBlock?: bigint }): () => void;
  height(): bigint;
}): BlacklistBlockSource {
  return {
    height: () => network.height(),
    onBlacklistChanges: (listener, options) =>
      network.onBlock(
        (block) => {
          listener(blacklistNoticesOf(block), block.number);
        },
        { startBlock: options.startBlock },
      ),
  };
}

/**
 * The block source of a node's ledger connection: the embedded network's blocks; undefined on live Fabric, where
 * the follower is not wired yet (its blocks reach the node through fabric-network's block listener, which today
 * reads only the reconciliation's events: docs/BLACKLIST.md, "Alerts").
 */
export function blacklistSourceOf(connection: object): BlacklistBlockSource | undefined {
  const network = (connection as { network?: unknown }).network;
  if (
    typeof network === 'object' &&
    network !== null &&
    typeof (network as { onBlock?: unknown }).onBlock === 'function' &&
    typeof (network as { height?: unknown }).height === 'function'
  )
    return embeddedBlacklistSource(network as Parameters<typeof embeddedBlacklistSource>[0]);
  return undefined;
}
